from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import (EmailField, HiddenField, PasswordField, SelectField, SelectMultipleField,
                     StringField, URLField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.i18n import lazy_gettext as _l

ROLE_LABELS = [SelectChoice("learner", _l("Learner")), SelectChoice("trainer", _l("Trainer")),
               SelectChoice("manager", _l("Manager")), SelectChoice("admin", _l("Administrator"))]


class UserForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_LABELS)
    org = SelectField(_l("Partner company"), choices=[])
    password = PasswordField(_l("Initial password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})


class OrganizationForm(FlaskForm):
    slug = StringField(_l("Identifier"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    domains = StringField(_l("E-mail domains"), validators=[Length(max=1000)])


class EditUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_LABELS)
    org = SelectField(_l("Partner company"), choices=[])
    active = SelectField(_l("Account"), choices=[SelectChoice("1", _l("Active")),
                                                     SelectChoice("0", _l("Deactivated"))])


ACTIVE_CHOICES = [SelectChoice("1", _l("Active")), SelectChoice("0", _l("Deactivated"))]


class EditOrganizationForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    domains = StringField(_l("E-mail domains"), validators=[Length(max=1000)])
    active = SelectField(_l("Status"), choices=ACTIVE_CHOICES)


class NewTokenForm(FlaskForm):
    """A token to issue. ``nonce`` is new on every rendering of the form: submitting the
    same form twice (a reload, a double click) finds the token it already issued."""
    # Own ids: the page's other form has a "name" field too.
    name = StringField(_l("Token name"), validators=[Length(max=100)], id="token-name")
    nonce = HiddenField(id="token-nonce")


def new_token_form() -> NewTokenForm:
    form = NewTokenForm(formdata=None)
    form.nonce.data = secrets.token_urlsafe(24)
    return form


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = URLField(_l("Receiver URL"), validators=[DataRequired(), Length(max=2000)])
    events = _Checkboxes(_l("Events"), choices=[])
    description = StringField(_l("Note"), validators=[Length(max=200)])
