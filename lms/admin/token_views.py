"""API tokens on a user's admin page and SCIM tokens on a company's: issued once, listed
with their name, creation and last use, revocable.

Issuing follows POST-redirect-GET: the POST stores the new token in the (signed, HttpOnly)
session cookie and redirects; the next GET shows it once and drops it. The form carries a
one-time nonce, so a reload of the POST, a resubmit or a double click finds the token it
already issued instead of issuing another (lms.services.api_tokens).
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.admin.forms import NewTokenForm
from lms.admin.views import bp
from lms.auth.access import role_required
from lms.extensions import db
from lms.messages import message_for
from lms.models import Organization, User
from lms.services import api_tokens
from lms.services.errors import Invalid, NotFound

ISSUED = "admin.issued_token"


def _issue(issue, owner_id: int, show_endpoint: str, back_url: str, **show_values):
    form = NewTokenForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors or not form.is_submitted():
            abort(400)
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(back_url, code=303)
    try:
        issued = issue(owner_id, name=form.name.data, nonce=form.nonce.data or None,
                       actor_id=current_user.id, address=request.remote_addr)
    except Invalid as exc:
        flash(message_for(exc.message), "error")
        return redirect(back_url, code=303)
    if issued.token is None:
        flash(_("This form has already issued its token, which is shown only once. "
                "Create another one if you need it."), "warning")
        return redirect(back_url, code=303)
    session[ISSUED] = {"kind": show_endpoint, "id": issued.row.id, "token": issued.token}
    return redirect(url_for(show_endpoint, token_id=issued.row.id, **show_values), code=303)


def _show(endpoint: str, token_id: int, title: str, back_url: str, hint: str):
    held = session.get(ISSUED) or {}
    token = None
    if held.get("kind") == endpoint and held.get("id") == token_id:
        token = held["token"]
        session.pop(ISSUED)  # shown once: a reload of this page no longer has it
    response = make_response(render_template("admin/token.html", title=title, token=token,
                                             back_url=back_url, hint=hint))
    response.headers["Cache-Control"] = "no-store"
    return response


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _org_or_404(slug: str) -> Organization:
    org = db.session.query(Organization).filter_by(slug=slug).one_or_none()
    if org is None:
        abort(404)
    return org


@bp.post("/users/<dbid:user_id>/tokens")
@role_required("admin")
def create_token(user_id: int):
    user = _user_or_404(user_id)
    return _issue(api_tokens.issue_api_token, user.id, "admin.show_token",
                  url_for("admin.edit_user", user_id=user.id), user_id=user.id)


@bp.get("/users/<dbid:user_id>/tokens/<dbid:token_id>")
@role_required("admin")
def show_token(user_id: int, token_id: int):
    user = _user_or_404(user_id)
    return _show("admin.show_token", token_id, _("API token for %(name)s", name=user.name),
                 url_for("admin.edit_user", user_id=user.id),
                 _("A token acts as this user, with their role and scope, in the JSON API."))


@bp.post("/users/<dbid:user_id>/tokens/<dbid:token_id>/revoke")
@role_required("admin")
def revoke_token(user_id: int, token_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        row = api_tokens.revoke_api_token(user_id, token_id, actor_id=current_user.id,
                                          address=request.remote_addr)
    except NotFound:
        abort(404)
    flash(_("Token %(name)s revoked.", name=row.name or _("(no name)")), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id), code=303)


@bp.post("/organizations/<org_slug>/scim-tokens")
@role_required("admin")
def create_scim_token(org_slug: str):
    org = _org_or_404(org_slug)
    return _issue(api_tokens.issue_scim_token, org.id, "admin.show_scim_token",
                  url_for("admin.edit_organization", org_slug=org.slug), org_slug=org.slug)


@bp.get("/organizations/<org_slug>/scim-tokens/<dbid:token_id>")
@role_required("admin")
def show_scim_token(org_slug: str, token_id: int):
    org = _org_or_404(org_slug)
    return _show("admin.show_scim_token", token_id,
                 _("SCIM token for %(name)s", name=org.name),
                 url_for("admin.edit_organization", org_slug=org.slug),
                 _("Give it to the company's identity provider with the base URL shown on "
                   "the company's page."))


@bp.post("/organizations/<org_slug>/scim-tokens/<dbid:token_id>/revoke")
@role_required("admin")
def revoke_scim_token(org_slug: str, token_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    org = _org_or_404(org_slug)
    try:
        row = api_tokens.revoke_scim_token(org.id, token_id, actor_id=current_user.id,
                                           address=request.remote_addr)
    except NotFound:
        abort(404)
    flash(_("Token %(name)s revoked.", name=row.name or _("(no name)")), "success")
    return redirect(url_for("admin.edit_organization", org_slug=org.slug), code=303)
