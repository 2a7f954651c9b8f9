"""Search text rules, pure: folding, query terms, matching and highlighted snippets.

Matching is a substring test on folded text (NFKC, then case-folded, character by character),
so 「音声認識」 finds 「音声認識エンジン」 and ＡＢＣ finds abc, on any database: the index
only narrows the candidates, the meaning is this module's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import Markup, escape

MAX_QUERY = 100
MAX_TERMS = 8
SNIPPET = 160  # characters of text around the first match

_BLOCKS = {"p", "div", "li", "ul", "ol", "table", "tr", "td", "th", "h1", "h2", "h3", "h4",
           "h5", "h6", "pre", "blockquote", "br", "dt", "dd", "section", "figcaption", "hr"}


# A line break between two Japanese characters is a wrapped source line, not a space: joined,
# so a word broken across lines in the Markdown is found whole.
_CJK = "\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_BLOCK_BREAK = "\u2029"  # whitespace to split(), never joined like a wrapped line
_WRAPPED = re.compile(f"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")


class _TextOf(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in _BLOCKS:
            self.parts.append(_BLOCK_BREAK)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(self.skip - 1, 0)
        elif tag in _BLOCKS:
            self.parts.append(_BLOCK_BREAK)

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The words a reader sees in rendered (sanitized) HTML, whitespace collapsed."""
    parser = _TextOf()
    parser.feed(html or "")
    parser.close()
    return " ".join(_WRAPPED.sub("", "".join(parser.parts)).split())


def fold_with_origins(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Folded text and, for each of its characters, the span of original characters it
    comes from. A combining mark joins the character before it when they compose, so
    half-width ﾃﾞ folds to デ as the full-width word does."""
    out: list[str] = []
    origins: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).casefold():
            if out and unicodedata.combining(folded):
                composed = unicodedata.normalize("NFC", out[-1] + folded)
                if len(composed) == 1:
                    out[-1] = composed
                    origins[-1] = (origins[-1][0], index + 1)
                    continue
            out.append(folded)
            origins.append((index, index + 1))
    return "".join(out), origins


def fold(text: str) -> str:
    return fold_with_origins(text)[0]


def query_terms(query: str | None) -> tuple[str, ...]:
    """The folded words of a query, each to be found as a substring; at most MAX_TERMS."""
    words = fold((query or "")[:MAX_QUERY]).split()
    unique: list[str] = []
    for word in words:
        if word not in unique and "\x00" not in word:
            unique.append(word)
    return tuple(unique[:MAX_TERMS])


def matches(folded: str, terms: tuple[str, ...]) -> bool:
    return bool(terms) and all(term in folded for term in terms)


def _spans(text: str, terms: tuple[str, ...]) -> tuple[list[tuple[int, int]], int]:
    """Merged original-text spans of every term occurrence, and the folded text's length."""
    folded, origins = fold_with_origins(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            end = start + len(term)
            spans.append((origins[start][0], origins[end - 1][1]))
            start = folded.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged, len(folded)


def highlight(text: str, terms: tuple[str, ...], start: int = 0, end: int | None = None) -> Markup:
    """``text[start:end]`` escaped, each occurrence of a term in <mark>."""
    end = len(text) if end is None else end
    out = []
    position = start
    for s, e in _spans(text, terms)[0]:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[position:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e])
        position = e
    out.append(escape(text[position:end]))
    return Markup("").join(out)


def snippet(text: str, terms: tuple[str, ...], size: int = SNIPPET) -> Markup:
    """About ``size`` characters of ``text`` around the first match, matches marked."""
    spans, _ = _spans(text, terms)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - size // 3, len(text) - size))
    end = min(len(text), start + size)
    body = highlight(text, terms, start, end)
    return Markup("%s%s%s") % ("… " if start > 0 else "", body, " …" if end < len(text) else "")


@dataclass(frozen=True)
class Document:
    """What the index holds for one course overview or lesson."""

    course_slug: str
    lesson_slug: str | None
    position: int
    course_order: int
    draft: bool
    title: str
    course_title: str
    body: str

    @property
    def folded(self) -> str:
        return fold(f"{self.title}\n{self.body}")


def documents_of(courses) -> list[Document]:
    docs = []
    for course in courses:
        docs.append(Document(course.slug, None, -1, course.order, course.draft, course.title,
                             course.title, plain_text(course.overview_html)))
        for lesson in course.lessons:
            docs.append(Document(course.slug, lesson.slug, lesson.position, course.order,
                                 course.draft, lesson.title, course.title,
                                 plain_text(lesson.html)))
    return docs
