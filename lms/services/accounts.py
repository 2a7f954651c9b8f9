"""Accounts: sign-in with throttling, users, passwords, sessions and API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lms.database import begin_write
from lms.extensions import db
from lms.models import Organization, User
from lms.models.accounts import ROLES
from lms.models.types import utcnow
from lms.security.passwords import hash_password, needs_rehash, password_problem, verify_password
from lms.services import api_tokens, audit, throttle
from lms.services.company_domains import set_domains
from lms.services.errors import Invalid, NotFound, Throttled
from lms.services.throttle import ThrottleLimits
from lms.webhooks import events as webhook_events

# Company pages live at /partners/<slug>, beside these fixed pages.
RESERVED_ORG_SLUGS = frozenset({"expiring", "export"})
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254  # RFC 5321, and the column's size
# The column's size (users.name, organizations.name): longer names are refused here with a
# reason instead of failing in the database.
MAX_NAME_CHARS = 200


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def sign_in_email_problem(email: str) -> str | None:
    """Why this sign-in address cannot be anyone's, in a way the database would refuse."""
    if len(email) > MAX_EMAIL:
        return "email_too_long"
    if "\x00" in email:
        return "email_bad_characters"
    return None


def count_attempt(keys: dict[str, int], limits: ThrottleLimits, now: datetime) -> bool:
    """Count one attempt against each key (key -> limit); True when any key is now past its
    limit in the window (lms.services.throttle: one atomic upsert per key)."""
    over = False
    for name, limit in keys.items():
        kind, _sep, rest = name.partition(":")
        over |= throttle.hit(throttle.key(kind, rest), now, limits.window) > limit
    return over


def authenticate(email: str, password: str, *, address: str, limits: ThrottleLimits,
                 now: datetime | None = None) -> User | None:
    """The user for these credentials, or None. Raises Throttled after too many attempts.

    The attempt is counted before the password is checked (see lms.services.throttle), per
    account and address, per address, and per account; a right password gives it back.
    The per-account count only sees attempts the address counts let through, so guessing
    from one address cannot lock the account's owner out from another.
    """
    now = now or utcnow()
    email = normalise_email(email)
    problem = sign_in_email_problem(email)
    by_address = throttle.key("address", address)
    begin_write()
    if problem:
        # Counted like any wrong sign-in, so odd input is no way around the limit.
        over = throttle.hit(by_address, now, limits.window) > limits.per_address
        audit.record("login.throttled" if over else "login.failed", actor_id=None,
                     target=email, address=address, reason=problem)
        db.session.commit()
        if over:
            raise Throttled("too many failed sign-ins; try again later")
        raise Invalid(problem, field="email")
    pair, account = throttle.key("account-address", email, address), throttle.key("account", email)
    pair_attempts = throttle.hit(pair, now, limits.window)
    address_attempts = throttle.hit(by_address, now, limits.window)
    over = pair_attempts > limits.per_account_address or address_attempts > limits.per_address
    if not over:
        over = throttle.hit(account, now, limits.window) > limits.per_account
    if over:
        audit.record("login.throttled", actor_id=None, target=email, address=address)
        db.session.commit()
        raise Throttled("too many failed sign-ins; try again later")
    db.session.commit()  # the attempt is counted: no lock is held over the slow hash
    user = db.session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    begin_write()
    if not ok or user is None or not user.is_active:
        audit.record("login.failed", actor_id=user.id if user else None, target=email,
                     address=address)
        db.session.commit()
        return None
    throttle.clear(pair)
    throttle.give_back(by_address)
    throttle.give_back(account)
    user = db.session.get(User, user.id)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_active_at = now
    audit.record("login", actor_id=user.id, target=email, address=address)
    db.session.commit()
    return user


def end_sessions(user: User, *, reason: str, actor_id: int | None, address: str | None) -> None:
    """Invalidate every session cookie issued to this user so far."""
    begin_write()
    db.session.execute(
        User.__table__.update().where(User.id == user.id)
        .values(session_version=User.session_version + 1)
    )
    audit.record(reason, actor_id=actor_id, target=user.email, address=address)
    db.session.commit()


def change_password(user: User, current: str, new: str, *, address: str | None,
                    limits: ThrottleLimits, now: datetime | None = None) -> None:
    """Raises Throttled after too many wrong current passwords (a stolen session guessing)."""
    now = now or utcnow()
    checks = throttle.key("password-check", str(user.id))
    begin_write()
    if throttle.hit(checks, now, limits.window) > limits.per_account_address:
        audit.record("password.throttled", actor_id=user.id, target=user.email, address=address)
        db.session.commit()
        raise Throttled("too many wrong passwords; try again later")
    db.session.commit()
    if not verify_password(user.password_hash, current):
        raise Invalid("wrong_password", field="current_password")
    begin_write()
    throttle.clear(checks)
    db.session.commit()
    problem = password_problem(new)
    if problem:
        raise Invalid(problem, field="new_password")
    begin_write()
    user = db.session.get(User, user.id)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    audit.record("password.changed", actor_id=user.id, target=user.email, address=address)
    db.session.commit()


def set_preferences(user: User, *, locale: str, timezone: str,
                    on_leaderboard: bool | None = None) -> None:
    begin_write()
    user = db.session.get(User, user.id)
    user.locale, user.timezone = locale, timezone
    if on_leaderboard is not None:
        user.leaderboard_opt_out = not on_leaderboard
    db.session.commit()


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    role: str
    org_slug: str | None = None
    password: str | None = None


