"""Single sign-on: the person an identity provider vouches for, made just in time.

The provider's checked claims (lms/auth/oidc.py) name a verified e-mail address. A provider
signs in only addresses of the domains it serves; the first sign-in makes a learner in the
company owning the domain, later ones find the same account by its address.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.oidc import Provider, SSOError
from lms.database import begin_write
from lms.extensions import db
from lms.models import OrganizationDomain, User
from lms.services import audit
from lms.services.accounts import EMAIL_RE, MAX_EMAIL, MAX_NAME_CHARS, normalise_email


def _refuse(code: str, provider: Provider, email: str, address: str | None) -> SSOError:
    audit.record("sso.refused", actor_id=None, target=email or None, address=address,
                 provider=provider.name, reason=code)
    db.session.commit()
    return SSOError(code)


def _name(claims: dict, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str):
        name = ""
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:MAX_NAME_CHARS]
    return name or email.partition("@")[0]


def sign_in(provider: Provider, claims: dict, *, address: str | None) -> User:
    """The active account for these claims, created at the first sign-in. Raises SSOError
    (recorded in the audit log) when the provider may not sign this address in."""
    raw = claims.get("email")
    email = normalise_email(raw) if isinstance(raw, str) else ""
    begin_write()
    if not email or len(email) > MAX_EMAIL or not EMAIL_RE.match(email) or "\x00" in email:
        raise _refuse("sso_no_email", provider, email, address)
    if claims.get("email_verified") is not True:
        raise _refuse("sso_email_unverified", provider, email, address)
    if not provider.serves(email):
        raise _refuse("sso_foreign_domain", provider, email, address)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        if not user.active:
            raise _refuse("sso_account_inactive", provider, email, address)
        audit.record("sso.signed_in", actor_id=user.id, target=email, address=address,
                     provider=provider.name, subject=str(claims.get("sub")))
        db.session.commit()
        return user
    owner = db.session.get(OrganizationDomain, email.rpartition("@")[2])
    if owner is None:
        raise _refuse("sso_no_company", provider, email, address)
    user = User(email=email, name=_name(claims, email), role="learner",
                organization_id=owner.organization_id, password_hash=None)
    db.session.add(user)
    db.session.flush()
    audit.record("sso.account_created", actor_id=user.id, target=email, address=address,
                 provider=provider.name, subject=str(claims.get("sub")),
                 organization_id=owner.organization_id)
    db.session.commit()
    return user
