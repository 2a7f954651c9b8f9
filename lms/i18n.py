"""Language and time zone: the user's setting, then Accept-Language; Japanese by default."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from lms.config import REPO_ROOT
from lms.extensions import babel

LANGUAGES = {"ja": "日本語", "en": "English"}
DEFAULT_TIMEZONE = "Asia/Tokyo"


def select_locale() -> str:
    user = current_user
    if user and user.is_authenticated and getattr(user, "locale", None) in LANGUAGES:
        return user.locale
    if not has_request_context():
        return "ja"
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES, default="ja")


def select_timezone() -> str:
    user = current_user
    tz = getattr(user, "timezone", None) if user and user.is_authenticated else None
    return tz if tz and valid_timezone(tz) else DEFAULT_TIMEZONE


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(REPO_ROOT / "lms" / "translations"),
    )
    app.jinja_env.globals.update(get_locale=get_locale, LANGUAGES=LANGUAGES)
    app.jinja_env.filters["datetime"] = local_datetime
