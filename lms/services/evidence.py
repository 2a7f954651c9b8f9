"""Evidence and sign-offs: the facts only people can attest, recorded with who and when.

Who may attest what (docs/api.md): per-person figures (deals, customer satisfaction) come from
channel managers and admins; practical assessments are signed off by trainers; approvals
(recommendation, paper, interview…) by trainers and managers. Nobody attests for
themselves, and a partner manager never for their own company's staff: the company's
tier and margin depend on those certifications.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.auth.access import can_see_user
from lms.content.program import CSAT_MAX, CSAT_MIN, Program
from lms.database import begin_write
from lms.extensions import db
from lms.models import PersonEvidence, Signoff, User
from lms.models.types import utcnow
from lms.services import audit
from lms.services.certifications import AwardResult, award_due
from lms.services.errors import Forbidden, Invalid, NotFound

MAX_DEALS = 1_000_000
# CSAT is an average on the usual 1–5 survey scale.
MIN_CSAT, MAX_CSAT = CSAT_MIN, CSAT_MAX
MAX_NOTE = 2000


@dataclass(frozen=True)
class EvidenceResult:
    user_id: int
    deals_closed: int
    csat: float | None
    updated_at: datetime
    award: AwardResult


@dataclass(frozen=True)
class SignoffResult:
    signoff: Signoff
    created: bool
    award: AwardResult


def visible_person(viewer: User, user_id: int) -> User:
    """The person, if the viewer may see them; 404 either way so ids reveal nothing."""
    person = db.session.get(User, user_id)
    if person is None or not can_see_user(viewer, person):
        raise NotFound("No such user.", code="unknown_user")
    return person


def _check_not_self_or_own_company(actor: User, person: User) -> None:
    if actor.id == person.id:
        raise Forbidden("Nobody can attest their own certification.", code="self_certification")
    if actor.is_partner_manager and actor.organization_id == person.organization_id:
        raise Forbidden("A partner manager cannot certify their own company's staff.",
                        code="own_staff")


def may_record_evidence(actor: User) -> bool:
    return actor.role == "admin" or actor.is_channel_manager


def parse_deals(value) -> int:
    if isinstance(value, bool) or value is None:
        raise Invalid("deals_invalid", field="deals_closed")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid("deals_invalid", field="deals_closed") from None
    if not number.is_integer() or not 0 <= number <= MAX_DEALS:
        raise Invalid("deals_invalid", field="deals_closed")
    return int(number)


def parse_csat(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid("csat_invalid", field="csat")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid("csat_invalid", field="csat") from None
    if not math.isfinite(number) or not MIN_CSAT <= number <= MAX_CSAT:
        raise Invalid("csat_invalid", field="csat")
    return number


def record_evidence(actor: User, user_id: int, *, deals_closed=None, csat=None,
                    fields: set[str] | None = None, program: Program | None, courses=(),
                    address: str | None = None) -> EvidenceResult:
    """Set a person's figures. ``fields`` names the ones given; the others stay as they are."""
    person = visible_person(actor, user_id)
    if not may_record_evidence(actor):
        raise Forbidden("Only channel managers and admins record evidence.", code="forbidden")
    _check_not_self_or_own_company(actor, person)
    fields = fields if fields is not None else {"deals_closed", "csat"}
    if not fields & {"deals_closed", "csat"}:
        raise Invalid("evidence_empty", field="deals_closed")
    deals = parse_deals(deals_closed) if "deals_closed" in fields else None
    satisfaction = parse_csat(csat) if "csat" in fields else None
    now = utcnow()
    begin_write()
    row = db.session.get(PersonEvidence, person.id)
    if row is None:
        row = PersonEvidence(user_id=person.id, deals_closed=0)
        db.session.add(row)
    before = {"deals_closed": row.deals_closed, "csat": row.csat}
    if "deals_closed" in fields:
        row.deals_closed = deals
    if "csat" in fields:
        row.csat = satisfaction
    row.updated_at, row.updated_by_id = now, actor.id
    audit.record("evidence.recorded", actor_id=actor.id, target=person.email, address=address,
                 user_id=person.id, before=before,
                 after={"deals_closed": row.deals_closed, "csat": row.csat})
    db.session.commit()
    result = EvidenceResult(person.id, row.deals_closed, row.csat, row.updated_at, AwardResult())
    if program is not None:
        result = EvidenceResult(result.user_id, result.deals_closed, result.csat,
                                result.updated_at, award_due(person, courses, program,
                                                             actor_id=actor.id))
    return result


def signoff_names(program: Program, level: str) -> tuple[str, ...]:
    definition = program.certification(level)
    if definition is None:
        return ()
    return (("practical",) if definition.practical else ()) + definition.approvals


def may_sign(actor: User, requirement: str) -> bool:
    if actor.role == "admin" or actor.role == "trainer":
        return True
    return actor.role == "manager" and requirement != "practical"


def sign_off(actor: User, user_id: int, *, level: str, requirement: str, note: str | None,
             program: Program | None, courses=(), address: str | None = None) -> SignoffResult:
    """Sign off a practical or an approval; signing the same thing twice changes nothing."""
    person = visible_person(actor, user_id)
    if actor.role not in ("trainer", "manager", "admin"):
        raise Forbidden("Only trainers and managers sign off.", code="forbidden")
    if program is None or program.certification(level or "") is None:
        raise Invalid("unknown_certification", field="certification")
    if requirement not in signoff_names(program, level):
        raise Invalid("unknown_requirement", field="requirement")
    if not may_sign(actor, requirement):
        raise Forbidden("Practical assessments are signed off by trainers.", code="forbidden")
    _check_not_self_or_own_company(actor, person)
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise Invalid("note_too_long", field="note")
    begin_write()
    existing = _signoff(person.id, level, requirement)
    created = existing is None
    if created:
        existing = Signoff(user_id=person.id, level=level, requirement=requirement, note=note,
                           signed_by_id=actor.id, signed_at=utcnow())
        db.session.add(existing)
        audit.record("signoff.given", actor_id=actor.id, target=person.email, address=address,
                     user_id=person.id, level=level, requirement=requirement)
        try:
            db.session.commit()
        except IntegrityError:  # signed concurrently by someone else: same outcome
            db.session.rollback()
            existing, created = _signoff(person.id, level, requirement), False
            db.session.commit()
    else:
        db.session.commit()
    award = award_due(person, courses, program, actor_id=actor.id)
    return SignoffResult(existing, created, award)


def _signoff(user_id: int, level: str, requirement: str) -> Signoff | None:
    return db.session.scalar(select(Signoff).where(
        Signoff.user_id == user_id, Signoff.level == level, Signoff.requirement == requirement))


def signoffs_of(user_id: int) -> list[Signoff]:
    return list(db.session.scalars(select(Signoff).where(Signoff.user_id == user_id)
                                   .order_by(Signoff.signed_at)))


def evidence_of(user_id: int) -> PersonEvidence | None:
    return db.session.get(PersonEvidence, user_id)
