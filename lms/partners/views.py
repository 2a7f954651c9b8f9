"""Pages for managers: the channel dashboard, a company's page, tier confirmation,
company figures, the expiring-soon list and CSV exports. Scope checks live in
lms.services.organizations; these views parse input, call it and render."""

from __future__ import annotations

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import role_required
from lms.models.types import utcnow
from lms.paging import page_from
from lms.partners.charts import charts_section
from lms.rules.health import HEALTH_GOOD, HEALTH_LOW
from lms.partners.forms import MetricsForm, TierForm
from lms.wording import describe_missing, format_yen
from lms.services import assignments
from lms.services import company_people as people_service
from lms.services import exports
from lms.services import organizations as orgs
from lms.services import chart_counts, partner_charts, recertify
from lms.services.errors import Conflict, Forbidden, NotFound
from lms.web import content_store

bp = Blueprint("partners", __name__)
manager_area = role_required("manager", "admin")
PEOPLE_PER_PAGE = 50


@bp.context_processor
def _health_thresholds() -> dict:
    return {"health_low": HEALTH_LOW, "health_good": HEALTH_GOOD}


def _lang() -> str:
    return str(get_locale() or "ja")[:2]


def _company_or_abort(slug: str):
    try:
        return orgs.company_for(current_user, slug)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


def _editable_company_or_abort(slug: str):
    """The company, for those who may change its figures and tier (not partner managers)."""
    org = _company_or_abort(slug)
    if not orgs.sees_all_companies(current_user):
        abort(403)
    return org


def _person_texts() -> dict[str, str]:
    """The people table's words, translated once per page rather than once per person
    (gettext per call is the page's main cost); placeholders are filled in the template."""
    return {"until": _("until %(date)s"), "no_expiry": _("no expiry"), "expired": _("expired"),
            "revoked": _("revoked"), "none": _("None"),
            "courses": _("%(done)d of %(total)d complete"), "details": _("Details"),
            "complete": _("complete"), "lessons": _("%(done)d of %(total)d lessons"),
            "not_taken": _("not taken"), "passed": _("passed"),
            "certifications": _("Certifications"), "courses_heading": _("Courses"),
            "exams": _("Exams (best score)"), "last_sign_in": _("Last sign-in")}


def _sort_labels() -> list[tuple[str, str]]:
    """The dashboard's sort keys with their names, for the sort field of the filters (a
    phone shows the table as stacked rows, without the sortable column headers)."""
    labels = {"name": _("Company"), "tier": _("Tier held"), "eligible": _("Eligible tier"),
              "gap": _("Next tier needs"), "at_risk": _("At risk"),
              "certified": _("Certified people"), "people": _("People"), "health": _("Health")}
    return [(key, labels[key]) for key in orgs.SORTS]


def _filter_from_args() -> orgs.CompanyFilter:
    args = request.args
    sort = args.get("sort", "name")
    status = args.get("status", "")
    return orgs.CompanyFilter(
        q=args.get("q", "").strip()[:100], tier=args.get("tier", ""),
        eligible=args.get("eligible", ""), status=status if status in orgs.STATUSES else "",
        sort=sort if sort in orgs.SORTS else "name", descending=args.get("dir") == "desc",
        page=page_from(args))


def _filter_args(flt: orgs.CompanyFilter, **changes) -> dict:
    args = {"q": flt.q, "tier": flt.tier, "eligible": flt.eligible, "status": flt.status,
            "sort": flt.sort, "dir": "desc" if flt.descending else "asc", "page": flt.page}
    args.update(changes)
    return {k: v for k, v in args.items() if v not in ("", None)}


@bp.get("/")
@manager_area
def dashboard():
    if current_user.is_partner_manager:
        return redirect(url_for("partners.company", slug=current_user.organization.slug))
    program = content_store().program()
    flt = _filter_from_args()
    now = utcnow()
    page = orgs.list_companies(program, current_user, flt, now)
    # Counting every expiring certification grows with the data: the sweep's count (every
    # few minutes), else counted and cached per process for the hour.
    expiring_total = chart_counts.stored_expiring(now)
    if expiring_total is None:
        expiring_total = partner_charts.cached(
            ("expiring", now.strftime("%Y-%m-%d %H")),
            lambda: people_service.count_expiring(None, now))
    expiring, _total = people_service.expiring_soon(None, now, per_page=10, total=expiring_total)
    return render_template(
        "partners/dashboard.html", page=page, flt=flt, program=orgs.program_or_fallback(program),
        filter_args=lambda **c: _filter_args(flt, **c), describe=describe_missing, lang=_lang(),
        charts=charts_section(program, current_user, now), expiring=expiring,
        expiring_total=expiring_total, statuses=orgs.STATUSES, sorts=_sort_labels(),
        recertify=recertify.affected_counts(now))


