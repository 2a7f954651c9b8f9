"""Channel managers: the holders who must pass a revised exam (``recertify:``) again."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from lms.models.types import utcnow
from lms.partners.views import bp, manager_area
from lms.services import organizations as orgs
from lms.services import recertify
from lms.web import content_store


@bp.get("/recertify/<level>")
@manager_area
def recertify_holders(level: str):
    # Holders of every company: channel managers (and admins) only.
    if not orgs.sees_all_companies(current_user):
        abort(403)
    program = content_store().program()
    if program is None or program.certification(level) is None:
        abort(404)
    now = utcnow()
    rows = recertify.affected_holders(level, now)
    total = recertify.affected_counts(now).get(level, 0)
    return render_template("partners/recertify.html", level=level, rows=rows, total=total)
