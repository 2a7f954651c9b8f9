"""SCIM provisioning: a company's identity provider creates, changes and deactivates
that company's people. Nobody outside the company is ever found (404), and SCIM never
sets a role or a company: new people are learners of the token's company.

Deactivating a person signs them out everywhere and takes them out of the company's
counts; ``lms.services.company_stats`` rebuilds the company's figures (eligible tier
included) in the same transaction. The tier itself follows on ``lms sweep`` or a
channel manager's confirmation, as for any other change.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.database import begin_write
from lms.extensions import db
from lms.models import Organization, OrganizationDomain, User
from lms.scim.resources import Filter, Page, Person, ScimProblem, invalid
from lms.services import audit
from lms.services.accounts import EMAIL_RE, MAX_EMAIL

NOT_FOUND = "No such user in this company."


def _people(org: Organization):
    return select(User).where(User.organization_id == org.id)


def person_of(user: User) -> Person:
    return Person(user_name=user.email, name=user.name, external_id=user.scim_external_id,
                  active=user.active)


def find(org: Organization, filter_: Filter | None, page: Page) -> tuple[int, list[User]]:
    query = _people(org)
    if filter_ is not None:
        if filter_.attribute == "username":
            query = query.where(User.email == filter_.value.strip().lower())
        elif filter_.attribute == "externalid":
            query = query.where(User.scim_external_id == filter_.value)
        else:
            query = query.where(User.id == (int(filter_.value) if filter_.value.isdigit()
                                            and len(filter_.value) < 12 else -1))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    users = db.session.scalars(query.order_by(User.id).offset(page.start_index - 1)
                               .limit(page.count)).all() if page.count else []
    return total, list(users)


def get(org: Organization, user_id: str) -> User:
    if not user_id.isdigit() or len(user_id) > 12:
        raise ScimProblem(404, NOT_FOUND)
    user = db.session.scalar(_people(org).where(User.id == int(user_id)))
    if user is None:
        raise ScimProblem(404, NOT_FOUND)
    return user


def _check_address(org: Organization, email: str, user_id: int | None) -> None:
    """A valid address, free, and not in a domain another company owns."""
    if len(email) > MAX_EMAIL or not EMAIL_RE.match(email):
        raise invalid("userName must be an e-mail address.")
    owner = db.session.get(OrganizationDomain, email.rsplit("@", 1)[1])
    if owner is not None and owner.organization_id != org.id:
        raise invalid("This address belongs to another company's domain.")
    taken = db.session.scalar(select(User.id).where(User.email == email))
    if taken is not None and taken != user_id:
        raise ScimProblem(409, "userName is already in use.", "uniqueness")


def _apply(user: User, person: Person) -> dict:
    """Set the person's fields on the user; the changes, for the audit log."""
    changes = {}
    for field, value in (("email", person.user_name), ("name", person.name),
                         ("scim_external_id", person.external_id), ("active", person.active)):
        if getattr(user, field) != value:
            changes[field] = value if field != "name" else True
            setattr(user, field, value)
    if "active" in changes or "email" in changes:
        # Deactivation ends every session; so does a new sign-in address.
        user.session_version += 1
    return changes


def _commit() -> None:
    """Commit; the same address taken by a concurrent request is a conflict, not a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ScimProblem(409, "userName is already in use.", "uniqueness") from None


def create(org: Organization, person: Person, *, token_id: int) -> User:
    begin_write()
    try:
        _check_address(org, person.user_name, None)
    except ScimProblem:
        db.session.rollback()
        raise
    user = User(email=person.user_name, name=person.name, role="learner",
                organization_id=org.id, scim_external_id=person.external_id,
                active=person.active, password_hash=None)
    db.session.add(user)
    audit.record("scim.user.created", actor_id=None, target=user.email, org=org.slug,
                 scim_token=token_id, active=person.active)
    _commit()
    return user


def update(org: Organization, user_id: str, person: Person, *, token_id: int) -> User:
    """PUT and PATCH alike: the whole Person, already worked out by the caller."""
    begin_write()
    try:
        user = get(org, user_id)
        if person.user_name != user.email:
            _check_address(org, person.user_name, user.id)
    except ScimProblem:
        db.session.rollback()
        raise
    before = user.email
    changes = _apply(user, person)
    if changes:
        action = ("scim.user.deactivated" if changes.get("active") is False
                  else "scim.user.reactivated" if changes.get("active") is True
                  else "scim.user.changed")
        audit.record(action, actor_id=None, target=before, org=org.slug, scim_token=token_id,
                     changed=sorted(changes))
    _commit()
    return user


def deactivate(org: Organization, user_id: str, *, token_id: int) -> None:
    """DELETE: the person is deactivated, not erased (certifications stay verifiable)."""
    user = get(org, user_id)
    update(org, user_id, Person(user.email, user.name, user.scim_external_id, False),
           token_id=token_id)
