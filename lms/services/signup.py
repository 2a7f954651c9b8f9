"""Sign-up by company e-mail domain: the address is verified by a 24-hour single-use link,
then a learner account is made in the company owning the domain.

The answer is the same for every address (known, unknown domain, already registered): the
password is hashed in every case, and the only difference is a token and a queued mail.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.database import begin_write
from lms.extensions import db
from lms.mail import account_mail
from lms.models import AccountToken, Organization, OrganizationDomain, User
from lms.models.types import utcnow
from lms.security.passwords import hash_password, password_problem
from lms.security.urls import absolute_url
from lms.services import account_links, audit
from lms.services.accounts import EMAIL_RE, ThrottleLimits, count_attempt, normalise_email
from lms.services.errors import Gone, Invalid, Throttled
from lms.webhooks import events as webhook_events

LIFETIME = timedelta(hours=24)
def request_signup(email: str, name: str, password: str, *, address: str,
                   limits: ThrottleLimits, now: datetime | None = None) -> None:
    """Mail a verification link when the domain belongs to a company and the address is
    free; nothing otherwise. Raises Invalid for a bad form, Throttled alike for everyone."""
    now = now or utcnow()
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise Invalid("invalid_email", field="email")
    if not (name or "").strip():
        raise Invalid("name_required", field="name")
    problem = password_problem(password)
    if problem:
        raise Invalid(problem, field="password")
    password_hash = hash_password(password)  # for every address: the time tells nothing
    begin_write()
    if count_attempt({f"signup-account:{email}": limits.per_account_address,
                      f"signup-address:{address}": limits.per_address}, limits, now):
        db.session.commit()
        raise Throttled("too many sign-ups")
    owner = db.session.get(OrganizationDomain, email.rpartition("@")[2])
    taken = db.session.scalar(select(User.id).where(User.email == email)) is not None
    # A deactivated company takes no new people (lms.services.company_admin).
    open_company = owner is not None and db.session.get(Organization, owner.organization_id).active
    if open_company and not taken:
        token, _row = account_links.issue("signup", email, lifetime=LIFETIME, now=now,
                                          role="learner", organization_id=owner.organization_id,
                                          name=name.strip()[:200], password_hash=password_hash)
        account_mail.signup(email, name.strip(), absolute_url("accounts.verify_signup",
                                                              token=token))
        audit.record("signup.requested", actor_id=None, target=email, address=address)
    db.session.commit()


def verify(token: str, *, address: str | None, now: datetime | None = None) -> User:
    """Activate the account: a learner in the company owning the domain. Single use."""
    now = now or utcnow()
    begin_write()
    row = account_links.find("signup", token, now)
    if db.session.scalar(select(User.id).where(User.email == row.email)) is not None:
        db.session.commit()
        raise Gone("link_used")
    account_links.consume(row, now)
    user = User(email=row.email, name=row.name or row.email, role="learner",
                organization_id=row.organization_id, password_hash=row.password_hash)
    db.session.add(user)
    db.session.execute(update(AccountToken.__table__)
                       .where(AccountToken.purpose == "signup", AccountToken.email == row.email,
                              AccountToken.used_at.is_(None)).values(used_at=now))
    audit.record("signup.verified", actor_id=None, target=row.email, address=address)
    db.session.flush()
    webhook_events.user_event("user.created", user)
    db.session.commit()
    return user
