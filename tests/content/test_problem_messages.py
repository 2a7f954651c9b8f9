"""Content problems in the UI's language: every message the content package can write is a
translated msgid; trainers read broken files and import refusals in Japanese (or English),
while ``lms check`` and ``lms import-quiz`` print English."""

from __future__ import annotations

import ast
import functools
import io
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.support import Translations
from click.testing import CliRunner
from markupsafe import escape

from lms.cli import main
from lms.content.importers import convert
from lms.content.messages import Message
from lms.content.store import check
from tests.conftest import csrf_token, login
from tests.content.conftest import write
from tests.web.helpers import REPO_ROOT, app_on, copy_fixture_content

CONTENT_PACKAGE = REPO_ROOT / "lms" / "content"
JAPANESE = Translations.load(str(REPO_ROOT / "lms" / "translations"), ["ja"]).ugettext
KANA = re.compile(r"[\u3040-\u30ff]")


@functools.cache
def content_msgids() -> dict[str, str]:
    """msgid -> file, for every message declared in lms/content, extracted as pybabel does
    (with the keywords babel.cfg gives Python files)."""
    with open(REPO_ROOT / "babel.cfg", encoding="utf-8") as fh:
        _method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, **options_map["lms/**.py"].get("keywords", {})}
    found: dict[str, str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(CONTENT_PACKAGE), [("**.py", "python")], {}, keywords=keywords):
        found.setdefault(message if isinstance(message, str) else message[0],
                         f"lms/content/{filename}")
    return found


def test_every_content_message_has_a_japanese_translation():
    messages = content_msgids()
    # babel.cfg names N_ as a keyword: without it nothing of lms/content is extracted.
    assert len(messages) > 150, len(messages)
    assert "'%(key)s' is required" in messages and "warning: %(message)s" in messages
    untranslated = [f"{file}: {msgid!r}" for msgid, file in sorted(messages.items())
                    if JAPANESE(msgid) == msgid or not JAPANESE(msgid).strip()]
    assert untranslated == [], f"{len(untranslated)} content message(s) without Japanese"


# Callables whose message argument becomes a content problem or an import refusal.
_MESSAGE_TAKERS = {"ContentProblem", "ContentError", "Refusal", "_Refused", "ValueError",
                   "report", "bad", "problem", "error", "warn", "_warn", "warning"}


