"""``lms keys``: the Open Badges 3.0 issuer key (show, rotate)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.cli import main, require_public_origin


@main.group("keys")
def keys_group():
    """The Open Badges 3.0 issuer signing key."""


@keys_group.command("show")
@with_appcontext
def show():
    """List the published keys: the current one first, then the retired ones."""
    from lms.extensions import db
    from lms.ob3 import keys

    require_public_origin()
    current = keys.current_key().thumbprint
    rows = keys.published_keys()
    db.session.commit()
    for row in sorted(rows, key=lambda r: (r.kid != current, r.created_at)):
        state = "current" if row.kid == current else (
            "retired " + row.retired_at.strftime("%Y-%m-%dT%H:%M:%SZ") if row.retired_at
            else "published")
        click.echo(f"{keys.key_id(row.kid)}\t{state}")


@keys_group.command("rotate")
@with_appcontext
def rotate():
    """Sign new credentials with a new key; the old key stays published so old ones verify."""
    from lms.ob3 import keys

    require_public_origin()
    try:
        old, new = keys.rotate()
    except keys.KeyNotRotatable as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"retired {old}")
    click.echo(f"current {new}")