def validate_new_user(data: NewUser, orgs: dict[str, Organization]) -> None:
    email = normalise_email(data.email)
    if len(email) > MAX_EMAIL or "\0" in email or not EMAIL_RE.match(email):
        raise Invalid("invalid_email", field="email")
    if not data.name.strip():
        raise Invalid("name_required", field="name")
    if len(data.name.strip()) > MAX_NAME_CHARS:
        raise Invalid("name_too_long", field="name")
    if any(ord(c) < 32 or ord(c) == 127 for c in data.name):
        raise Invalid("name_invalid", field="name")
    if data.role not in ROLES:
        raise Invalid("invalid_role", field="role")
    if data.org_slug and data.org_slug not in orgs:
        raise Invalid("unknown_organization", field="org")
    if data.role == "learner" and not data.org_slug:
        raise Invalid("learner_needs_organization", field="org")
    if data.password is not None:
        problem = password_problem(data.password)
        if problem:
            raise Invalid(problem, field="password")


def new_user_problems(items: list[NewUser]) -> list[Invalid]:
    """Every bad item (one problem each, ``extra["index"]`` its position), in order."""
    orgs = {o.slug: o for o in db.session.scalars(select(Organization))}
    emails = [normalise_email(i.email) for i in items]
    existing = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    problems: list[Invalid] = []
    seen: set[str] = set()
    for index, (item, email) in enumerate(zip(items, emails)):
        try:
            validate_new_user(item, orgs)
            if email in existing or email in seen:
                raise Invalid("email_taken", field="email")
        except Invalid as exc:
            exc.extra["index"] = index
            problems.append(exc)
        seen.add(email)
    return problems


def create_users(items: list[NewUser], *, actor_id: int | None, address: str | None = None) -> list[User]:
    """Add users all-or-nothing: one bad item adds none of them."""
    begin_write()
    problems = new_user_problems(items)
    if problems:
        raise problems[0]
    orgs = {o.slug: o for o in db.session.scalars(select(Organization))}
    emails = [normalise_email(i.email) for i in items]
    users = []
    for item, email in zip(items, emails):
        user = User(email=email, name=item.name.strip(), role=item.role,
                    organization=orgs.get(item.org_slug) if item.org_slug else None,
                    password_hash=hash_password(item.password) if item.password else None,
                    # A password an admin typed in the site is known to them: the person
                    # chooses their own at first sign-in. (The command line is the operator's.)
                    must_change_password=bool(item.password) and actor_id is not None)
        db.session.add(user)
        users.append(user)
        audit.record("user.created", actor_id=actor_id, target=email, address=address,
                     role=item.role, org=item.org_slug)
    db.session.flush()  # the ids the events name
    for user in users:
        webhook_events.user_event("user.created", user)
    db.session.commit()
    return users


def create_organization(slug: str, name: str, *, actor_id: int | None,
                        address: str | None = None, domains: list[str] = ()) -> Organization:
    slug = (slug or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug):
        raise Invalid("invalid_slug", field="slug")
    if slug in RESERVED_ORG_SLUGS:
        raise Invalid("slug_taken", field="slug")
    if not (name or "").strip():
        raise Invalid("name_required", field="name")
    if len(name.strip()) > MAX_NAME_CHARS:
        raise Invalid("name_too_long", field="name")
    begin_write()
    if db.session.scalar(select(func.count()).where(Organization.slug == slug)):
        raise Invalid("slug_taken", field="slug")
    org = Organization(slug=slug, name=name.strip())
    db.session.add(org)
    db.session.flush()
    audit.record("organization.created", actor_id=actor_id, target=slug, address=address)
    try:
        set_domains(org, list(domains), actor_id=actor_id, address=address)
    except Invalid:
        db.session.rollback()
        raise
    db.session.commit()
    return org


def create_token(email: str, *, actor_id: int | None = None) -> str:
    """A new API token for the user (``lms create-token``); returned once, stored as a hash."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound("unknown_user", field="email")
    return api_tokens.issue_api_token(user.id, actor_id=actor_id).token


def record_token_failure(address: str, limits: ThrottleLimits,
                         now: datetime | None = None) -> bool:
    """Count a wrong bearer token from this address; True once the address is throttled."""
    now = now or utcnow()
    begin_write()
    attempts = throttle.hit(throttle.key("token", address), now, limits.window)
    db.session.commit()
    return attempts > limits.per_address


def user_for_token(token: str) -> User | None:
    return api_tokens.user_for_api_token(token)


def reload_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    return user


@dataclass(frozen=True)
class UserChanges:
    name: str
    role: str
    org_slug: str | None
    active: bool


def update_user(user_id: int, changes: UserChanges, *, actor_id: int,
                address: str | None = None) -> User:
    """An admin's edit of a user; role, company and activity changes are audited.

    Deactivation and any change of role or company end the user's sessions, so what
    they may see follows at once.
    """
    begin_write()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("unknown_user")
    orgs = {o.slug: o for o in db.session.scalars(select(Organization))}
    validate_new_user(NewUser(email=user.email, name=changes.name, role=changes.role,
                              org_slug=changes.org_slug), orgs)
    if user.id == actor_id and (changes.role != "admin" or not changes.active):
        raise Invalid("cannot_demote_self", field="role")
    org_id = orgs[changes.org_slug].id if changes.org_slug else None
    before = {"role": user.role, "org": user.organization.slug if user.organization else None,
              "active": user.active}
    after = {"role": changes.role, "org": changes.org_slug, "active": changes.active}
    user.name = changes.name.strip()
    user.role, user.organization_id, user.active = changes.role, org_id, changes.active
    if before != after:
        user.session_version += 1
        audit.record("user.changed", actor_id=actor_id, target=user.email, address=address,
                     before=before, after=after)
    if before["active"] and not changes.active:
        webhook_events.user_event("user.deactivated", user)
    db.session.commit()
    return user
