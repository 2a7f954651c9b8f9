"""Language and time zone: the user's setting, then Accept-Language; Japanese by default."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user

from lms.config import REPO_ROOT
from lms.dates import format_datetime  # flask_babel's, with patterns looked up once
from lms.extensions import babel
from lms.scores import score_text

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


def local_day(value: date | None, fmt: str = "long") -> str:
    """A calendar day (a due date): no time zone moves it."""
    return format_date(value, fmt) if value else ""


def request_translations():
    """This request's translations, looked up once.

    Flask-Babel looks them up again for every string (several context-local lookups
    and the locale selector each time); a page has dozens of strings. The locale is
    fixed for the request once chosen, so caching it on ``g`` changes nothing else;
    inside ``force_locale`` (e-mails in the recipient's language) Flask-Babel decides.
    """
    try:
        kept = g._get_current_object().__dict__  # one context lookup, not one per attribute
    except RuntimeError:  # no app context
        return get_translations()
    babel_ctx = kept.get("_flask_babel")
    if babel_ctx is not None and getattr(babel_ctx, "forced_babel_locale", None) is not None:
        return get_translations()
    translations = kept.get("_lms_translations")
    if translations is None:
        translations = kept["_lms_translations"] = get_translations()
    return translations


def _translated(string: str, **variables) -> str:
    text = request_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's ``lazy_gettext``, translated through ``request_translations``.

    Flask-Babel's own costs tens of microseconds per string each time it is shown (the
    home page shows a dozen): same messages, same catalogues, looked up once a request.
    """
    return LazyString(_translated, string, **variables)


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(REPO_ROOT / "lms" / "translations"),
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(get_locale=get_locale, LANGUAGES=LANGUAGES)
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["score"] = score_text
    app.jinja_env.filters["day"] = local_day
    from lms.content.messages import as_text

    # Content problems and import refusals (Messages) in the reader's language.
    app.jinja_env.filters["problem_text"] = as_text
