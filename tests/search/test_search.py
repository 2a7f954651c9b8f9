"""Search over course and lesson text: Japanese substrings, drafts hidden, the same results
on SQLite and PostgreSQL (the suite runs on both; each run compares the database's answer
with the plain substring rule over the same documents)."""

from __future__ import annotations

import random
import shutil
import threading

from sqlalchemy import func, select

from lms.models import SearchDocument
from lms.services import search
from lms.services.search_text import documents_of, matches, query_terms
from tests.conftest import IsolatedClient, make_app
from tests.search.conftest import CONTENT


def store(app):
    return app.extensions["lms.content"]


def found(app, query, sees_drafts=False):
    return [(h.course_slug, h.lesson_slug) for h in
            search.search(store(app), query, sees_drafts=sees_drafts)]


def test_japanese_substring_inside_a_word_is_found(app, db):
    hits = found(app, "音声認識")
    # 「音声認識エンジン」 and 「音声認識の利用料金」: parts of longer words, no spaces around.
    assert ("speech-basics", "recognition") in hits and ("pricing", "margin") in hits
    assert found(app, "認識エン") == [("speech-basics", "recognition")]
    assert found(app, "話者分離 句読点") == [("speech-basics", "recognition")]
    assert found(app, "話者分離 ロードマップ") == []


def test_title_matches_come_first_then_catalog_order(app, db):
    # The lesson titled 音声認識の仕組み first, then the other lesson in catalog order.
    assert found(app, "音声認識") == [("speech-basics", "recognition"), ("pricing", "margin")]


def test_short_queries_fall_back_to_a_plain_substring_test(app, db):
    assert found(app, "暗号") == [("speech-basics", "setup")]
    assert found(app, "極") == []  # only in the draft course
    assert ("speech-basics", "recognition") in found(app, "音")


def test_widths_and_cases_meet(app, db):
    assert found(app, "apiキー") == found(app, "ＡＰＩ") == [("speech-basics", "setup")]
    assert found(app, "データ") == found(app, "ﾃﾞｰﾀ") == [("speech-basics", "setup")]
    assert found(app, "KOEMOJI") == found(app, "koemoji")


def test_like_wildcards_are_plain_characters(app, db):
    assert found(app, "50%_off") == [("speech-basics", "recognition")]
    assert found(app, "%") == [("speech-basics", "recognition"), ("pricing", "margin")]
    assert found(app, "_") == [("speech-basics", "recognition")]
    assert found(app, "%%%") == [] and found(app, "a_b") == []


def test_drafts_only_for_those_who_see_drafts(app, db):
    assert found(app, "極秘") == []
    assert set(found(app, "極秘", sees_drafts=True)) == {("unreleased", None),
                                                       ("unreleased", "secret")}


def test_the_database_answers_exactly_the_substring_rule(app, db):
    """Random substrings of the text, 1 to 6 characters and pairs of them: whatever the
    database (FTS5 trigram, pg_trgm, LIKE), the answer is the plain rule's answer."""
    docs = documents_of(store(app).courses())
    rng = random.Random(20261202)
    queries = []
    for _ in range(120):
        doc = rng.choice(docs)
        text = doc.title + doc.body
        size = rng.randint(1, 6)
        start = rng.randrange(max(len(text) - size, 1))
        queries.append(text[start:start + size])
    queries += [f"{a} {b}" for a, b in zip(queries[::2], queries[1::2])][:40]
    # The same words typed otherwise: upper case, full-width ASCII.
    queries += [q.upper() for q in queries[:40]]
    queries += ["".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in q)
                for q in queries[:40]]
    for query in queries:
        terms = query_terms(query)
        expected = {(d.course_slug, d.lesson_slug) for d in docs
                    if not d.draft and matches(d.folded, terms)}
        assert set(found(app, query)) == expected, query


def test_results_page_escapes_and_marks(client, signed_in):
    signed_in("learner")
    page = client.get("/search?q=太字").get_data(as_text=True)
    assert "<mark>太字</mark>" in page and "&lt;b&gt;" in page and "<b><mark>" not in page
    assert 'href="/courses/speech-basics/lessons/recognition"' in page


def test_results_page_hides_drafts_from_learners_not_trainers(client, signed_in, make):
    signed_in("learner")
    page = client.get("/search?q=ロードマップ").get_data(as_text=True)
    assert "極秘" not in page and "unreleased" not in page
    trainer_client = client.application.test_client()
    from tests.conftest import login

    login(trainer_client, make.user("trainer"))
    page = trainer_client.get("/search?q=ロードマップ").get_data(as_text=True)
    assert "極秘ロードマップ" in page and "<mark>ロードマップ</mark>" in page


def test_results_page_without_query_and_with_odd_input(client, signed_in):
    signed_in("learner")
    assert client.get("/search").status_code == 200
    assert client.get("/search", query_string={"q": "a\x00"}).status_code == 400  # input guard
    for q in ("'\"<script>", "a" * 5000, "*", '"', "OR", "NEAR(a b)"):
        response = client.get("/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert "<script>" not in response.get_data(as_text=True)


def test_search_needs_sign_in(client):
    assert client.get("/search?q=音声").status_code in (302, 401)


def test_header_has_a_search_box(client, signed_in):
    signed_in("learner")
    page = client.get("/").get_data(as_text=True)
    assert 'role="search"' in page and 'action="/search"' in page


def test_index_is_rebuilt_when_content_changes(app, db, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    other = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                     CONTENT_DIR=str(content))
    other.test_client_class = IsolatedClient
    with other.app_context():
        assert found(other, "新機能") == []
        lesson = content / "courses" / "pricing" / "02-new.md"
        lesson.write_text("---\ntitle: 追加レッスン\n---\n新機能の説明。\n", encoding="utf-8")
        store(other).refresh(force=True)
        assert found(other, "新機能") == [("pricing", "new")]
        lesson.unlink()
        store(other).refresh(force=True)
        assert found(other, "新機能") == []


def test_concurrent_first_searches_build_the_index_once(app, db):
    """Eight requests see new content at once: one rebuild, one copy of each document."""
    docs = documents_of(store(app).courses())
    errors = []

    def run():
        try:
            with app.app_context():
                found(app, "音声認識")
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.session.scalar(select(func.count(SearchDocument.id))) == len(docs)
