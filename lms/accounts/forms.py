from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lms.admin.forms import ROLE_LABELS
from lms.i18n import lazy_gettext as _l
from lms.security.passwords import MAX_LENGTH

PASSWORD_HINT = _l("At least 8 characters. Any characters, including spaces, are fine; "
                   "very common passwords are refused.")


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    # Checked when sent (the site's own form always sends it); a client that posts only
    # `password` (the documented field) is not refused for leaving it out.
    confirm = PasswordField(
        _l("New password again"),
        validators=[Optional(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"})


class AcceptInvitationForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_LABELS)
    org = SelectField(_l("Partner company"), choices=[])


class InviteCsvForm(FlaskForm):
    file = FileField(_l("CSV file (columns: email, role, org)"), validators=[DataRequired()])


class SignupForm(FlaskForm):
    email = EmailField(_l("Work email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
