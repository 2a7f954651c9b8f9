"""E-mail domains a partner company owns (sign-up with one places people there)."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.extensions import db
from lms.models import Organization, OrganizationDomain
from lms.services import audit
from lms.services.errors import Invalid

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalise_domain(domain: str) -> str:
    return (domain or "").strip().lower().lstrip("@")


def set_domains(org: Organization, domains: list[str], *, actor_id: int | None,
                address: str | None = None) -> None:
    """Give the company these domains (in the caller's write transaction); a domain owned by
    another company is refused."""
    for raw in domains:
        domain = normalise_domain(raw)
        if not domain:
            continue
        if not DOMAIN_RE.match(domain):
            raise Invalid("invalid_domain", field="domains")
        owner = db.session.get(OrganizationDomain, domain)
        if owner is not None and owner.organization_id != org.id:
            raise Invalid("domain_taken", field="domains")
        if owner is None:
            db.session.add(OrganizationDomain(domain=domain, organization_id=org.id))
            audit.record("organization.domain_added", actor_id=actor_id, target=org.slug,
                         address=address, domain=domain)


def parse_domains(text: str) -> list[str]:
    return [d for d in (normalise_domain(part) for part in re.split(r"[,\s]+", text or "")) if d]


def all_domains() -> dict[int, list[str]]:
    """Company id -> its domains, for the companies page."""
    found: dict[int, list[str]] = {}
    for domain, org_id in db.session.execute(select(OrganizationDomain.domain,
                                                    OrganizationDomain.organization_id)
                                             .order_by(OrganizationDomain.domain)):
        found.setdefault(org_id, []).append(domain)
    return found
