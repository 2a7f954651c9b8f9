"""Administration of webhook endpoints: add with an event filter, the secret, disable/enable,
rotate the secret, the delivery log with status codes and timings, redeliver."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from lms.admin.forms import WebhookForm
from lms.admin.views import bp
from lms.auth.access import role_required
from lms.i18n import lazy_gettext as _l
from lms.messages import message_for
from lms.services import webhooks
from lms.services.errors import Invalid, NotFound
from lms.webhooks.events import EVENTS

EVENT_LABELS = {
    "certification.awarded": _l("A certification is awarded"),
    "certification.revoked": _l("A certification is revoked"),
    "certification.expired": _l("A certification expires"),
    "organization.tier_changed": _l("A partner company changes tier"),
    "attempt.graded": _l("An exam or quiz attempt is graded"),
    "user.created": _l("A user account is created"),
    "user.deactivated": _l("A user account is deactivated"),
}
STATUS_LABELS = {"pending": _l("Waiting"), "delivered": _l("Delivered"),
                 "failed": _l("Given up")}


def _event_choices():
    # The event's name for people, its type (what receivers read) as code beside it.
    return [SelectChoice(event, Markup("{} (<code>{}</code>)").format(EVENT_LABELS[event], event))
            for event in EVENTS]


def _no_store(response):
    # The page shows the endpoint's secret: no cache keeps it.
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/webhooks", methods=["GET", "POST"])
@role_required("admin")
def webhook_list():
    form = WebhookForm()
    form.events.choices = _event_choices()
    status = 200
    if form.validate_on_submit():
        try:
            endpoint = webhooks.add_endpoint(form.url.data, form.events.data or [],
                                             description=form.description.data or "",
                                             actor_id=current_user.id,
                                             address=request.remote_addr)
        except Invalid as exc:
            getattr(form, exc.field or "url").errors.append(message_for(exc.message))
            status = 422
        else:
            flash(_("Webhook endpoint added. Give its secret to the receiver."), "success")
            return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint.id))
    elif request.method == "POST":
        status = 400
    return render_template("admin/webhooks.html", form=form, endpoints=webhooks.endpoints(),
                           pending=webhooks.pending_counts(), labels=EVENT_LABELS), status


@bp.get("/webhooks/<dbid:endpoint_id>")
@role_required("admin")
def webhook_detail(endpoint_id: int):
    try:
        endpoint = webhooks.endpoint(endpoint_id)
    except NotFound:
        abort(404)
    return _no_store(render_template(
        "admin/webhook.html", endpoint=endpoint, labels=EVENT_LABELS, status_labels=STATUS_LABELS,
        messages=webhooks.messages(endpoint_id), attempts=webhooks.attempts(endpoint_id),
        action_form=FlaskForm()))


def _checked_form():
    if not FlaskForm().validate_on_submit():
        abort(400)


@bp.post("/webhooks/<dbid:endpoint_id>/state")
@role_required("admin")
def webhook_state(endpoint_id: int):
    _checked_form()
    enable = request.form.get("enabled") == "1"
    try:
        webhooks.set_enabled(endpoint_id, enable, actor_id=current_user.id,
                             address=request.remote_addr)
    except NotFound:
        abort(404)
    flash(_("Endpoint enabled.") if enable else _("Endpoint disabled."), "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint_id))


@bp.post("/webhooks/<dbid:endpoint_id>/rotate")
@role_required("admin")
def webhook_rotate(endpoint_id: int):
    _checked_form()
    try:
        webhooks.rotate_secret(endpoint_id, actor_id=current_user.id,
                               address=request.remote_addr)
    except NotFound:
        abort(404)
    flash(_("New secret made. The old one also signs deliveries until the time shown."),
          "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint_id))


@bp.post("/webhooks/<dbid:endpoint_id>/messages/<message_id>/redeliver")
@role_required("admin")
def webhook_redeliver(endpoint_id: int, message_id: str):
    _checked_form()
    try:
        message = webhooks.redeliver(message_id, actor_id=current_user.id,
                                     address=request.remote_addr, endpoint_id=endpoint_id)
    except NotFound:
        abort(404)
    flash(_("Delivery %(id)s queued again.", id=message.message_id), "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint_id))
