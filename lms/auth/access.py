"""Who may do what: role checks shared by pages and the API."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_see_user(viewer, user) -> bool:
    """A learner sees themselves; a partner manager their company; staff everyone."""
    if viewer.id == user.id:
        return True
    if viewer.role in ("admin", "trainer") or viewer.is_channel_manager:
        return True
    if viewer.is_partner_manager:
        return user.organization_id == viewer.organization_id
    return False


def can_see_organization(viewer, org) -> bool:
    if viewer.role in ("admin", "trainer") or viewer.is_channel_manager:
        return True
    return viewer.organization_id is not None and viewer.organization_id == org.id
