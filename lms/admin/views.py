"""Administration: users, partner companies, and the content status for trainers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from lms.admin.forms import EditUserForm, OrganizationForm, UserForm, new_token_form
from lms.auth.access import role_required
from lms.extensions import db
from lms.messages import message_for
from lms.models import Organization, User
from lms.paging import page_from
from lms.services import accounts, api_tokens
from lms.services.company_domains import all_domains, parse_domains
from lms.services.errors import Invalid
from lms.web import content_store

bp = Blueprint("admin", __name__)
PAGE_SIZE = 50


def _org_choices():
    orgs = db.session.execute(select(Organization.slug, Organization.name).order_by(Organization.name))
    return [SelectChoice("", _("(none: vendor staff)"))] + [SelectChoice(slug, name) for slug, name in orgs]


def _users_page(page: int):
    total = db.session.scalar(select(func.count(User.id)))
    users = db.session.scalars(select(User).options(selectinload(User.organization))
                               .order_by(User.email)
                               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return users, total


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    form = UserForm()
    form.org.choices = _org_choices()
    status = 200
    if form.validate_on_submit():
        item = accounts.NewUser(email=form.email.data, name=form.name.data, role=form.role.data,
                                org_slug=form.org.data or None, password=form.password.data)
        try:
            accounts.create_users([item], actor_id=current_user.id, address=request.remote_addr)
        except Invalid as exc:
            field = getattr(form, exc.field, None) or form.email
            field.errors.append(message_for(exc.message))
            status = 422
        else:
            flash(_("User %(email)s added.", email=item.email), "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST":
        status = 400
    page = page_from(request.args)
    users, total = _users_page(page)
    return render_template("admin/users.html", form=form, users=users, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)), status


@bp.route("/users/<dbid:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = EditUserForm(obj=None if request.method == "POST" else user)
    form.org.choices = _org_choices()
    if request.method == "GET":
        form.org.data = user.organization.slug if user.organization else ""
        form.active.data = "1" if user.active else "0"
    status = 200
    if form.validate_on_submit():
        changes = accounts.UserChanges(name=form.name.data, role=form.role.data,
                                       org_slug=form.org.data or None,
                                       active=form.active.data == "1")
        try:
            accounts.update_user(user.id, changes, actor_id=current_user.id,
                                 address=request.remote_addr)
        except Invalid as exc:
            getattr(form, exc.field, form.role).errors.append(message_for(exc.message))
            status = 422
        else:
            flash(_("User %(email)s updated.", email=user.email), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    elif request.method == "POST":
        status = 400
    return render_template("admin/user.html", user=user, form=form,
                           tokens=api_tokens.tokens_of(user.id), token_form=new_token_form(),
                           revoke_form=FlaskForm()), status


@bp.route("/organizations", methods=["GET", "POST"])
@role_required("admin")
def organizations():
    form = OrganizationForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.create_organization(form.slug.data, form.name.data, actor_id=current_user.id,
                                         address=request.remote_addr,
                                         domains=parse_domains(form.domains.data))
        except Invalid as exc:
            getattr(form, exc.field).errors.append(message_for(exc.message))
            status = 422
        else:
            flash(_("Partner company %(name)s added.", name=form.name.data), "success")
            return redirect(url_for("admin.organizations"))
    elif request.method == "POST":
        status = 400
    rows = db.session.execute(
        select(Organization, func.count(User.id))
        .outerjoin(User, User.organization_id == Organization.id)
        .group_by(Organization.id).order_by(Organization.name)
    ).all()
    program = content_store().program()
    # The tier's title from program.yml, not its key (a key the program lost: as stored).
    tier_titles = {t.key: t.title for t in program.tiers} if program else {}
    return render_template("admin/organizations.html", form=form, rows=rows,
                           domains=all_domains(), tier_titles=tier_titles), status


@bp.get("/content")
@role_required("trainer", "admin")
def content_status():
    store = content_store()
    return render_template("admin/content.html", courses=store.courses(),
                           quizzes=store.quizzes(), problems=store.problems(),
                           stale=store.stale())
