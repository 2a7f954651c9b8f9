"""Leaderboards for people and companies, and the channel's yearly recognition list."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from lms.auth.access import role_required
from lms.models.types import utcnow
from lms.services import points
from lms.services import recognition as recognition_service
from lms.web import content_store

bp = Blueprint("community", __name__)

SCOPES = ("people", "companies")
PERIODS = ("month", "all")


def board_choice(args) -> tuple[str, str, bool]:
    """(scope, period, own company only) from query arguments; unknown values fall back."""
    scope = args.get("scope") if args.get("scope") in SCOPES else "people"
    period = args.get("period") if args.get("period") in PERIODS else "month"
    return scope, period, args.get("company") == "mine"


@bp.get("/leaderboard")
@login_required
def leaderboard():
    scope, period, mine = board_choice(request.args)
    mine = mine and scope == "people" and current_user.organization_id is not None
    now = utcnow()
    if scope == "people":
        rows = points.people_board(period, now=now,
                                   organization_id=current_user.organization_id if mine else None)
    else:
        rows = points.company_board(period, now=now)
    return render_template("community/leaderboard.html", rows=rows, scope=scope, period=period,
                           mine=mine, my_rank=points.rank_of(current_user, period, now),
                           my_total=points.total_of(current_user.id),
                           month=points.month_of(now), ranked=points.RANKED)


@bp.get("/recognition")
@role_required("manager", "admin")
def recognition():
    if current_user.is_partner_manager:
        abort(403)
    now = utcnow()
    year = request.args.get("year", "")
    year = int(year) if year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100 else now.year
    program = content_store().program()
    tiers = {t.key: t.title for t in program.tiers} if program else {}
    return render_template("community/recognition.html", year=year, tiers=tiers,
                           rows=recognition_service.best_partners(year), this_year=now.year)
