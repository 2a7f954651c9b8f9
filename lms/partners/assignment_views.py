"""Managers' assignment pages: every visible assignment, and one company's assignments
with the form to assign. Scope checks live in lms.services.assignments and
lms.services.organizations; routes sit on the partners blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from lms.models.types import utcnow
from lms.paging import page_from
from lms.partners.forms import AssignForm
from lms.partners.views import _company_or_abort, bp, manager_area
from lms.services import assignments
from lms.services import organizations as orgs
from lms.services.errors import Forbidden, Invalid, NotFound
from lms.web import content_store

PER_PAGE = 50


def _status() -> str:
    status = request.args.get("status", "open")
    return status if status in assignments.STATUSES else "open"


def _target_titles(store) -> dict[tuple[str, str], str]:
    return {(t.kind, t.key): t.title for t in assignments.targets(store)}


def _form(org, store) -> AssignForm:
    form = AssignForm()
    found = assignments.targets(store)
    form.target.choices = {
        _("Certifications"): [(f"{t.kind}:{t.key}", t.title) for t in found
                              if t.kind == "certification"],
        _("Courses"): [(f"{t.kind}:{t.key}", t.title) for t in found if t.kind == "course"]}
    form.listed = assignments.people_choices(current_user, org)
    form.people.choices = [(p.id, p.name) for p in form.listed]
    return form


def _render_company(org, form, status_code=200):
    store = content_store()
    now = utcnow()
    status = _status()
    page = page_from(request.args)
    rows, total = assignments.list_page([org.id], status, now, page=page, per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template("partners/assignments.html", org=org, form=form, rows=rows,
                           people=form.listed,
                           total=total, page=page, pages=pages, status=status, now=now,
                           target_titles=_target_titles(store),
                           statuses=assignments.STATUSES), status_code


@bp.get("/assignments")
@manager_area
def assignments_list():
    now = utcnow()
    status = _status()
    page = page_from(request.args)
    rows, total = assignments.list_page(orgs.visible_ids(current_user), status, now, page=page,
                                        per_page=PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template("partners/assignments.html", org=None, form=None, rows=rows,
                           people=[],
                           total=total, page=page, pages=pages, status=status, now=now,
                           target_titles=_target_titles(content_store()),
                           statuses=assignments.STATUSES)


@bp.get("/<slug>/assignments")
@manager_area
def company_assignments(slug: str):
    org = _company_or_abort(slug)
    return _render_company(org, _form(org, content_store()))


@bp.post("/<slug>/assignments")
@manager_area
def assign(slug: str):
    org = _company_or_abort(slug)
    store = content_store()
    form = _form(org, store)
    if not form.validate_on_submit():
        return _render_company(org, form, 400)
    kind, _sep, key = (form.target.data or "").partition(":")
    try:
        if form.everyone.data:
            people = assignments.people_for(current_user, org_slug=org.slug)
        else:
            people = assignments.people_for(current_user, form.people.data or [])
            if any(p.organization_id != org.id for p in people):
                raise Forbidden("Not a person of this company.")
        rows = assignments.assign(current_user, people, kind, key, form.due_on.data, store)
    except Invalid as exc:
        field = {"people": form.people, "due_on": form.due_on}.get(exc.field, form.target)
        field.errors = [*field.errors, _field_message(exc.code)]
        return _render_company(org, form, 400)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    flash(ngettext("Assigned to %(num)d person.", "Assigned to %(num)d people.", len(rows)),
          "success")
    return redirect(url_for("partners.company_assignments", slug=org.slug), 303)


def _field_message(code: str) -> str:
    return {
        "no_people": _("Choose at least one person, or everyone in the company."),
        "too_many": _("Too many people at once."),
        "bad_due_date": _("The due date must be today or later (within three years)."),
    }.get(code, _("Choose a course or a certification."))
