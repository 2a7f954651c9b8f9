"""Flask-Login wiring: the session cookie names a user *and* a session version."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import bindparam, select

from lms.auth import cookie_session
from lms.extensions import db, login_manager
from lms.i18n import lazy_gettext as _l
from lms.models import User
from lms.models.accounts import with_company_active


# Built once: every signed-in request runs it, and a prepared statement skips building
# and keying a new SELECT each time (session.get does both).
# The company's active flag comes in the same query (a deactivated company signs its people
# out at once), so the company itself is never loaded for the frame.
_USER_BY_ID = select(User).where(User.id == bindparam("uid")).options(with_company_active())


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # Roles, activity and the session version are read from the database on each
    # request, so a demotion, deactivation or sign-out takes effect at once.
    try:
        uid, version = (int(part) for part in user_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    # One prepared query for the user (role, name, company and whether it is active,
    # language, unread count).
    user = db.session.execute(_USER_BY_ID, {"uid": uid}).scalar_one_or_none()
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def init_app(app: Flask) -> None:
    cookie_session.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    # No Flask-Login session protection: its "basic" mode only marks a session not fresh
    # when the address or browser changes, and nothing here asks for a fresh login; it
    # hashed the address on every request and rewrote the cookie whenever a phone changed
    # networks. Sessions are ended server-side by the session version (load_user).
    login_manager.session_protection = None
