"""``lms webhook add|list|disable|enable|rotate-secret|redeliver|log``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.cli import _words, main
from lms.services.errors import ServiceError

ENDPOINT_ID = click.IntRange(1, 2**31 - 1)  # what the database's id column holds


def _fail(exc: ServiceError):
    detail = exc.extra.get("event")
    raise click.ClickException(f"{exc.code}: {_words(exc.message)}"
                               + (f" ({detail})" if detail else "")) from None


@main.group("webhook")
def webhook():
    """Webhook endpoints (Standard Webhooks): add, list, disable, rotate secrets, redeliver."""


@webhook.command("add")
@click.argument("url")
@click.option("--events", required=True, help="Comma-separated, e.g. certification.awarded,"
                                              "certification.revoked.")
@click.option("--secret", default=None, help="whsec_… (default: a new random secret).")
@click.option("--description", default="", help="A note for administrators.")
@with_appcontext
def add(url, events, secret, description):
    """Add an endpoint; print its id and secret."""
    from lms.services import webhooks

    try:
        endpoint = webhooks.add_endpoint(url, events, secret=secret, description=description,
                                         actor_id=None, address="cli")
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"id: {endpoint.id}")
    click.echo(f"secret: {endpoint.secret}")
    click.echo(f"events: {','.join(endpoint.events)}")


@webhook.command("list")
@with_appcontext
def list_endpoints():
    """Print every endpoint: id, state, pending messages, URL, events."""
    from lms.services import webhooks

    pending = webhooks.pending_counts()
    for endpoint in webhooks.endpoints():
        state = "enabled" if endpoint.enabled else "disabled"
        click.echo(f"{endpoint.id}\t{state}\tpending={pending.get(endpoint.id, 0)}\t"
                   f"{endpoint.url}\t{','.join(endpoint.events)}"
                   + (f"\t({endpoint.disabled_reason})" if not endpoint.enabled
                      and endpoint.disabled_reason else ""))


@webhook.command("disable")
@click.argument("endpoint_id", type=ENDPOINT_ID)
@with_appcontext
def disable(endpoint_id):
    """Stop delivering to an endpoint (its pending messages wait)."""
    from lms.services import webhooks

    try:
        webhooks.set_enabled(endpoint_id, False, actor_id=None, address="cli")
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"endpoint {endpoint_id} disabled")


@webhook.command("enable")
@click.argument("endpoint_id", type=ENDPOINT_ID)
@with_appcontext
def enable(endpoint_id):
    """Deliver to an endpoint again, starting with the messages that waited."""
    from lms.services import webhooks

    try:
        webhooks.set_enabled(endpoint_id, True, actor_id=None, address="cli")
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"endpoint {endpoint_id} enabled")


@webhook.command("rotate-secret")
@click.argument("endpoint_id", type=ENDPOINT_ID)
@with_appcontext
def rotate_secret(endpoint_id):
    """A new secret; the old one signs too until the overlap ends. Prints the new secret."""
    from lms.services import webhooks

    try:
        endpoint = webhooks.rotate_secret(endpoint_id, actor_id=None, address="cli")
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"secret: {endpoint.secret}")
    click.echo(f"old secret also signs until: {endpoint.previous_secret_until.isoformat()}")


@webhook.command("redeliver")
@click.argument("message_id")
@with_appcontext
def redeliver(message_id):
    """Queue a message (msg_…) again, with the same webhook-id."""
    from lms.services import webhooks

    try:
        message = webhooks.redeliver(message_id, actor_id=None, address="cli")
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{message.message_id} queued again")


@webhook.command("log")
@click.argument("endpoint_id", type=ENDPOINT_ID)
@click.option("--limit", default=20, show_default=True, type=int)
@with_appcontext
def log(endpoint_id, limit):
    """The latest delivery attempts: time, message, event, status code, milliseconds."""
    from lms.services import webhooks

    try:
        webhooks.endpoint(endpoint_id)
    except ServiceError as exc:
        _fail(exc)
    for attempt, message in webhooks.attempts(endpoint_id, limit=limit):
        click.echo(f"{attempt.attempted_at.isoformat()}\t{message.message_id}\t"
                   f"{message.event_type}\t{attempt.status_code or '-'}\t{attempt.duration_ms}ms"
                   + (f"\t{attempt.error}" if attempt.error else ""))