@bp.get("/<slug>")
@manager_area
def company(slug: str):
    org = _company_or_abort(slug)
    store = content_store()
    program = store.program()
    shown = orgs.program_or_fallback(program)
    now = utcnow()
    standing = orgs.standing(program, org, now)
    courses = people_service.program_courses(shown, store.courses())
    total = people_service.count_people(org.id)
    pages = max((total + PEOPLE_PER_PAGE - 1) // PEOPLE_PER_PAGE, 1)
    page = page_from(request.args, pages)
    people = people_service.people_page(shown, org.id, courses, now, page=page,
                                        per_page=PEOPLE_PER_PAGE)
    candidates = people_service.training_candidates(shown, org.id, standing.summary.missing,
                                                    courses, now)
    expiring, expiring_total = people_service.expiring_soon([org.id], now, per_page=20)
    metrics_form = MetricsForm(data={"deals_closed": org.deals_closed,
                                     "annual_revenue": org.annual_revenue,
                                     "target_met": org.target_met})
    tier_form = TierForm(data={"tier": standing.summary.eligible.key})
    open_assignments, overdue_total = assignments.counts([org.id], now)
    return render_template(
        "partners/company.html", org=org, standing=standing, s=standing.summary,
        program=shown, program_ok=program is not None, people=people, page=page, pages=pages,
        people_total=total, courses=courses, candidates=candidates, expiring=expiring,
        expiring_total=expiring_total, metrics_form=metrics_form, tier_form=tier_form,
        describe=describe_missing, lang=_lang(), yen=format_yen, person_texts=_person_texts(),
        may_edit=orgs.sees_all_companies(current_user), now=now,
        open_assignments=open_assignments, overdue_total=overdue_total,
        overdue=assignments.overdue_rows([org.id], now, limit=10),
        target_titles={(t.kind, t.key): t.title for t in assignments.targets(store)})


@bp.post("/<slug>/metrics")
@manager_area
def metrics(slug: str):
    org = _editable_company_or_abort(slug)
    form = MetricsForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            label = getattr(form, name).label.text if hasattr(form, name) else name
            flash(f"{label}: {' '.join(map(str, errors))}", "error")
        return redirect(url_for("partners.company", slug=org.slug)), 303
    orgs.update_metrics(current_user, org.slug, orgs.Metrics(
        form.deals_closed.data, form.annual_revenue.data, bool(form.target_met.data)),
        address=request.remote_addr)
    flash(_("Company figures saved."), "success")
    return redirect(url_for("partners.company", slug=org.slug))


@bp.post("/<slug>/tier")
@manager_area
def confirm_tier(slug: str):
    org = _editable_company_or_abort(slug)
    form = TierForm()
    if not form.validate_on_submit():
        abort(400)
    before = org.tier
    try:
        org = orgs.confirm_tier(content_store().program(), current_user, org.slug,
                                form.tier.data, address=request.remote_addr)
    except Conflict:
        flash(_("The company's eligibility changed meanwhile; please review it again."),
              "warning")
        return redirect(url_for("partners.company", slug=slug))
    if org.tier == before:
        flash(_("The tier already matches the eligible tier."), "success")
    else:
        flash(_("Tier confirmed."), "success")
    return redirect(url_for("partners.company", slug=slug))


@bp.get("/expiring")
@manager_area
def expiring():
    ids = orgs.visible_ids(current_user)
    page = page_from(request.args)
    rows, total = people_service.expiring_soon(ids, utcnow(), page=page, per_page=50)
    pages = max((total + 49) // 50, 1)
    return render_template("partners/expiring.html", rows=rows, total=total, page=page,
                           pages=pages)


def _csv_response(lines, filename: str) -> Response:
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/companies.csv")
@manager_area
def export_companies():
    lines = exports.companies_csv(content_store().program(), current_user, _filter_from_args(),
                                  _lang(), utcnow())
    return _csv_response(lines, "companies.csv")


@bp.get("/export/people.csv")
@manager_area
def export_people():
    lines = exports.people_csv(content_store().program(), orgs.visible_ids(current_user),
                               utcnow())
    return _csv_response(lines, "people.csv")


@bp.get("/<slug>/people.csv")
@manager_area
def export_company_people(slug: str):
    org = _company_or_abort(slug)
    lines = exports.people_csv(content_store().program(), [org.id], utcnow())
    return _csv_response(lines, f"{org.slug}-people.csv")
