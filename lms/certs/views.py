"""Certification pages: mine, a person's (evidence and sign-offs), uploads, certificate, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from lms.auth.access import can_see_user, role_required
from lms.certs.forms import EvidenceForm, RevokeForm, SignoffForm, UploadForm, message_for
from lms.certs.overview import level_views, linkedin_url
from lms.extensions import db
from lms.models import Certification, User
from lms.paging import page_from
from lms.security.files import send_download
from lms.services import certifications as certs
from lms.services import evidence as evidence_service
from lms.services import recertify
from lms.services import uploads as upload_service
from lms.services.badges import verify_url
from lms.services.errors import ServiceError
from lms.web import content_store
from lms.wording import requirement_name

bp = Blueprint("certs", __name__)
PAGE_SIZE = 50


@bp.app_template_global("cert_status")
def cert_status(cert) -> str:
    return certs.status(cert)


def _program():
    return content_store().program()


def _person_or_404(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or not can_see_user(current_user, person):
        abort(404)
    return person


def _upload_form(program) -> UploadForm:
    """The upload form with one choice per sign-off of the program's levels."""
    form = UploadForm()
    # An empty first option: a required select must not preselect a real choice.
    choices = [SelectChoice("", _("Choose…"))]
    for definition in program.certifications if program else ():
        for name in evidence_service.signoff_names(program, definition.level):
            label = _("Practical assessment") if name == "practical" else requirement_name(name)
            choices.append(SelectChoice(f"{definition.level}:{name}", f"{definition.title} — {label}"))
    form.target.choices = choices
    return form


@bp.get("/certifications")
@login_required
def mine():
    program = _program()
    form = _upload_form(program)
    return render_template(
        "certs/mine.html", program=program, person=current_user, form=form,
        levels=level_views(current_user, content_store(), program) if program else [],
        certificates=certs.certifications_of(current_user.id),
        uploads=upload_service.uploads_of(current_user.id), revised=_revised(program))


def _revised(program) -> list[tuple[str, str, str, object]]:
    """(level title, exam slug, exam title, deadline) of each held level whose exam was
    revised with recertify: and is not passed again yet."""
    if program is None:
        return []
    store = content_store()
    found = []
    for level, (slug, deadline) in recertify.deadlines_of(current_user.id).items():
        definition, quiz = program.certification(level), store.quiz(slug)
        found.append((definition.title if definition else level, slug,
                      quiz.title if quiz else slug, deadline))
    return found


@bp.get("/certifications/people")
@role_required("trainer", "manager", "admin")
def people():
    query = select(User).options(selectinload(User.organization)).where(User.active.is_(True))
    if current_user.is_partner_manager:
        query = query.where(User.organization_id == current_user.organization_id)
    search = (request.args.get("q") or "").strip()[:100]
    if search:
        like = f"%{search.lower()}%"
        query = query.where(func.lower(User.email).like(like) | func.lower(User.name).like(like))
    page = page_from(request.args)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    users = db.session.scalars(query.order_by(User.email).limit(PAGE_SIZE)
                               .offset((page - 1) * PAGE_SIZE)).all()
    active = {}
    if users:
        rows = db.session.scalars(select(Certification).where(
            Certification.user_id.in_([u.id for u in users]),
            Certification.current_key.is_not(None)))
        for cert in rows:
            if certs.status(cert) == "active":
                active.setdefault(cert.user_id, []).append(cert.level)
    return render_template("certs/people.html", users=users, active=active, search=search,
                           page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))


@bp.get("/users/<dbid:user_id>/certifications")
@login_required
def person(user_id: int):
    person = _person_or_404(user_id)
    if person.id == current_user.id:
        return redirect(url_for("certs.mine"))
    program = _program()
    evidence_form = EvidenceForm()
    record = evidence_service.evidence_of(person.id)
    if record is not None and request.method == "GET":
        evidence_form.deals_closed.data = str(record.deals_closed)
        evidence_form.csat.data = "" if record.csat is None else f"{record.csat:g}"
    return render_template(
        "certs/person.html", person=person, program=program, evidence=record,
        evidence_form=evidence_form, signoff_form=SignoffForm(),
        may_record_evidence=_may_attest(person) and evidence_service.may_record_evidence(current_user),
        may_sign=_may_attest(person) and current_user.role in ("trainer", "manager", "admin"),
        may_sign_requirement=evidence_service.may_sign,
        levels=level_views(person, content_store(), program) if program else [],
        certificates=certs.certifications_of(person.id),
        signoffs={(s.level, s.requirement): s for s in evidence_service.signoffs_of(person.id)},
        uploads=upload_service.uploads_of(person.id))


