"""Invitations: the inviter's page (one by one or by CSV, pending list, revoke, resend) and
the invitee's accept page."""

from __future__ import annotations

import csv
import io

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.accounts.forms import (PASSWORD_HINT, AcceptInvitationForm, InviteCsvForm,
                                InviteForm)
from lms.accounts.views import bp, link_problem, sign_in_fresh
from lms.admin.forms import ROLE_LABELS
from lms.extensions import db
from lms.messages import message_for
from lms.models import Organization
from lms.services import invitations
from lms.services.errors import Gone, Invalid, NotFound

MAX_CSV_BYTES = 512 * 1024


def _may_use() -> None:
    if not invitations.roles_for(current_user) or current_user.role not in ("admin", "manager"):
        abort(403)


def _forms() -> tuple[InviteForm, InviteCsvForm]:
    form, upload = InviteForm(), InviteCsvForm()
    allowed = invitations.roles_for(current_user)
    form.role.choices = [choice for choice in ROLE_LABELS if choice.value in allowed]
    orgs = select(Organization.slug, Organization.name).order_by(Organization.name)
    if current_user.is_partner_manager:
        orgs = orgs.where(Organization.id == current_user.organization_id)
        form.org.choices = []
    else:
        form.org.choices = ([SelectChoice("", _("(none: vendor staff)"))]
                            if current_user.role == "admin" else [])
    form.org.choices += [SelectChoice(slug, name) for slug, name in db.session.execute(orgs)]
    return form, upload


def _page(form, upload, status=200):
    return render_template("accounts/invitations.html", form=form, upload=upload,
                           pending=invitations.pending(current_user),
                           action=FlaskForm(),
                           role_names={c.value: c.label for c in ROLE_LABELS}), status


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
def invitations_page():
    _may_use()
    form, upload = _forms()
    if request.method == "GET":
        return _page(form, upload)
    if not form.validate_on_submit():
        return _page(form, upload, 400)
    invitee = invitations.Invitee(form.email.data, form.role.data, form.org.data or None)
    try:
        invitations.invite([invitee], actor=current_user, address=request.remote_addr)
    except Invalid as exc:
        (getattr(form, exc.field, None) or form.email).errors.append(message_for(exc.message))
        return _page(form, upload, 422)
    flash(_("Invitation sent to %(email)s.", email=invitee.email), "success")
    return redirect(url_for("accounts.invitations_page"))


@bp.post("/invitations/csv")
@login_required
def invitations_csv():
    _may_use()
    form, upload = _forms()
    if not upload.validate_on_submit():
        return _page(form, upload, 400)
    raw = upload.file.data.read(MAX_CSV_BYTES + 1)
    try:
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        rows = None
    if len(raw) > MAX_CSV_BYTES or not rows or "email" not in rows[0]:
        upload.file.errors.append(_("Upload a UTF-8 CSV file with the columns email, role, org."))
        return _page(form, upload, 422)
    default_org = (db.session.get(Organization, current_user.organization_id).slug
                   if current_user.is_partner_manager else None)
    invitees = [invitations.Invitee((row.get("email") or "").strip(),
                                    (row.get("role") or "learner").strip(),
                                    (row.get("org") or "").strip() or default_org)
                for row in rows]
    try:
        invitations.invite(invitees, actor=current_user, address=request.remote_addr)
    except Invalid as exc:
        line = exc.extra.get("index", 0) + 2  # the header is line 1
        upload.file.errors.append(_("Line %(line)d: %(problem)s Nobody was invited.",
                                    line=line, problem=message_for(exc.message)))
        return _page(form, upload, 422)
    flash(_("%(count)d invitations sent.", count=len(invitees)), "success")
    return redirect(url_for("accounts.invitations_page"))


@bp.post("/invitations/<dbid:invitation_id>/<any(revoke, resend):action>")
@login_required
def invitation_action(invitation_id: int, action: str):
    _may_use()
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        if action == "revoke":
            row = invitations.revoke(invitation_id, actor=current_user,
                                     address=request.remote_addr)
            flash(_("The invitation to %(email)s was withdrawn.", email=row.email), "success")
        else:
            invitations.resend(invitation_id, actor=current_user, address=request.remote_addr)
            flash(_("A new invitation link was sent."), "success")
    except NotFound:
        abort(404)
    return redirect(url_for("accounts.invitations_page"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = invitations.check_invitation(token)
    except (NotFound, Gone) as exc:
        return link_problem(exc)
    form = AcceptInvitationForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = invitations.accept(token, form.name.data, form.password.data,
                                      address=request.remote_addr)
        except (NotFound, Gone) as exc:
            return link_problem(exc)
        except Invalid as exc:
            (getattr(form, exc.field, None) or form.name).errors.append(message_for(exc.message))
            status = 422
        else:
            sign_in_fresh(user)
            flash(_("Welcome to Partner Academy, %(name)s.", name=user.name), "success")
            return redirect(url_for("catalog.index"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/accept.html", form=form, invitation=invitation,
                           hint=PASSWORD_HINT), status
