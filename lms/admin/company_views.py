"""A partner company's admin page: name, e-mail domains, active or not, SCIM tokens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from lms.admin.forms import EditOrganizationForm, new_token_form
from lms.admin.views import bp
from lms.auth.access import role_required
from lms.extensions import db
from lms.messages import message_for
from lms.models import Organization, OrganizationDomain, User
from lms.security.urls import public_origin
from lms.services import api_tokens
from lms.services.company_admin import CompanyChanges, update_organization
from lms.services.company_domains import parse_domains
from lms.services.errors import Invalid


@bp.route("/organizations/<org_slug>", methods=["GET", "POST"])
@role_required("admin")
def edit_organization(org_slug: str):
    org = db.session.scalar(select(Organization).where(Organization.slug == org_slug))
    if org is None:
        abort(404)
    domains = list(db.session.scalars(select(OrganizationDomain.domain)
                                      .where(OrganizationDomain.organization_id == org.id)
                                      .order_by(OrganizationDomain.domain)))
    form = EditOrganizationForm()
    if request.method == "GET":
        form.name.data, form.domains.data = org.name, ", ".join(domains)
        form.active.data = "1" if org.active else "0"
    status = 200
    if form.validate_on_submit():
        changes = CompanyChanges(name=form.name.data, domains=parse_domains(form.domains.data),
                                 active=form.active.data == "1")
        try:
            update_organization(org.id, changes, actor_id=current_user.id,
                                address=request.remote_addr)
        except Invalid as exc:
            getattr(form, exc.field or "name", form.name).errors.append(message_for(exc.message))
            status = 422
        else:
            flash(_("Partner company %(name)s updated.", name=changes.name.strip()), "success")
            return redirect(url_for("admin.edit_organization", org_slug=org.slug), code=303)
    elif request.method == "POST":
        status = 400
    people = db.session.scalar(select(func.count(User.id)).where(User.organization_id == org.id))
    return render_template("admin/organization.html", org=org, form=form, people=people,
                           tokens=api_tokens.scim_tokens_of(org.id),
                           token_form=new_token_form(), revoke_form=FlaskForm(),
                           scim_base=public_origin() + "/scim/v2"), status
