"""Search tests run against their own small content (tests/search/content), Japanese text,
a draft course, and characters that mean something to LIKE and HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import IsolatedClient, make_app

CONTENT = Path(__file__).parent / "content"


@pytest.fixture(scope="session")
def app(app, tmp_path_factory):
    search_app = make_app(tmp_path_factory.mktemp("search"),
                          SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                          CONTENT_DIR=str(CONTENT))
    search_app.test_client_class = IsolatedClient
    return search_app
