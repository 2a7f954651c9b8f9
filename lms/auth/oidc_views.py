"""Single sign-on routes: a provider's button, the address that picks a provider, and the
provider's way back (one redirect URI per provider, so an answer cannot claim another)."""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, redirect, render_template, request, session,
                   url_for)

from lms.accounts.views import sign_in_fresh
from lms.auth import oidc
from lms.auth.forms import CompanySignInForm, LoginForm, sso_context
from lms.database import begin_write
from lms.extensions import db
from lms.messages import message_for
from lms.security.urls import absolute_url, safe_next
from lms.services import audit, sso
from lms.services.accounts import normalise_email

bp = Blueprint("sso", __name__)

PENDING = "sso_pending"
# Refusals of the person (403) apart from a flow that went wrong (400) or a provider that
# cannot be reached (502).
STATUS = {"sso_state_mismatch": 400, "sso_provider_unreachable": 502, "sso_token_failed": 502}


def _provider(name: str) -> oidc.Provider:
    found = next((p for p in current_app.config["OIDC_PROVIDERS"] if p.name == name), None)
    if found is None:
        abort(404)
    return found


def _callback_url(provider: oidc.Provider) -> str:
    return absolute_url("sso.callback", name=provider.name)


def _login_page(status: int, company_form: CompanySignInForm | None = None,
                next_value: str = ""):
    form = LoginForm(formdata=None, next=next_value)
    return render_template("auth/login.html", form=form,
                           **sso_context(next_value, company_form)), status


def _problem(provider: oidc.Provider, exc: oidc.SSOError):
    return render_template("auth/sso_problem.html", message=message_for(exc.code),
                           provider=provider), STATUS.get(exc.code, 403)


def _start(provider: oidc.Provider, next_value: str | None, login_hint: str | None = None):
    try:
        url, pending = oidc.begin(provider, _callback_url(provider), login_hint=login_hint)
    except oidc.SSOError as exc:
        current_app.logger.warning("single sign-on with %s: %s", provider.name, exc.detail)
        return _problem(provider, exc)
    session[PENDING] = {**pending, "next": safe_next(next_value) or ""}
    return redirect(url, code=303)


@bp.post("/login/sso/<name>")
def start(name: str):
    provider = _provider(name)
    form = CompanySignInForm(prefix="sso")
    if not form.validate_on_submit():
        return _login_page(400)
    return _start(provider, form.next.data)


@bp.post("/login/sso")
def by_email():
    if not current_app.config["OIDC_PROVIDERS"]:
        abort(404)
    form = CompanySignInForm(prefix="company")
    if not form.validate_on_submit():
        return _login_page(400, form, form.next.data or "")
    email = normalise_email(form.email.data)
    provider = oidc.provider_for_email(current_app.config["OIDC_PROVIDERS"], email)
    if provider is None:
        form.email.errors.append(message_for("sso_no_provider"))
        return _login_page(422, form, safe_next(form.next.data) or "")
    return _start(provider, form.next.data, login_hint=email)


def _answer(provider: oidc.Provider, pending) -> dict:
    """The verified claims of the provider's answer; a failure is recorded in the audit log
    (refusals of the person are recorded by the sso service)."""
    try:
        if not isinstance(pending, dict):
            raise oidc.SSOError("sso_state_mismatch", "no sign-in pending in this session")
        return oidc.finish(provider, pending, request.args.to_dict(), _callback_url(provider))
    except oidc.SSOError as exc:
        begin_write()
        audit.record("sso.failed", actor_id=None, provider=provider.name, reason=exc.code,
                     detail=exc.detail[:500])
        db.session.commit()
        raise


@bp.get("/login/sso/<name>/callback")
def callback(name: str):
    provider = _provider(name)
    pending = session.pop(PENDING, None)
    try:
        claims = _answer(provider, pending)
        user = sso.sign_in(provider, claims, address=request.remote_addr)
    except oidc.SSOError as exc:
        current_app.logger.warning("single sign-on with %s refused: %s", provider.name,
                                   exc.detail)
        return _problem(provider, exc)
    sign_in_fresh(user)
    return redirect(safe_next(pending.get("next")) or url_for("catalog.index"))
