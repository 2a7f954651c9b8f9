"""The authoring guides' examples pass the checker `lms check` runs, cover every syntax the
parsers accept, and the broken example fails with exactly the lines the guide prints."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from lms.cli import main
from lms.content import program as program_module
from lms.content.courses import COURSE_KEYS, LESSON_KEYS
from lms.content.frontmatter import split_front_matter
from lms.content.quiz_questions import KINDS, NumericAnswer, RegexAnswer
from lms.content.quizzes import KNOWN_SETTINGS
from lms.content.store import ContentStore, check
from tests.content.doc_examples import GUIDES, assemble, examples

pytestmark = pytest.mark.parametrize("guide", GUIDES)


def _store(root):
    store = ContentStore(root, check_interval=0)
    store.refresh(force=True)
    return store


def test_the_examples_pass_lms_check_without_a_single_problem(guide, tmp_path):
    assemble(guide, tmp_path)
    assert [str(p) for p in check(tmp_path)] == []
    result = CliRunner().invoke(main, ["check", "--content", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ""


def test_every_front_matter_key_and_file_kind_has_an_example(guide, tmp_path):
    files = assemble(guide, tmp_path)
    course_keys, lesson_keys, quiz_keys = set(), set(), set()
    for rel, text in files.items():
        meta = split_front_matter(text).meta
        if rel.endswith("/course.md"):
            course_keys |= set(meta)
        elif rel.startswith("courses/") and rel.endswith(".md"):
            lesson_keys |= set(meta)
        elif rel.startswith("quizzes/"):
            quiz_keys |= set(meta)
    assert course_keys == set(COURSE_KEYS)
    assert lesson_keys == set(LESSON_KEYS)
    assert quiz_keys == set(KNOWN_SETTINGS)

    store = _store(tmp_path)
    assert store.courses() and all(course.lessons for course in store.courses())
    videos = {lesson.video.kind for course in store.courses() for lesson in course.lessons
              if lesson.video is not None}
    assert {"youtube", "mp4"} <= videos
    html = "".join(lesson.html for course in store.courses() for lesson in course.lessons)
    for feature in ("<table>", 'class="admonition warning"', 'class="footnote"', "<dl>",
                    '<code class="language-json">', "<img ", "/lessons/what-is-koemoji#",
                    "/files/media/checklist.pdf", 'id="pipeline"',
                    '<input type="checkbox" disabled checked>'):
        assert feature in html, feature


def test_every_question_kind_and_attribute_has_an_example(guide, tmp_path):
    assemble(guide, tmp_path)
    questions = [q for quiz in _store(tmp_path).quizzes() for q in quiz.questions]
    assert {q.kind for q in questions} == set(KINDS)
    assert any(q.partial for q in questions)
    weights = {c.weight for q in questions for c in q.choices if c.weight is not None}
    assert any(w < 0 for w in weights) and any(0 < w < 100 for w in weights)
    assert {q.kind for q in questions if any(c.weight for c in q.choices)} == {"single", "multiple"}
    assert any(q.rubric_html for q in questions)
    assert any(q.explanation_html for q in questions)
    assert any(q.body_html for q in questions)
    assert any(q.points != 1 for q in questions)
    assert any(not q.id.startswith("q-") for q in questions)  # an explicit {id=...}
    accepted = [a for q in questions for a in q.accepted]
    assert any(isinstance(a, RegexAnswer) for a in accepted)
    assert any(isinstance(a, NumericAnswer) and a.tolerance > 0 for a in accepted)


def test_every_program_key_has_an_example(guide, tmp_path):
    files = assemble(guide, tmp_path)
    program = yaml.safe_load(files["courses/program.yml"])
    assert set(program) == set(program_module._TOP_KEYS)
    sections = (("certifications", program_module._CERT_KEYS),
                ("tiers", program_module._TIER_KEYS))
    for section, keys in sections:
        used = {key for entry in program[section].values() for key in entry}
        assert used == set(keys), section
    assert set(program["margin"]) == set(program_module._MARGIN_KEYS)
    assert set(program["points"]) == set(program_module._POINTS_KEYS)


def test_the_broken_example_fails_with_the_lines_the_guide_shows(guide, tmp_path):
    assemble(guide, tmp_path)
    found = examples(guide)
    broken = [e for e in found if e.kind == "broken"]
    assert broken
    for example in broken:
        target = tmp_path / example.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example.text, encoding="utf-8")
        result = CliRunner().invoke(main, ["check", "--content", str(tmp_path)])
        assert result.exit_code == 1
        shown = [e for e in found if e.kind == "output" and e.path == example.path]
        assert shown, f"no output block for {example.path}"
        assert result.stdout.splitlines() == shown[0].text.splitlines()
        target.unlink()


MUTATIONS = [
    # (file, text to replace, replacement, what lms check then says)
    ("quizzes/bronze-exam.md", "- (x)", "- ( )", "a ( ) question needs exactly one (x)"),
    ("courses/koemoji-basics/course.md", "prerequisites:", "prerequisite:",
     "unknown key 'prerequisite'"),
    ("courses/program.yml", "valid_for: 2y", "valid_for: 2", "valid_for must be a duration"),
]


@pytest.mark.parametrize("rel, old, new, message", MUTATIONS)
def test_a_mutated_example_is_reported(guide, tmp_path, rel, old, new, message):
    """Proof that the checks above can fail: one small mistake in an example is caught."""
    assemble(guide, tmp_path)
    path = tmp_path / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = [p for p in check(tmp_path) if p.path == rel]
    assert any(message in p.message for p in problems), [str(p) for p in problems]


def test_each_example_names_its_file_above_it(guide):
    for example in examples(guide):
        if example.kind != "output":
            assert f"`{example.path}`" in example.caption, (guide, example.line, example.caption)


def test_both_guides_build_the_same_files(guide):
    other = next(g for g in GUIDES if g != guide)
    targets = {(e.kind, e.path) for e in examples(guide)}
    assert targets == {(e.kind, e.path) for e in examples(other)}