def test_no_problem_message_is_written_without_n_():
    """A string literal or f-string handed straight to a problem would show in English."""
    offenders = []
    for path in sorted(CONTENT_PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            owner = getattr(getattr(node.func, "value", None), "id", None)
            if name not in _MESSAGE_TAKERS or owner == "log":
                continue
            # The message: the only argument, or any after the first (a path, line or node).
            for arg in node.args[1:] if len(node.args) > 1 else node.args:
                if isinstance(arg, ast.JoinedStr) or (
                        isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        and " " in arg.value):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert offenders == []


def test_a_message_reads_in_english_as_a_string_and_nests_translations():
    from lms.content.messages import N_

    message = N_("warning: %(message)s", message=N_("link to course '%(slug)s', which does not "
                                                    "exist", slug="koemoji-basics"))
    assert message == "warning: link to course 'koemoji-basics', which does not exist"
    assert message.translated(JAPANESE) == "警告：リンク先のコース「koemoji-basics」は存在しません"
    assert message.translated() == str(message)  # outside a request: English


# -- breaking files in many ways ---------------------------------------------------------

BROKEN = {
    # front matter: a value of the wrong type, an unknown key, a YAML syntax error
    "courses/getting-started/02-pricing.md": """
        ---
        title: Pricing
        minutes: many
        ---
        Body with a [link out](../../outside.md).
        """,
    "courses/getting-started/course.md": """
        ---
        title: Getting started
        levle: bronze
        hours: -2
        ---
        Overview.
        """,
    "courses/advanced/01-deep.md": """
        ---
        title: [oops
        ---
        Body.
        """,
    "courses/extra/course.md": """
        ---
        title: Extra
        prerequisites: [nope, extra]
        quiz: missing-quiz
        ---
        See [a lesson](09-missing.md).
        """,
    "courses/extra/01-video.md": "---\ntitle: Video\nvideo: ftp://example.com/v\n---\n",
    "courses/extra/02-video.md": "---\ntitle: Video again\n---\n",
    "courses/extra/03-clip.md": "---\ntitle: Clip\nminutes: 5\ndraft: perhaps\n---\n",
    "courses/no-head/01-only.md": "---\ntitle: Alone\n---\n",
    # quiz front matter and question syntax
    "quizzes/bad-settings.md": """
        ---
        title: Settings
        pass_mark: 120
        timelimit: 30m
        review: sometimes
        shuffle: maybe
        ---
        ## A question {points=0}
        - (x) yes
        - ( ) no
        """,
    "quizzes/bad-questions.md": """
        ---
        title: Questions
        ---
        ## Same id {id=q1}
        - (x) a
        - ( ) b

        ## Same id again {id=q1}
        - (x) a
        - ( ) b
        """,
    "quizzes/no-right-answer.md": """
        ---
        title: None right
        ---
        ## Which one?
        - ( ) a
        - ( ) b
        """,
    "quizzes/mixed.md": """
        ---
        title: Mixed
        ---
        ## Which?
        - ( ) a
        - [x] b
        """,
    "quizzes/yaml-mapping.md": """
        ---
        title: a: b
        ---
        ## Q
        = yes
        """,
    "quizzes/unclosed.md": "---\ntitle: Never closed\n## Q\n= yes\n",
    # program.yml: unknown keys, bad numbers, a lowest tier with requirements
    "courses/program.yml": """
        certifications:
          bronze:
            title: Bronze
            courses: [getting-started, getting-startd]
            exams: {basics-quiz: 120}
            valid_for: 2
          silver:
            requires: [bronze]
        tiers:
          registered:
            title: Registered
            deals_closed: 3
        margin:
          base: lots
          bonus: 5
        """,
}


@pytest.fixture()
def broken_site(app, db, make, tmp_path):
    content = copy_fixture_content(tmp_path / "content")
    write(content, BROKEN)
    with app_on(app, CONTENT_DIR=str(content)) as running:
        readers = {}
        for locale in ("ja", "en"):
            readers[locale] = running.test_client()
            login(readers[locale], make.user("trainer", email=f"trainer-{locale}@example.com",
                                             locale=locale))
        yield content, readers


def test_the_content_status_page_shows_every_problem_in_the_readers_language(broken_site):
    content, readers = broken_site
    problems = check(content)
    msgids = {p.message.msgid for p in problems}
    assert len(problems) >= 25 and len(msgids) >= 25, sorted(msgids)
    japanese = readers["ja"].get("/admin/content").get_data(as_text=True)
    english = readers["en"].get("/admin/content").get_data(as_text=True)
    for problem in problems:
        assert isinstance(problem.message, Message)
        words = problem.message.translated(JAPANESE)
        assert words != str(problem.message), problem  # really translated
        assert str(escape(words)) in japanese, words
        assert str(escape(problem.message)) not in japanese, problem
        assert str(escape(problem.message)) in english, problem
    # A few written out, so the check above is not only the code agreeing with itself.
    for words in (
        "「minutes」は整数にしてください（&#39;many&#39; になっています）",
        "不明なキー「levle」です（「level」の間違いではありませんか？）",
        "フロントマター（2 つの「---」の間の行）の書き方が正しくありません：この行で始まった「[」が「]」で閉じられていません",
        "警告：リンク「../../outside.md」はコースのフォルダーの外を指しているため、サイトでは機能しません",
        "ファイルがありません：コースのフォルダーには course.md が必要です",
        "前提コース「nope」は存在しません（courses/nope/course.md がありません）",
        "コースを自分自身の前提コースにはできません",
        "クイズ「missing-quiz」は存在しません（quizzes/missing-quiz.md がありません）",
        "pass_mark: 120 は 0 から 100 のパーセントで指定してください",
        "不明な設定「timelimit」です（使える設定：",
        "points=0 は 0 より大きく 1000 以下の数にしてください",
        "問題 ID「q1」が重複しています（",
        "( ) の問題には (x) がちょうど 1 つ必要ですが",
        "1 つの問題に ( ) と [ ] の選択肢が混在しています",
        "ここには「キー: 値」を書けません",
        "「---」で始まったフロントマターが、次の「---」で閉じられていません",
        "認定レベル bronze の exams の basics-quiz は 0 から 100 パーセントの間にしてください（120 になっています）",
        "認定レベル silver には「title」が必要です",
        "ティア registered は最も低いティアなので、条件を付けられません",
        "shuffle: &#39;maybe&#39; は true か false にしてください",
        "動画の URL &#39;ftp://example.com/v&#39; には対応していません",
        "レッスンのスラッグ「video」は 01-video.md で使われています。このレッスンは読み込まれません",
        "不明なキー「draft」です（使えるキー：minutes, title, video）",
        "&#39;margin&#39;：不明なキー「bonus」です。使えるキー：base, target_bonus",
        "margin base は数にしてください（&#39;lots&#39; になっています）",
        "認定レベル bronze の valid_for は単位付きの期間にしてください（例：2y、730d。&#39;2&#39; になっています）",
    ):
        assert words in japanese, words
    assert "must be a whole number" not in japanese and "unknown key" not in japanese
    assert "&#39;minutes&#39; must be a whole number, not &#39;many&#39;" in english


def test_lms_check_prints_the_same_problems_in_english(broken_site):
    content, _ = broken_site
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [str(p) for p in check(content)]
    assert not any(KANA.search(line) for line in lines), [l for l in lines if KANA.search(l)]
    assert "courses/getting-started/02-pricing.md:3: 'minutes' must be a whole number, not " \
           "'many'" in lines
    assert "courses/advanced/01-deep.md:2: invalid front matter: '[' opened on this line is " \
           "never closed with ']'" in lines


# -- the Moodle import report ---------------------------------------------------------------

GIFT = """
::matching:: Match them {=a -> 1 =b -> 2 =c -> 3}

::partial:: Capital of France? {=%50%Paris =Lyon}

::number:: How many? {#abc}

Just a description, no question.

::braces:: Unclosed { =a ~b

::weight:: Pick {~%150%a ~b}

::same:: Which? {=A ~A}

::zero:: Say yes {=%0%no =yes}

::fine:: Fine? {=yes ~no}
"""
AIKEN = "What?\nA) one\nB) two\nANSWER: C\n\nAlone?\nA) only\nANSWER: A\n"


def _import(client, source, source_format):
    data = {"csrf_token": csrf_token(client, "/quizzes/import"), "format": source_format,
            "slug": "imported", "title": "Imported", "action": "check",
            "file": (io.BytesIO(source.encode("utf-8")), f"bank.{source_format}")}
    response = client.post("/quizzes/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("source, source_format", [(GIFT, "gift"), (AIKEN, "aiken")])
def test_import_refusals_read_in_the_readers_language(broken_site, source, source_format):
    _, readers = broken_site
    refusals = convert(source, source_format, "Imported").refusals
    assert len(refusals) >= (8 if source_format == "gift" else 2)
    japanese = _import(readers["ja"], source, source_format)
    english = _import(readers["en"], source, source_format)
    for refusal in refusals:
        words = refusal.message.translated(JAPANESE)
        assert words != str(refusal.message) and str(escape(words)) in japanese, refusal
        assert str(escape(refusal.message)) in english, refusal
    expected = {
        "gift": ["組み合わせ問題はクイズファイルでは表現できないため、取り込みませんでした",
                 "答えへの部分点（50%）はクイズファイルでは表現できません",
                 "「abc」は数値、「数値:許容誤差」、「下限..上限」のいずれでもありません",
                 "重み 150% が -100% から 100% の範囲外です",
                 "同じ選択肢が 2 回あります</td>",  # without the written file's line
                 "満点の答えより前に 0% の答えがあると"],
        "aiken": ["ANSWER: C は選択肢 A, B のどれでもありません",
                  "問題には 2 つ以上の選択肢（A) … B) …）が必要です"],
    }[source_format]
    for words in expected:
        assert words in japanese, words


def test_lms_import_quiz_prints_refusals_in_english(tmp_path):
    bank = tmp_path / "bank.gift"
    bank.write_text(GIFT, encoding="utf-8")
    result = CliRunner().invoke(main, ["import-quiz", str(bank), "--format", "gift",
                                       "--out", "-"])
    assert result.exit_code == 0, result.output
    refused = [line for line in result.stderr.splitlines() if line.startswith(str(bank))]
    assert len(refused) >= 8 and not any(KANA.search(line) for line in refused)
    assert f"{bank}:2: matching questions cannot be expressed in a quiz file; left out" in refused
    assert any(line.endswith(": the same choice appears twice") for line in refused), refused


def test_the_japanese_guide_quotes_the_status_pages_words():
    """docs/authoring.md's "common mistakes" table: each English message next to its Japanese."""
    guide = (REPO_ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| [^|]+ \| `([^`]+)` \| ([^|]+) \|$", guide, re.MULTILINE)
    quoted = [(english, japanese.strip()) for english, japanese in rows
              if english in content_msgids()]
    assert len(quoted) >= 8
    assert [(english, JAPANESE(english)) for english, _ in quoted] == quoted
