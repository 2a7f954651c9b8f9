"""The notification centre: the list, opening one (marks it read), marking all read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.database import begin_write
from lms.extensions import db
from lms.models import Notification
from lms.models.types import utcnow
from lms.security.urls import safe_next
from lms.services import inbox

bp = Blueprint("inbox", __name__)


@bp.app_template_global("notification_text")
def notification_text(notification: Notification) -> str:
    return inbox.text_of(notification)


@bp.get("/notifications")
@login_required
def index():
    after = request.args.get("after", "")
    after_id = int(after) if after.isascii() and after.isdigit() and len(after) < 10 else None
    page = inbox.page_of(current_user.id, after_id)
    return render_template("inbox/index.html", page=page, form=FlaskForm())


@bp.post("/notifications/<dbid:notification_id>")
@login_required
def open_one(notification_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    begin_write()
    found = inbox.mark_read(current_user.id, notification_id, utcnow())
    target = db.session.scalar(db.select(Notification.url).where(
        Notification.id == notification_id, Notification.user_id == current_user.id))
    db.session.commit()
    if not found:
        abort(404)
    return redirect(safe_next(target) or url_for("inbox.index"), 303)


@bp.post("/notifications/read")
@login_required
def read_all():
    if not FlaskForm().validate_on_submit():
        abort(400)
    begin_write()
    inbox.mark_all_read(current_user.id, utcnow())
    db.session.commit()
    return redirect(url_for("inbox.index"), 303)
