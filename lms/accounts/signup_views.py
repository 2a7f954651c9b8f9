"""Sign-up by company e-mail domain: the form, and the link that verifies the address."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.forms import PASSWORD_HINT, SignupForm
from lms.accounts.views import bp, link_problem, sign_in_fresh
from lms.auth.views import login_limits
from lms.messages import message_for
from lms.services import signup
from lms.services.errors import Gone, Invalid, NotFound, Throttled


@bp.route("/signup", methods=["GET", "POST"])
def signup_page():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("catalog.index"))
    form = SignupForm()
    status = 200
    if form.validate_on_submit():
        try:
            signup.request_signup(form.email.data, form.name.data, form.password.data,
                                  address=request.remote_addr or "", limits=login_limits())
        except Invalid as exc:
            (getattr(form, exc.field, None) or form.email).errors.append(message_for(exc.message))
            status = 422
        except Throttled:
            form.email.errors.append(_("Too many requests. Try again in 15 minutes."))
            status = 429
        else:
            # The same answer for every address: known, unknown or not allowed.
            return render_template("accounts/signup_sent.html")
    elif request.method == "POST":
        status = 400
    return render_template("accounts/signup.html", form=form, hint=PASSWORD_HINT), status


@bp.get("/signup/verify/<token>")
def verify_signup(token: str):
    try:
        user = signup.verify(token, address=request.remote_addr)
    except (NotFound, Gone) as exc:
        return link_problem(exc)
    sign_in_fresh(user)
    flash(_("Welcome to Partner Academy, %(name)s.", name=user.name), "success")
    return redirect(url_for("catalog.index"))
