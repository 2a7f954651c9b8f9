"""The yearly best-partner list (優秀パートナー表彰): points earned and
certifications awarded in a calendar year, per company, in two grouped queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Certification, Organization, PointsEntry, User
from lms.services.points import PROGRAM_ZONE


@dataclass(frozen=True)
class Nominee:
    rank: int
    slug: str
    name: str
    tier: str
    points: int
    certifications: int


def best_partners(year: int, limit: int = 20) -> list[Nominee]:
    start = datetime(year, 1, 1, tzinfo=PROGRAM_ZONE)
    end = datetime(year + 1, 1, 1, tzinfo=PROGRAM_ZONE)
    earned = dict(db.session.execute(
        select(PointsEntry.organization_id, func.sum(PointsEntry.points))
        .where(PointsEntry.created_at >= start, PointsEntry.created_at < end,
               PointsEntry.organization_id.is_not(None))
        .group_by(PointsEntry.organization_id)).all())
    certified = dict(db.session.execute(
        select(User.organization_id, func.count(Certification.id))
        .join(User, User.id == Certification.user_id)
        .where(Certification.awarded_at >= start, Certification.awarded_at < end,
               Certification.revoked_at.is_(None), User.organization_id.is_not(None))
        .group_by(User.organization_id)).all())
    ids = [i for i in set(earned) | set(certified) if (earned.get(i) or 0) > 0 or certified.get(i)]
    if not ids:
        return []
    companies = db.session.execute(select(Organization.id, Organization.slug, Organization.name,
                                          Organization.tier).where(Organization.id.in_(ids))).all()
    ordered = sorted(companies, key=lambda c: (-(earned.get(c.id) or 0), -(certified.get(c.id) or 0),
                                               c.name))[:limit]
    out, previous, rank = [], None, 0
    for position, c in enumerate(ordered, start=1):
        key = (earned.get(c.id) or 0, certified.get(c.id) or 0)
        if key != previous:
            rank, previous = position, key
        out.append(Nominee(rank, c.slug, c.name, c.tier, int(key[0]), int(key[1])))
    return out
