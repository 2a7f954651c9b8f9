"""Search over course and lesson text: the index kept in step with the content, and queries.

The index is derived data: plain text of every course overview and lesson, built from the
content store (whose Markdown is rendered once per file version) and rebuilt when its digest
changes — by whichever request first sees new content. Candidates come from SQLite FTS5
(trigram) or PostgreSQL pg_trgm; terms shorter than a trigram fall back to LIKE. Both are
substring tests on the same folded text, so both databases return the same results.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import delete, insert, select, text

from lms.database import begin_write, upsert_ignore
from lms.extensions import db
from lms.models import SearchDocument, SearchIndexState
from lms.services.search_text import Document, documents_of, fold, query_terms, snippet

MAX_RESULTS = 200
_STATE_ID = 1

_cache_lock = threading.Lock()
_cache: dict[int, tuple[int, list[Document], str]] = {}  # id(store) → (version, docs, digest)


def _documents(store) -> tuple[list[Document], str]:
    """The store's documents and their digest, computed once per content version."""
    version = store.version
    with _cache_lock:
        cached = _cache.get(id(store))
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
    docs = documents_of(store.courses())
    digest = hashlib.sha256(json.dumps([list(d.__dict__.values()) for d in docs],
                                       ensure_ascii=False).encode()).hexdigest()
    with _cache_lock:
        _cache[id(store)] = (version, docs, digest)
    return docs, digest


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def ensure_index(store) -> bool:
    """Rebuild the index when the content changed since it was built; True when rebuilt."""
    docs, digest = _documents(store)
    current = db.session.scalar(select(SearchIndexState.digest)
                                .where(SearchIndexState.id == _STATE_ID))
    if current == digest:
        return False
    begin_write()
    upsert_ignore(SearchIndexState, {"id": _STATE_ID, "digest": ""}, ("id",))
    state = db.session.scalar(select(SearchIndexState).where(SearchIndexState.id == _STATE_ID)
                              .with_for_update().execution_options(populate_existing=True))
    if state.digest == digest:  # another request rebuilt it meanwhile
        db.session.commit()
        return False
    db.session.execute(delete(SearchDocument))
    if docs:
        db.session.execute(insert(SearchDocument), [
            {"course_slug": d.course_slug, "lesson_slug": d.lesson_slug, "position": d.position,
             "course_order": d.course_order, "draft": d.draft, "title": d.title[:500],
             "course_title": d.course_title[:500], "body": d.body, "folded": d.folded}
            for d in docs])
    if _is_sqlite():
        db.session.execute(text("INSERT INTO search_fts (search_fts) VALUES ('rebuild')"))
    state.digest = digest
    db.session.commit()
    return True


@dataclass(frozen=True)
class Hit:
    course_slug: str
    lesson_slug: str | None
    title: str
    course_title: str
    snippet: Markup


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrase(terms) -> str:
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def search(store, query: str | None, *, sees_drafts: bool) -> list[Hit]:
    """Lessons and course overviews holding every word of ``query``, drafts only for those
    who may see them; title matches first, then in catalog order."""
    terms = query_terms(query)
    if not terms:
        return []
    ensure_index(store)
    statement = select(SearchDocument)
    if not sees_drafts:
        statement = statement.where(SearchDocument.draft.is_(False))
    trigram_terms = [t for t in terms if len(t) >= 3]
    if _is_sqlite() and trigram_terms:
        statement = statement.where(SearchDocument.id.in_(
            text("SELECT rowid FROM search_fts WHERE search_fts MATCH :phrase")
            .bindparams(phrase=_fts_phrase(trigram_terms))))
        like_terms = [t for t in terms if len(t) < 3]
    else:
        like_terms = list(terms)  # PostgreSQL: LIKE is what its trigram index serves
    for term in like_terms:
        statement = statement.where(SearchDocument.folded.like(_like(term), escape="\\"))
    rows = db.session.scalars(statement).all()
    db.session.commit()

    def order(row: SearchDocument):
        # In Python, not SQL: the databases' collations would order slugs differently.
        in_title = all(t in fold(row.title) for t in terms)
        return (not in_title, row.course_order, row.course_slug, row.position)

    rows = sorted(rows, key=order)[:MAX_RESULTS]
    # Titles stay whole (a reader and a page search find them as written); the snippet marks.
    return [Hit(r.course_slug, r.lesson_slug, r.title, r.course_title, snippet(r.body, terms))
            for r in rows]
