"""Invitations: admins, channel managers and partner managers (their own company only)
invite people by e-mail; the single-use link creates the account in the invitation's
company and role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from lms.database import begin_write
from lms.extensions import db
from lms.mail import account_mail
from lms.models import AccountToken, Organization, User
from lms.models.types import utcnow
from lms.security.passwords import hash_password, password_problem
from lms.security.urls import absolute_url
from lms.services import account_links, audit
from lms.services.accounts import EMAIL_RE, normalise_email
from lms.services.errors import Invalid, NotFound
from lms.webhooks import events as webhook_events


@dataclass(frozen=True)
class Invitee:
    email: str
    role: str
    org_slug: str | None = None


def roles_for(actor: User | None) -> tuple[str, ...]:
    """The roles this person may invite; None is the operator at the command line."""
    if actor is None or actor.role == "admin":
        return ("learner", "trainer", "manager", "admin")
    if actor.role == "manager":
        return ("learner", "manager")
    return ()


def may_invite(actor: User | None, invitee: Invitee) -> bool:
    if invitee.role not in roles_for(actor):
        return False
    if actor is not None and actor.is_partner_manager:
        own = db.session.get(Organization, actor.organization_id)
        return invitee.org_slug == own.slug
    if actor is not None and actor.is_channel_manager:
        return invitee.org_slug is not None  # partner staff: in a company
    return True


def _check(invitee: Invitee, actor: User | None, orgs: dict[str, Organization],
           taken: set[str]) -> None:
    email = normalise_email(invitee.email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise Invalid("invalid_email", field="email")
    if invitee.role not in ("learner", "trainer", "manager", "admin"):
        raise Invalid("invalid_role", field="role")
    if invitee.org_slug and invitee.org_slug not in orgs:
        raise Invalid("unknown_organization", field="org")
    if invitee.org_slug and not orgs[invitee.org_slug].active:
        # A deactivated company takes no new people (lms.services.company_admin).
        raise Invalid("organization_deactivated", field="org")
    if invitee.role == "learner" and not invitee.org_slug:
        raise Invalid("learner_needs_organization", field="org")
    if not may_invite(actor, invitee):
        raise Invalid("invite_not_allowed", field="org")
    if email in taken:
        raise Invalid("email_taken", field="email")


def invite(invitees: list[Invitee], *, actor: User | None, address: str | None = None,
           now: datetime | None = None) -> list[str]:
    """Invite everyone, all or nothing (a bad row invites nobody; ``extra["index"]`` says
    which); returns each invitation's URL, also e-mailed."""
    now = now or utcnow()
    begin_write()
    orgs = {o.slug: o for o in db.session.scalars(select(Organization))}
    emails = [normalise_email(i.email) for i in invitees]
    taken = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    for index, invitee in enumerate(invitees):
        try:
            _check(invitee, actor, orgs, taken)
        except Invalid as exc:
            db.session.rollback()
            exc.extra["index"] = index
            raise
        taken.add(emails[index])
    urls = [_issue(email, i.role, orgs.get(i.org_slug) if i.org_slug else None, actor,
                   address, now) for email, i in zip(emails, invitees)]
    db.session.commit()
    return urls


def _issue(email: str, role: str, org: Organization | None, actor: User | None,
           address: str | None, now: datetime) -> str:
    days = current_app.config["INVITE_DAYS"]
    token, _row = account_links.issue("invite", email, lifetime=timedelta(days=days), now=now,
                                      role=role, organization_id=org.id if org else None,
                                      created_by_id=actor.id if actor else None)
    url = absolute_url("accounts.accept_invitation", token=token)
    account_mail.invitation(email, url, inviter=actor.name if actor else "Partner Academy",
                            company=org.name if org else None, days=days,
                            locale=actor.locale if actor else None)
    audit.record("invitation.created", actor_id=actor.id if actor else None, target=email,
                 address=address, role=role, org=org.slug if org else None)
    return url


def visible_to(actor: User):
    """Pending invitations this person may see and manage."""
    stmt = (select(AccountToken).where(AccountToken.purpose == "invite",
                                       AccountToken.used_at.is_(None),
                                       AccountToken.revoked_at.is_(None))
            .order_by(AccountToken.created_at.desc()))
    if actor.role != "admin":
        if actor.is_partner_manager:
            stmt = stmt.where(AccountToken.organization_id == actor.organization_id)
        elif actor.is_channel_manager:
            stmt = stmt.where(AccountToken.organization_id.is_not(None))
        else:
            return select(AccountToken).where(False)
    return stmt


def pending(actor: User) -> list[AccountToken]:
    return list(db.session.scalars(visible_to(actor)))


def _own(invitation_id: int, actor: User) -> AccountToken:
    row = db.session.scalar(visible_to(actor).where(AccountToken.id == invitation_id))
    if row is None:
        db.session.commit()
        raise NotFound("not_found")
    return row


def revoke(invitation_id: int, *, actor: User, address: str | None,
           now: datetime | None = None) -> AccountToken:
    begin_write()
    row = _own(invitation_id, actor)
    row.revoked_at = now or utcnow()
    audit.record("invitation.revoked", actor_id=actor.id, target=row.email, address=address)
    db.session.commit()
    return row


def resend(invitation_id: int, *, actor: User, address: str | None,
           now: datetime | None = None) -> str:
    """A new link for the same person (the old one is withdrawn: only hashes are kept)."""
    now = now or utcnow()
    begin_write()
    row = _own(invitation_id, actor)
    row.revoked_at = now
    url = _issue(row.email, row.role, row.organization, actor, address, now)
    db.session.commit()
    return url


def check_invitation(token: str, now: datetime | None = None) -> AccountToken:
    row = account_links.find("invite", token, now or utcnow())
    db.session.commit()
    return row


def accept(token: str, name: str, password: str, *, address: str | None,
           now: datetime | None = None) -> User:
    """Create the invited account and use up the link."""
    now = now or utcnow()
    begin_write()
    row = account_links.find("invite", token, now)
    problem = password_problem(password)
    if not (name or "").strip():
        db.session.commit()
        raise Invalid("name_required", field="name")
    if problem:
        db.session.commit()
        raise Invalid(problem, field="password")
    if db.session.scalar(select(User.id).where(User.email == row.email)) is not None:
        db.session.commit()
        raise Invalid("email_taken", field="name")
    account_links.consume(row, now)
    user = User(email=row.email, name=name.strip()[:200], role=row.role,
                organization_id=row.organization_id, password_hash=hash_password(password))
    db.session.add(user)
    # Any other invitation for the same address has done its work.
    db.session.execute(update(AccountToken.__table__)
                       .where(AccountToken.purpose == "invite", AccountToken.email == row.email,
                              AccountToken.used_at.is_(None)).values(used_at=now))
    audit.record("invitation.accepted", actor_id=None, target=row.email, address=address,
                 role=row.role)
    db.session.flush()
    webhook_events.user_event("user.created", user)
    db.session.commit()
    return user

