from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField)
from wtforms.validators import DataRequired, InputRequired, NumberRange

from lms.i18n import lazy_gettext as _l
from lms.services.organizations import MAX_REVENUE


class MetricsForm(FlaskForm):
    deals_closed = IntegerField(_l("Deals closed"),
                                validators=[InputRequired(), NumberRange(min=0, max=10**9)])
    annual_revenue = IntegerField(_l("Annual revenue (yen)"),
                                  validators=[InputRequired(), NumberRange(min=0, max=MAX_REVENUE)])
    target_met = BooleanField(_l("Sales target met"))


class TierForm(FlaskForm):
    # The eligible tier the manager saw: if it changed meanwhile, nothing moves. A label of
    # its own (never shown): without one WTForms translates the field name, loading its
    # message catalogue from disk on every company page.
    tier = HiddenField("tier", validators=[DataRequired()])


class AssignForm(FlaskForm):
    """Assign a course or a certification to people of one company, or to all of them."""

    target = SelectField(_l("Course or certification"), validators=[DataRequired()])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    everyone = BooleanField(_l("Everyone in the company"))
    people = SelectMultipleField(_l("People"), coerce=int, validate_choice=False)
