"""An admin's changes to a partner company: its name, its e-mail domains, and whether it
is active.

Deactivating a company keeps everything it has (people, certifications, badges stay
verifiable) but nobody there can sign in, use an API token or be provisioned by SCIM,
and nobody there counts toward its tier: ``lms.services.company_stats`` counts only people
of active companies and rebuilds the row in the same transaction. Reactivating restores
all of it; each person keeps their own active flag.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from lms.database import begin_write
from lms.extensions import db
from lms.models import Organization, OrganizationDomain, User
from lms.services import audit
from lms.services.accounts import MAX_NAME_CHARS
from lms.services.company_domains import normalise_domain, set_domains
from lms.services.errors import Invalid, NotFound


@dataclass(frozen=True)
class CompanyChanges:
    name: str
    domains: list[str]
    active: bool


def update_organization(org_id: int, changes: CompanyChanges, *, actor_id: int,
                        address: str | None = None) -> Organization:
    name = (changes.name or "").strip()
    if not name:
        raise Invalid("name_required", field="name")
    if len(name) > MAX_NAME_CHARS:
        raise Invalid("name_too_long", field="name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Invalid("name_invalid", field="name")
    begin_write()
    org = db.session.get(Organization, org_id)
    if org is None:
        db.session.rollback()
        raise NotFound("unknown_organization")
    wanted = {normalise_domain(d) for d in changes.domains if normalise_domain(d)}
    had = set(db.session.scalars(select(OrganizationDomain.domain)
                                 .where(OrganizationDomain.organization_id == org.id)))
    try:
        set_domains(org, sorted(wanted - had), actor_id=actor_id, address=address)
    except Invalid:
        db.session.rollback()
        raise
    for domain in sorted(had - wanted):
        db.session.execute(delete(OrganizationDomain).where(OrganizationDomain.domain == domain))
        audit.record("organization.domain_removed", actor_id=actor_id, target=org.slug,
                     address=address, domain=domain)
    if name != org.name:
        audit.record("organization.renamed", actor_id=actor_id, target=org.slug,
                     address=address, before=org.name, after=name)
        org.name = name
    if changes.active != org.active:
        actor = db.session.get(User, actor_id)
        if not changes.active and actor is not None and actor.organization_id == org.id:
            db.session.rollback()
            raise Invalid("cannot_deactivate_own_company", field="active")
        org.active = changes.active
        audit.record("organization.activated" if changes.active else "organization.deactivated",
                     actor_id=actor_id, target=org.slug, address=address)
        if not changes.active:
            # Every session of its people ends now (the user loader would refuse them
            # anyway; this keeps them out even if the company is reactivated at once).
            db.session.execute(update(User).where(User.organization_id == org.id)
                               .values(session_version=User.session_version + 1))
    db.session.commit()
    return org
