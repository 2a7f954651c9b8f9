"""Find program codes and untranslated English in what a person reads on a page.

Used by tests/e2e/test_words_not_codes.py: a crawler signs in as each kind of person,
follows the site's own links, and collects the visible text of every page; this module
says which words in it are codes (a course slug, an exam id, a role, a tier key…) or,
in the Japanese UI, English words that should have been translated.

What a trainer wrote (lesson and post bodies, `.prose`), code samples, e-mail addresses and
URLs are not UI text and are left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from lms.content.program import Program

# Words a Japanese page may show in Latin letters: names of things, not UI words.
JAPANESE_UI_ALLOWED = {
    "Bronze", "Silver", "Gold", "KoeMoji", "CSV", "API", "PDF", "PNG", "SVG", "JSON",
    "LinkedIn", "Open", "Badges", "URL", "ID", "OK", "QR", "Markdown", "GIFT", "Aiken",
    "Moodle", "SSO", "SCIM", "OpenID", "Connect", "Web", "English", "JST", "UTC", "AI",
    "CSAT", "FAQ", "SaaS", "CRM", "SFA", "IT", "DX", "PoC", "Koemoji", "ROI", "OEM", "KPI",
    "QBR", "SI", "A4", "JPEG", "Asia", "America", "Europe", "Pacific", "Australia", "Africa",
    "Etc", "Okta", "Entra", "Standard", "Webhooks", "VC-JWT", "OpenID", "SAML",
}
# Literal names a person types, shown as such: CSV import columns and content file paths.
JAPANESE_UI_ALLOWED |= {"email", "name", "role", "org", "password", "quizzes", "courses", "md",
                        "SLUG", "yml"}
# Roles, statuses and other codes the product itself uses.
PRODUCT_CODES = {
    "admin", "manager", "trainer", "learner", "registered", "active", "expired", "revoked",
    "pending", "graded", "submitted", "in_progress", "recommendation", "paper", "interview",
    "deals_closed", "csat", "annual_revenue", "target_met", "practical", "none", "null",
    "True", "False", "None",
}

_SKIP_TAGS = {"script", "style", "code", "pre", "template", "head", "title", "svg"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|/)[\w\-./?=&%#:~]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")


class _VisibleText(HTMLParser):
    """The text a sighted reader sees, without authored content or code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        skip = (tag in _SKIP_TAGS or "prose" in classes or "post__body" in classes
                or "hidden" in attrs
                or attrs.get("translate") == "no")
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not any(skip for _, skip in self.stack):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    return _URL.sub(" ", _EMAIL.sub(" ", text))


def program_codes(program: Program, course_slugs, quiz_slugs, tracks) -> set[str]:
    """Every identifier the program and content define, which a page must show by title."""
    codes = set(PRODUCT_CODES) | set(course_slugs) | set(quiz_slugs) | set(tracks)
    codes |= set(program.levels) | {t.key for t in program.tiers}
    for cert in program.certifications:
        codes |= set(cert.approvals) | {name for name, _ in cert.evidence}
    return {c for c in codes if c}


def english_codes(codes: set[str]) -> set[str]:
    """The codes that are not also English words ("active", "paper", "manager" are words
    an English sentence may use): slugs and snake_case names."""
    return {c for c in codes if "-" in c or "_" in c}


def authored_words(texts) -> set[str]:
    """Latin words trainers wrote in courses and quizzes (product names, BANT, KPI…): a
    Japanese page may quote them. Front matter is not text people read."""
    words: set[str] = set()
    for text in texts:
        if text.startswith("---"):
            end = text.find("\n---", 3)
            text = text[end + 4:] if end != -1 else text
        words |= set(_WORD.findall(text))
    return words


def leaks(html: str, codes: set[str], japanese: bool, allowed: set[str] = frozenset()) -> list[str]:
    """The codes (and, on a Japanese page, English words neither allowed nor authored)
    in the page's visible text."""
    found = []
    for word in _WORD.findall(visible_text(html)):
        if word in codes:
            found.append(word)
        elif (japanese and len(word) > 1 and word not in JAPANESE_UI_ALLOWED
              and word not in allowed):
            found.append(word)
    return sorted(set(found))
