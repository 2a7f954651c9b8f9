"""Words, not codes: the names people read for the program's keys and the product's roles.

Pages and CSV exports show a certification level, tier, exam, course or track by the title
written in the content (program.yml, the quiz and course files), and a role by its
translation; a key with no title falls back to the key itself. Titles are looked up from
the content store's current version, built once per version and language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app

from lms.i18n import lazy_gettext as _l
from lms.wording import requirement_name

ROLES = {
    "admin": _l("Administrator"),
    "trainer": _l("Trainer"),
    "manager": _l("Manager"),
    "learner": _l("Learner"),
}


def role_name(role: str | None, partner: bool | None = None) -> str:
    """A role as people say it; ``partner`` tells a partner manager from a channel manager."""
    if role == "manager" and partner is not None:
        return str(_l("Partner manager") if partner else _l("Channel manager"))
    return str(ROLES.get(role or "", role or ""))


@dataclass(frozen=True)
class Titles:
    """Titles by key for one content version."""
    levels: dict[str, str] = field(default_factory=dict)
    tiers: dict[str, str] = field(default_factory=dict)
    quizzes: dict[str, str] = field(default_factory=dict)
    courses: dict[str, str] = field(default_factory=dict)
    tracks: dict[str, str] = field(default_factory=dict)

    def level(self, key: str | None) -> str:
        return self.levels.get(key or "") or (key or "").capitalize()

    def tier(self, key: str | None) -> str:
        return self.tiers.get(key or "") or (key or "")

    def quiz(self, slug: str | None) -> str:
        return self.quizzes.get(slug or "") or (slug or "")

    def course(self, slug: str | None) -> str:
        return self.courses.get(slug or "") or (slug or "")

    def track(self, key: str | None) -> str:
        return self.tracks.get(key or "") or (key or "")


def titles() -> Titles:
    """The titles for the content the site serves now (cached per content version)."""
    from lms.web import content_store

    store = content_store()
    cache = current_app.extensions.setdefault("lms.titles", {})
    version = store.version
    found = cache.get(version)
    if found is None:
        program = store.program()
        found = Titles(
            levels={c.level: c.title for c in program.certifications} if program else {},
            tiers={t.key: t.title for t in program.tiers} if program else {},
            quizzes={q.slug: q.title for q in store.quizzes()},
            courses={c.slug: c.title for c in store.courses()},
            tracks=dict(program.tracks) if program else {},
        )
        cache.clear()
        cache[version] = found
    return found


def init_app(app: Flask) -> None:
    app.jinja_env.globals["titles"] = titles
    app.jinja_env.filters["role_name"] = role_name
    app.jinja_env.filters["requirement_name"] = requirement_name
