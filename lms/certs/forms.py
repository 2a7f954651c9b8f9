"""Forms of the certification pages, and the words for the codes their services raise."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.i18n import lazy_gettext as _l

MESSAGES = {
    "deals_invalid": _l("Enter a whole number of deals, 0 or more."),
    "csat_invalid": _l("Enter the customer satisfaction average on the 1–5 scale (for example 4.2)."),
    "evidence_empty": _l("Enter at least one figure."),
    "unknown_certification": _l("No such certification level."),
    "unknown_requirement": _l("This level has no such sign-off."),
    "note_too_long": _l("Use at most 2000 characters."),
    "reason_required": _l("Give a reason."),
    "reason_too_long": _l("Use at most 2000 characters."),
    "file_empty": _l("Choose a file."),
    "file_type": _l("Upload a PDF, PNG or JPEG file."),
    "file_too_large": _l("The file is too large."),
    "self_certification": _l("Nobody can attest their own certification."),
    "own_staff": _l("A partner manager cannot certify their own company's staff."),
    "already_revoked": _l("This certification is already revoked."),
    "forbidden": _l("You may not do this."),
}


def message_for(code: str) -> str:
    return str(MESSAGES.get(code, code))


class EvidenceForm(FlaskForm):
    # Strings, parsed by the service: one set of rules for the page and the API.
    deals_closed = StringField(_l("Deals closed"), validators=[Optional(), Length(max=20)],
                               render_kw={"inputmode": "numeric"})
    csat = StringField(_l("Customer satisfaction (average, 1–5)"),
                       validators=[Optional(), Length(max=20)],
                       render_kw={"inputmode": "decimal", "placeholder": "4.2"})


class SignoffForm(FlaskForm):
    certification = HiddenField(validators=[DataRequired()])
    requirement = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class UploadForm(FlaskForm):
    target = SelectField(_l("Evidence for"), choices=[], validators=[DataRequired()])
    file = FileField(_l("File (PDF, PNG or JPEG)"), validators=[FileRequired()])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
