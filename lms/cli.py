"""The `lms` command: a Flask CLI group bound to the app factory."""

from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from lms.services import accounts
from lms.services.errors import Invalid, NotFound


def _create_app():
    from lms import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main():
    """Partner Academy."""


def _words(code: str) -> str:
    """A service error code in English words, for the terminal."""
    from flask_babel import force_locale

    from lms.messages import words_for

    with force_locale("en"):
        return words_for(code)


def upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


def listening_origin(host: str, port: int) -> str:
    """http://host:port for the address ``lms serve`` binds; a wildcard means this machine."""
    import socket

    if host in ("", "0.0.0.0", "::", "[::]"):
        host = socket.getfqdn()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def require_public_origin() -> None:
    """Commands that write e-mails stop before doing anything when links cannot be made."""
    from lms.security.urls import PublicOriginMissing, public_origin

    try:
        public_origin()
    except PublicOriginMissing as exc:
        raise click.ClickException(str(exc)) from None


@main.command("serve")
@click.option("--demo", is_flag=True, help="Load demo companies, users and progress.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Worker processes (default: 2 x cores).")
@click.option("--no-worker", is_flag=True,
              help="Do not run the outbox delivery worker beside the web workers.")
@with_appcontext
def serve(demo: bool, host: str, port: int, workers: int | None, no_worker: bool):
    """Create or migrate the database, optionally load demo data, and serve with gunicorn."""
    if not current_app.config.get("BASE_URL"):
        # Links in e-mails and badges come from configuration, never from the Host
        # header: without LMS_BASE_URL, the address we listen on is the public one.
        origin = listening_origin(host, port)
        os.environ["LMS_BASE_URL"] = origin  # inherited by the gunicorn workers
        current_app.config["BASE_URL"] = origin
        click.echo(f"LMS_BASE_URL is not set: links in e-mails and badges use {origin}", err=True)
    upgrade_database()
    if demo:
        from lms.demo import load_demo, print_logins

        load_demo()
        print_logins()
    workers = workers or int(os.environ.get("LMS_WORKERS", 0)) or 2 * (os.cpu_count() or 1)
    threads = int(os.environ.get("LMS_THREADS", 0)) or 4
    # Links sent out (e-mail, badges) name the address we listen on when no public origin is
    # configured, never a request's Host header.
    os.environ.setdefault("LMS_BASE_URL", f"http://{host}:{port}")
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            "--timeout", "60", "--graceful-timeout", "20", "--access-logfile", "-",
            # gunicorn's control socket defaults to one path per host; several sites
            # (or test servers) on one machine would fight over it. We don't use it.
            "--no-control-socket",
            # Its hooks start one outbox delivery worker beside the web workers.
            "--config", "python:lms.gunicorn_hooks",
            "lms.wsgi:app"]
    # Read by lms/gunicorn_hooks.py in gunicorn's master (LMS_SERVE_DELIVERY=0: no worker).
    os.environ["LMS_SERVE_DELIVERY"] = "0" if no_worker else "1"
    click.echo(f"Serving on http://{host}:{port}/ with {workers} workers", err=True)
    sys.stdout.flush()
    os.execv(sys.executable, argv)


@main.command("check")
@click.option("--content", "content_dir", default=None, type=click.Path(file_okay=False),
              help="Content root (default: LMS_CONTENT_DIR or the repository).")
def check(content_dir: str | None):
    """Validate courses, quizzes and program.yml; print path:line: message per problem."""
    from lms.content.severity import errors
    from lms.content.store import check as check_content

    root = _content_root(content_dir)

    problems = check_content(root)
    for problem in problems:
        click.echo(str(problem))
    # Warnings are printed but do not fail the check: only errors stop content loading.
    failed = errors(problems)
    warnings = len(problems) - len(failed)
    if failed:
        click.echo(f"{len(failed)} error(s), {warnings} warning(s) found", err=True)
        sys.exit(1)
    click.echo(f"content ok ({warnings} warning(s))" if warnings else "content ok", err=True)


def _content_root(content_dir: str | None) -> Path:
    from lms.config import REPO_ROOT

    root = Path(content_dir or os.environ.get("LMS_CONTENT_DIR") or REPO_ROOT)
    if not root.is_dir():
        raise click.UsageError(f"no such content folder: {root}")
    return root


@main.command("create-org")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--domain", "domains", multiple=True,
              help="An e-mail domain the company owns (repeat for several).")
@with_appcontext
def create_org(slug: str, name: str, domains: tuple[str, ...]):
    """Add a partner company."""
    try:
        org = accounts.create_organization(slug, name, actor_id=None, domains=list(domains))
    except Invalid as exc:
        raise click.ClickException(f"{exc.field}: {_words(exc.message)}") from None
    click.echo(f"created organisation {org.slug}")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["learner", "trainer", "manager", "admin"]))