def _may_attest(person: User) -> bool:
    if person.id == current_user.id:
        return False
    return not (current_user.is_partner_manager
                and current_user.organization_id == person.organization_id)


@bp.post("/users/<dbid:user_id>/evidence")
@role_required("manager", "admin")
def record_evidence(user_id: int):
    person = _person_or_404(user_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        given = {name for name in ("deals_closed", "csat")
                 if (getattr(form, name).data or "").strip()}
        result = evidence_service.record_evidence(
            current_user, person.id, deals_closed=(form.deals_closed.data or "").strip(),
            csat=(form.csat.data or "").strip(), fields=given, program=_program(),
            courses=content_store().courses(), address=request.remote_addr)
    except ServiceError as exc:
        if exc.status in (403, 404):
            abort(exc.status)
        flash(message_for(exc.message if exc.field else exc.code), "error")
    else:
        flash(_("Evidence saved."), "success")
        _flash_awards(result.award)
    return redirect(url_for("certs.person", user_id=person.id))


@bp.post("/users/<dbid:user_id>/signoffs")
@role_required("trainer", "manager", "admin")
def sign_off(user_id: int):
    person = _person_or_404(user_id)
    form = SignoffForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = evidence_service.sign_off(
            current_user, person.id, level=form.certification.data,
            requirement=form.requirement.data, note=form.note.data, program=_program(),
            courses=content_store().courses(), address=request.remote_addr)
    except ServiceError as exc:
        if exc.status in (403, 404):
            abort(exc.status)
        flash(message_for(exc.message), "error")
    else:
        flash(_("Signed off.") if result.created else _("This was already signed off."), "success")
        _flash_awards(result.award)
    return redirect(url_for("certs.person", user_id=person.id))


def _flash_awards(award) -> None:
    for cert in award.awarded:
        flash(_("Certification awarded: %(level)s", level=cert.level.capitalize()), "success")


@bp.post("/certifications/uploads")
@login_required
def upload():
    program = _program()
    form = _upload_form(program)
    if not form.validate_on_submit():
        flash(_("Choose what the file is for and a file."), "error")
        return redirect(url_for("certs.mine")), 303
    level, _sep, requirement = form.target.data.partition(":")
    try:
        upload_service.save_upload(current_user, form.file.data.stream, form.file.data.filename,
                                   level=level, requirement=requirement, program=program,
                                   address=request.remote_addr)
    except ServiceError as exc:
        flash(message_for(exc.message), "error")
        return redirect(url_for("certs.mine")), 303
    flash(_("File uploaded. A trainer will review it."), "success")
    return redirect(url_for("certs.mine")), 303


@bp.get("/uploads/<upload_id>")
@login_required
def download(upload_id: str):
    try:
        stored = upload_service.open_upload(current_user, upload_id)
    except ServiceError:
        abort(404)
    return send_download(stored.chunks(), stored.upload.size, stored.upload.content_type,
                         stored.upload.filename)


@bp.get("/certificates/<assertion_id>")
@login_required
def certificate(assertion_id: str):
    cert = db.session.get(Certification, assertion_id)
    if cert is None or not can_see_user(current_user, cert.user):
        abort(404)
    program = _program()
    definition = program.certification(cert.level) if program else None
    title = definition.title if definition else cert.level.capitalize()
    issuer = "Partner Academy"
    return render_template("certs/certificate.html", cert=cert, title=title,
                           status=certs.status(cert), verify_url=verify_url(cert.id),
                           linkedin_url=linkedin_url(cert, title, issuer), issuer=issuer,
                           is_holder=current_user.id == cert.user_id)


@bp.route("/certificates/<assertion_id>/revoke", methods=["GET", "POST"])
@role_required("admin")
def revoke(assertion_id: str):
    cert = db.session.get(Certification, assertion_id)
    if cert is None:
        abort(404)
    form = RevokeForm()
    status = 200
    if form.validate_on_submit():
        try:
            certs.revoke(cert.id, form.reason.data, actor_id=current_user.id,
                         address=request.remote_addr)
        except ServiceError as exc:
            form.reason.errors.append(message_for(exc.message if exc.field else exc.code))
            status = 409 if exc.status == 409 else 422
        else:
            flash(_("The certification has been revoked."), "success")
            return redirect(url_for("certs.person", user_id=cert.user_id))
    elif request.method == "POST":
        status = 422
    return render_template("certs/revoke.html", cert=cert, form=form,
                           status=certs.status(cert)), status
