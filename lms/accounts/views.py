"""Forgotten passwords and the password change an admin-set password calls for."""

from __future__ import annotations

from flask import (Blueprint, flash, redirect, render_template, request, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from lms.accounts.forms import PASSWORD_HINT, ForgotForm, NewPasswordForm
from lms.auth.views import login_limits
from lms.messages import message_for
from lms.services import password_reset
from lms.services.errors import Gone, Invalid, NotFound, Throttled

bp = Blueprint("accounts", __name__)

# Where a person whose password an admin typed may go before choosing their own.
OPEN_WHILE_CHANGING = {"auth.settings", "auth.change_password", "auth.logout", "auth.language",
                       "static", "healthz"}


def link_problem(exc: NotFound | Gone):
    """The page for a link that is unknown (404) or no longer good (410)."""
    return render_template("accounts/link_problem.html", message=message_for(exc.message),
                           gone=isinstance(exc, Gone)), exc.status


def sign_in_fresh(user) -> None:
    lang = session.get("lang")
    session.clear()
    if lang and not user.locale:
        session["lang"] = lang
    login_user(user)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form), (
            400 if request.method == "POST" else 200)
    try:
        password_reset.request_reset(form.email.data, address=request.remote_addr or "",
                                     limits=login_limits())
    except Throttled:
        form.email.errors.append(_("Too many requests. Try again in 15 minutes."))
        return render_template("accounts/forgot.html", form=form), 429
    # The same answer for every address, known or not.
    return render_template("accounts/forgot_sent.html")


@bp.get("/forgot")
def forgot_short():
    return redirect(url_for("accounts.forgot"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    form = NewPasswordForm()
    try:
        password_reset.check_reset_token(token)
    except (NotFound, Gone) as exc:
        return link_problem(exc)
    status = 200
    if form.validate_on_submit():
        try:
            user = password_reset.reset_password(token, form.password.data,
                                                 address=request.remote_addr)
        except (NotFound, Gone) as exc:
            return link_problem(exc)
        except Invalid as exc:
            form.password.errors.append(message_for(exc.message))
            status = 422
        else:
            sign_in_fresh(user)
            flash(_("Your password has been changed. Other sessions have been signed out."),
                  "success")
            return redirect(url_for("catalog.index"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/reset.html", form=form, hint=PASSWORD_HINT), status


@bp.before_app_request
def password_change_first():
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in OPEN_WHILE_CHANGING
            and not request.path.startswith("/api/")):
        flash(_("Choose your own password before you continue."), "info")
        return redirect(url_for("auth.settings"))
    return None