@click.option("--org", "org_slug", default=None)
@click.option("--password", default=None)
@with_appcontext
def create_user(email, name, role, org_slug, password):
    """Add a user (prompts for the password when omitted)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    item = accounts.NewUser(email=email, name=name, role=role, org_slug=org_slug, password=password)
    try:
        accounts.create_users([item], actor_id=None)
    except Invalid as exc:
        raise click.ClickException(f"{exc.field}: {_words(exc.message)}") from None
    click.echo(f"created user {accounts.normalise_email(email)}", err=True)


@main.command("create-token")
@click.option("--email", required=True)
@with_appcontext
def create_token(email: str):
    """Print a new API token for that user, once, alone on stdout."""
    try:
        token = accounts.create_token(email)
    except NotFound:
        raise click.ClickException(f"no user with email {email}") from None
    click.echo(token)


@main.command("invite")
@click.argument("email_argument", metavar="[EMAIL]", required=False)
@click.option("--email", default=None, help="Who is invited (or give it as the argument).")
@click.option("--role", required=True, type=click.Choice(["learner", "trainer", "manager", "admin"]))
@click.option("--org", "--company", "org_slug", default=None, help="The partner company's slug.")
@with_appcontext
def invite(email_argument, email, role, org_slug):
    """Invite a person: prints the invitation URL alone on stdout (it is e-mailed too)."""
    from lms.services import invitations

    address = email or email_argument
    if not address:
        raise click.UsageError("give the address: lms invite --email E --role R [--org S]")
    try:
        [url] = invitations.invite([invitations.Invitee(address, role, org_slug)], actor=None,
                                   address="cli")
    except Invalid as exc:
        raise click.ClickException(f"{exc.field}: {_words(exc.message)}") from None
    click.echo(url)


@main.command("import-users")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def import_users(file):
    """Bulk add users from CSV (email,name,role,org[,password]); a bad row adds none."""
    data = file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise click.ClickException(
            f"line {line}: the file is not UTF-8 text; save it as CSV UTF-8 (nothing imported)"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    items, lines = [], []
    try:
        missing = {"email", "name", "role", "org"} - set(reader.fieldnames or [])
        if missing:
            raise click.ClickException(f"line 1: missing column(s): {', '.join(sorted(missing))}")
        for row in reader:
            items.append(accounts.NewUser(
                email=(row.get("email") or "").strip(), name=(row.get("name") or "").strip(),
                role=(row.get("role") or "").strip(),
                org_slug=(row.get("org") or "").strip() or None,
                password=(row.get("password") or None)))
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise click.ClickException(f"line {reader.line_num}: not a valid CSV row: {exc} "
                                   "(nothing imported)") from None
    if not items:
        raise click.ClickException("no rows to import")
    # Every bad row, by line, before anything is added (docs/operations.md).
    problems = accounts.new_user_problems(items)
    if problems:
        for exc in problems:
            click.echo(f"line {lines[exc.extra['index']]}: {exc.field}: {_words(exc.message)}",
                       err=True)
        raise click.ClickException(f"{len(problems)} bad row(s); nothing imported")
    try:
        accounts.create_users(items, actor_id=None)
    except Invalid as exc:
        index = exc.extra.get("index", 0)
        raise click.ClickException(
            f"line {lines[index]}: {exc.field}: {_words(exc.message)} (nothing imported)") from None
    click.echo(f"imported {len(items)} user(s)")


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup(path: str):
    """A consistent online backup of the database (uploaded files included) while the site runs."""
    from lms.backup import BackupError, run_backup
    from lms.extensions import db

    try:
        lines = run_backup(db.engine.url, Path(path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    for line in lines:
        click.echo(line)


def register_commands(app) -> None:
    """Commands live on the `main` group; nothing to attach to the app itself."""


@main.command("sweep")
@with_appcontext
def sweep():
    """Submit overdue attempts, expire certifications, re-evaluate tiers (idempotent)."""
    from lms.models.types import utcnow
    from lms.services.sweep import run_sweep

    require_public_origin()
    for result in run_sweep(utcnow()):
        click.echo(f"{result.name}: {result.changed}" + (f" ({result.detail})" if result.detail else ""))


@main.command("worker")
@click.option("--interval", default=2.0, show_default=True, type=float,
              help="Seconds between looks at the outbox when nothing is due.")
@click.option("--parent-pid", default=None, type=int, hidden=True)
@click.option("--lease", default=None, type=int, hidden=True,
              help="Seconds a claimed message is held before another worker may retry it.")
@with_appcontext
def worker(interval: float, parent_pid: int | None, lease: int | None):
    """Deliver the outbox (e-mail, webhooks) until stopped; several may run at once."""
    import signal
    import threading

    from lms.mail.delivery import run_worker

    app = current_app._get_current_object()
    if lease:
        app.config["OUTBOX_LEASE_SECONDS"] = lease
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("outbox delivery worker running", err=True)
    run_worker(app, stop, interval=interval, parent_pid=parent_pid)


@main.command("revoke")
@click.argument("assertion_id")
@click.option("--reason", required=True, help="Why it is revoked (told to the holder, audited).")
@with_appcontext
def revoke(assertion_id: str, reason: str):
    """Revoke an awarded certification and its badge."""
    from lms.services.certifications import revoke as revoke_certification
    from lms.services.errors import ServiceError

    require_public_origin()
    try:
        cert = revoke_certification(assertion_id.strip(), reason, actor_id=None, address="cli")
    except ServiceError as exc:
        raise click.ClickException(f"{exc.code}: {_words(exc.message)}") from None
    click.echo(f"revoked {cert.level} certification {cert.id}")


# Authoring commands (import-quiz, new) register themselves on `main`.
from lms import cli_authoring  # noqa: E402,F401  (imported for its commands)
from lms import cli_keys  # noqa: E402,F401  (`lms keys show|rotate`)
from lms import cli_webhooks  # noqa: E402,F401  (lms webhook …)
