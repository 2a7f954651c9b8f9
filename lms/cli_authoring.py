"""Authoring commands: ``lms import-quiz`` (Moodle GIFT/Aiken) and ``lms new course|quiz``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lms.cli import _content_root, main


@main.command("import-quiz")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "source_format", required=True, type=click.Choice(["gift", "aiken"]),
              help="Moodle's GIFT or Aiken format.")
@click.option("--slug", default=None, help="The quiz's slug: writes quizzes/SLUG.md.")
@click.option("--content", "content_dir", default=None, type=click.Path(file_okay=False),
              help="Content root (default: LMS_CONTENT_DIR or the repository).")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Write here instead of quizzes/SLUG.md ('-' for standard output).")
@click.option("--title", default=None, help="The quiz's title (default: from the file name).")
@click.option("--force", is_flag=True, help="Replace an existing quiz file.")
def import_quiz(file, source_format, slug, content_dir, out, title, force):
    """Convert a Moodle GIFT or Aiken file to a quiz; print FILE:line: message per refusal."""
    from lms.content.importers import convert
    from lms.content.quizzes import is_slug

    if out is None:
        if not slug or not is_slug(slug):
            raise click.UsageError("give --slug (a-z, 0-9 and '-') or --out")
        target = _content_root(content_dir) / "quizzes" / f"{slug}.md"
    else:
        target = None if out == "-" else Path(out)
    if target is not None and target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to replace it")
    source = Path(file).read_text(encoding="utf-8-sig", errors="replace")
    name = title or (slug or Path(file).stem).replace("-", " ").replace("_", " ").strip()
    result = convert(source, source_format, name or "Imported quiz")
    for refusal in result.refusals:
        click.echo(f"{file}:{refusal.line}: {refusal.message}", err=True)
    if result.markdown is None:
        click.echo("no question could be converted; nothing written", err=True)
        sys.exit(1)
    if target is None:
        click.echo(result.markdown, nl=False)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(result.markdown, encoding="utf-8")
    click.echo(f"{result.written} question(s) written to {target or 'standard output'}, "
               f"{len(result.refusals)} left out", err=True)


_COURSE_SKELETON = """---
title: {title}
draft: true
---
What learners will be able to do after this course. Remove `draft: true` to publish it.
"""
_LESSON_SKELETON = """---
title: Introduction
minutes: 10
---
The first lesson. Lessons are the `NN-slug.md` files of this folder, in number order.
"""
_QUIZ_SKELETON = """---
title: {title}
pass_mark: 80
---
What this quiz checks, shown before an attempt starts.

## Replace this question with your own {{id=first-question}}
- (x) The right answer
- ( ) A wrong answer

> Why the right answer is right, shown on review.
"""


@main.group("new")
def new():
    """Write a skeleton course or quiz that lms check accepts."""


def _write_new(files: dict[Path, str]) -> None:
    for path in files:
        if path.exists():
            raise click.ClickException(f"{path} exists; nothing written")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}")


def _new_slug(slug: str) -> str:
    from lms.content.quizzes import is_slug

    if not is_slug(slug):
        raise click.UsageError(f"'{slug}' is not a slug: lowercase a-z, 0-9 and '-'")
    return slug


@new.command("course")
@click.argument("slug")
@click.option("--title", default=None, help="The course's title (default: from the slug).")
@click.option("--content", "content_dir", default=None, type=click.Path(file_okay=False),
              help="Content root (default: LMS_CONTENT_DIR or the repository).")
def new_course(slug: str, title: str | None, content_dir: str | None):
    """courses/SLUG/course.md (a draft) and its first lesson."""
    folder = _content_root(content_dir) / "courses" / _new_slug(slug)
    title = _yaml_text(title or slug.replace("-", " ").capitalize())
    _write_new({folder / "course.md": _COURSE_SKELETON.format(title=title),
                folder / "01-introduction.md": _LESSON_SKELETON})


@new.command("quiz")
@click.argument("slug")
@click.option("--title", default=None, help="The quiz's title (default: from the slug).")
@click.option("--content", "content_dir", default=None, type=click.Path(file_okay=False),
              help="Content root (default: LMS_CONTENT_DIR or the repository).")
def new_quiz(slug: str, title: str | None, content_dir: str | None):
    """quizzes/SLUG.md with one example question."""
    path = _content_root(content_dir) / "quizzes" / f"{_new_slug(slug)}.md"
    title = _yaml_text(title or slug.replace("-", " ").capitalize())
    _write_new({path: _QUIZ_SKELETON.format(title=title)})


def _yaml_text(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string
