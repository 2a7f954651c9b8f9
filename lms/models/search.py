from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class SearchDocument(db.Model):
    """One course overview or lesson as plain text, rebuilt from the content store.

    ``folded`` is the title and text case-folded and NFKC-normalised (lms/services/search_text.py):
    matching is a substring test on it. SQLite also keeps it in the FTS5 table ``search_fts``
    (trigram tokenizer, same rowid); PostgreSQL gives it a pg_trgm GIN index. Both are made by
    the migration, outside the models.
    """

    __tablename__ = "search_documents"
    __table_args__ = (Index("ix_search_documents_course", "course_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(200))
    lesson_slug: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=-1)  # -1: the course overview
    course_order: Mapped[int] = mapped_column(Integer, default=100)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(500))
    course_title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    folded: Mapped[str] = mapped_column(Text, default="")


class SearchIndexState(db.Model):
    """The digest of the content the index was built from (one row)."""

    __tablename__ = "search_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), default="")
