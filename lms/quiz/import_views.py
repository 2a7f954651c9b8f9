"""Trainers' Moodle import: upload a GIFT or Aiken file, read the report, then save.

The same conversion as ``lms import-quiz`` (docs/authoring.en.md, "Importing from Moodle").
The converted quiz is shown as the preview shows it, keys included: the page is for
trainers and admins only. Saving writes ``quizzes/<slug>.md`` in the content folder and
never replaces an existing quiz.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.auth.access import role_required
from lms.content.importers import FORMATS, convert
from lms.content.quizzes import is_slug, parse_quiz
from lms.quiz.views import bp
from lms.rules.grading import file_order_questions, keys_for, public_questions
from lms.web import content_store

log = logging.getLogger(__name__)
MAX_SOURCE_CHARS = 2_000_000


@bp.route("/quizzes/import", methods=["GET", "POST"])
@role_required("trainer", "admin")
def import_quiz():
    form = FlaskForm()
    fields = {"format": "gift", "slug": "", "title": ""}
    if request.method == "GET":
        return render_template("quiz/import.html", form=form, fields=fields, result=None)
    if not form.validate_on_submit():
        abort(400)
    fields = {name: request.form.get(name, "").strip() for name in fields}
    source, filename = _source()
    errors = []
    if fields["format"] not in FORMATS:
        errors.append(_("Choose GIFT or Aiken."))
    if not is_slug(fields["slug"]) or len(fields["slug"]) > 100:
        errors.append(_("The quiz's slug is lowercase letters, digits and '-'."))
    elif content_store().quiz(fields["slug"]) is not None or _target(fields["slug"]).exists():
        errors.append(_("A quiz with this slug exists already; choose another slug."))
    if source is None:
        errors.append(_("Choose a file to upload (UTF-8 text, at most 2 MB)."))
    if errors:
        return render_template("quiz/import.html", form=form, fields=fields, result=None,
                               errors=errors), 422
    title = fields["title"] or fields["slug"].replace("-", " ").capitalize()
    result = convert(source, fields["format"], title)
    if request.form.get("action") == "save" and result.markdown is not None:
        target = _target(fields["slug"])
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as out:  # never replaces a file
            out.write(result.markdown)
        content_store().refresh(force=True)
        log.info("quiz %s imported from %s by user %s", fields["slug"], fields["format"],
                 current_user.id)
        flash(_("Saved quizzes/%(slug)s.md with %(num)d questions.", slug=fields["slug"],
                num=result.written))
        return redirect(url_for("quiz.preview_quiz", slug=fields["slug"], keys=1))
    quiz = parse_quiz(f"quizzes/{fields['slug']}.md", result.markdown)[0] if result.markdown else None
    questions = file_order_questions(quiz) if quiz else []
    return render_template("quiz/import.html", form=form, fields=fields, result=result,
                           filename=filename, source=source, quiz=quiz,
                           questions=public_questions(questions), keys=keys_for(questions))


def _target(slug: str):
    return content_store().root / "quizzes" / f"{slug}.md"


def _source() -> tuple[str | None, str]:
    upload = request.files.get("file")
    if upload and upload.filename:
        raw = upload.read(MAX_SOURCE_CHARS + 1)
        if len(raw) > MAX_SOURCE_CHARS:
            return None, ""
        return raw.decode("utf-8-sig", errors="replace"), upload.filename
    kept = request.form.get("source", "")  # the file read at the check step, sent back on save
    if kept and len(kept) <= MAX_SOURCE_CHARS:
        return kept, request.form.get("filename", "")
    return None, ""
