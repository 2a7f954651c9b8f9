"""Sign-in, sign-out, language and the user's own settings."""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth.forms import (LanguageForm, LoginForm, MailForm, PasswordForm, PreferencesForm,
                             sso_context)
from lms.i18n import LANGUAGES
from lms.messages import message_for
from lms.security.urls import safe_next
from lms.services import accounts, mail_prefs
from lms.services.errors import Invalid, Throttled

bp = Blueprint("auth", __name__)


def login_limits() -> accounts.ThrottleLimits:
    from datetime import timedelta

    cfg = current_app.config
    return accounts.ThrottleLimits(
        per_account_address=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
        per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        window=timedelta(seconds=cfg["LOGIN_THROTTLE_WINDOW"]),
    )


def _login_page(form: LoginForm) -> str:
    return render_template("auth/login.html", form=form, **sso_context(form.next.data or ""))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or url_for("catalog.index"))
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data,
                                         address=request.remote_addr or "", limits=login_limits())
        except Throttled:
            form.password.errors.append(_("Too many failed sign-ins. Try again in 15 minutes."))
            return _login_page(form), 429
        except Invalid as exc:
            form.email.errors.append(message_for(exc.message))
            return _login_page(form), 400
        if user is not None:
            # A fresh session at sign-in: nothing from before (fixation) survives.
            lang = session.get("lang")
            session.clear()
            if lang and not user.locale:
                session["lang"] = lang
            login_user(user)
            return redirect(safe_next(form.next.data) or url_for("catalog.index"))
        form.password.errors.append(_("The email address or password is not correct."))
        status = 401
    elif request.method == "POST":
        status = 400
    return _login_page(form), status


@bp.post("/logout")
@login_required
def logout():
    accounts.end_sessions(current_user, reason="logout", actor_id=current_user.id,
                          address=request.remote_addr)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        accounts.set_preferences(current_user, locale=form.lang.data,
                                 timezone=current_user.timezone)
    session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data) or url_for("catalog.index"))


@bp.route("/settings", methods=["GET"])
@login_required
def settings():
    return _settings_page()


def _settings_page(status: int = 200, **forms):
    forms.setdefault("prefs", _prefs_form())
    forms.setdefault("password", PasswordForm())
    forms.setdefault("mail", _mail_form())
    return render_template("auth/settings.html", **forms), status


def _mail_form() -> MailForm:
    off = mail_prefs.turned_off(current_user)
    return MailForm(mail=[k for k in mail_prefs.PREFERENCES if k not in off])


@bp.post("/settings/mail")
@login_required
def save_mail():
    form = MailForm()
    if not form.validate_on_submit():
        return _settings_page(400, mail=form)
    mail_prefs.set_wanted(current_user, form.mail.data)
    flash(_("Your e-mail choices have been saved."), "success")
    return redirect(url_for("auth.settings"))


def _prefs_form() -> PreferencesForm:
    return PreferencesForm(locale=current_user.locale or "ja", timezone=current_user.timezone,
                           on_leaderboard=not current_user.leaderboard_opt_out)


@bp.post("/settings/preferences")
@login_required
def save_preferences():
    prefs = PreferencesForm()
    if not prefs.validate_on_submit():
        return _settings_page(400, prefs=prefs)
    accounts.set_preferences(current_user, locale=prefs.locale.data, timezone=prefs.timezone.data,
                             on_leaderboard=prefs.on_leaderboard.data)
    session["lang"] = prefs.locale.data
    flash(_("Your settings have been saved."), "success")
    return redirect(url_for("auth.settings"))


@bp.post("/settings/password")
@login_required
def change_password():
    form = PasswordForm()
    prefs = _prefs_form()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data,
                                     form.new_password.data, address=request.remote_addr,
                                     limits=login_limits())
        except Throttled:
            form.current_password.errors.append(
                _("Too many wrong passwords. Try again in 15 minutes."))
            return _settings_page(429, prefs=prefs, password=form)
        except Invalid as exc:
            getattr(form, exc.field).errors.append(message_for(exc.message))
        else:
            # Other sessions died with the version bump; keep this one signed in.
            session.clear()
            login_user(accounts.reload_user(current_user.id))
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.settings"))
    return _settings_page(400, prefs=prefs, password=form)
