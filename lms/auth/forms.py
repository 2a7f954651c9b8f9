from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, SelectField,
                     SelectMultipleField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from lms.i18n import LANGUAGES
from lms.i18n import lazy_gettext as _l
from lms.security.passwords import MAX_LENGTH
from lms.services.mail_prefs import PREFERENCES

TIMEZONES = ["Asia/Tokyo", "UTC", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore",
             "America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin"]


class LoginForm(FlaskForm):
    # Its length is checked by the sign-in service, which counts an overlong address as a
    # failed attempt (a form error would not be counted by the throttle).
    email = EmailField(_l("Email address"), validators=[DataRequired()],
                       render_kw={"autocomplete": "username", "maxlength": 254})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class CompanySignInForm(FlaskForm):
    """Single sign-on: a provider's button, or the address whose domain picks the provider."""
    email = EmailField(_l("Company email address"),
                       render_kw={"autocomplete": "username", "maxlength": 254})
    next = HiddenField()


def sso_context(next_value: str = "", company_form: CompanySignInForm | None = None) -> dict:
    """What the sign-in page needs for single sign-on: the operator's providers, the form
    of their buttons and the form that picks a provider by the address's domain."""
    providers = current_app.config.get("OIDC_PROVIDERS") or []
    if not providers:
        return {"sso_providers": []}
    buttons = CompanySignInForm(prefix="sso", formdata=None, next=next_value)
    if company_form is None:
        company_form = CompanySignInForm(prefix="company", formdata=None, next=next_value)
    return {"sso_providers": providers, "sso_form": buttons, "company_form": company_form}


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice(k, v) for k, v in LANGUAGES.items()])
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(tz) for tz in TIMEZONES])
    on_leaderboard = BooleanField(_l("Show me on the people leaderboard"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired()],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=[SelectChoice(k, v) for k, v in LANGUAGES.items()])
    next = HiddenField()


class MailForm(FlaskForm):
    """Which notifications also come by e-mail (ticked: yes). Unknown values are refused."""

    mail = SelectMultipleField(_l("Also send me an e-mail when"),
                               choices=[SelectChoice(k, v) for k, v in PREFERENCES.items()])
