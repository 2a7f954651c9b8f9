"""Real-HTTP tests against `lms serve --demo` (gunicorn) in a subprocess; see tests/live_server.py."""

from __future__ import annotations

import pytest

from tests.live_server import HttpSession, LiveServer, live_server  # noqa: F401 - the fixture


@pytest.fixture()
def http(live_server: LiveServer) -> HttpSession:  # noqa: F811
    """A fresh cookie jar against the live server (signed out)."""
    with live_server.http() as session:
        yield session
