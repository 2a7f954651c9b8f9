"""What a person's certification pages show: each level, met or missing, in words."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from flask_babel import get_locale

from lms.content.program import Certification as LevelDefinition, Program
from lms.models import Certification, User
from lms.models.types import utcnow
from lms.rules.certification import LevelStatus
from lms.scores import rounded
from lms.wording import describe_requirement
from lms.services import certifications as certs
from lms.services.badges import verify_url


@dataclass(frozen=True)
class RequirementLine:
    kind: str
    target: str
    text: str
    met: bool


@dataclass(frozen=True)
class LevelView:
    definition: LevelDefinition
    status: LevelStatus
    lines: tuple[RequirementLine, ...]
    held: Certification | None          # the latest certificate at this level
    held_status: str | None             # active, expired, revoked

    @property
    def level(self) -> str:
        return self.definition.level

    @property
    def state(self) -> str:
        """For the progress path: held, ready (met, award pending), or todo."""
        if self.held_status == "active":
            return "held"
        return "ready" if self.status.met else "todo"

    @property
    def met_count(self) -> int:
        return sum(1 for line in self.lines if line.met)


def lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "ja"


def content_names(store) -> dict[str, str]:
    names = {c.slug: c.title for c in store.courses()}
    names.update({q.slug: q.title for q in store.quizzes()})
    return names


def level_views(user: User, store, program: Program, now: datetime | None = None
                ) -> list[LevelView]:
    now = now or utcnow()
    statuses = certs.level_statuses(user, store.courses(), program, now)
    latest: dict[str, Certification] = {}
    for cert in certs.certifications_of(user.id):  # newest first
        latest.setdefault(cert.level, cert)
    best = certs.best_graded_percent(user.id)
    names, language = content_names(store), lang()
    views = []
    for definition, status in zip(program.certifications, statuses):
        lines = []
        for req in status.requirements:
            if (req.kind == "exam" and req.current is None and req.target in best
                    and best[req.target] < req.required):
                # Display only: a failed attempt's score tells the learner how far off they
                # are. A pass that no longer counts (from before a revocation or a lapse) is
                # not shown: "at least 80% (best so far: 85%)" would read as met.
                req = replace(req, current=float(rounded(best[req.target])))
            lines.append(RequirementLine(req.kind, req.target,
                                         describe_requirement(req, language, names), req.met))
        held = latest.get(definition.level)
        views.append(LevelView(definition, status, tuple(lines), held,
                               certs.status(held, now) if held else None))
    return views


def linkedin_url(cert: Certification, title: str, organization: str) -> str:
    query = {"startTask": "CERTIFICATION_NAME", "name": title,
             "organizationName": organization,
             "issueYear": cert.awarded_at.year, "issueMonth": cert.awarded_at.month,
             "certUrl": verify_url(cert.id), "certId": cert.id}
    if cert.expires_at is not None:
        query["expirationYear"] = cert.expires_at.year
        query["expirationMonth"] = cert.expires_at.month
    return "https://www.linkedin.com/profile/add?" + urlencode(query)
