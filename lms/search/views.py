"""The search page: course and lesson text, only what the person may see."""

from __future__ import annotations

import math

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from lms.paging import page_from
from lms.services import search as search_service
from lms.services.search_text import MAX_QUERY
from lms.web import content_store

bp = Blueprint("search", __name__)

PAGE_SIZE = 20


@bp.get("/search")
@login_required
def results():
    query = (request.args.get("q") or "")[:MAX_QUERY].strip()
    hits = search_service.search(content_store(), query, sees_drafts=current_user.sees_drafts)
    pages = max(1, math.ceil(len(hits) / PAGE_SIZE))
    page = page_from(request.args, pages)
    shown = hits[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return render_template("search/results.html", query=query, hits=shown, total=len(hits),
                           page=page, pages=pages)
