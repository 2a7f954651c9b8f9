"""Every page a learner or an admin sees is valid HTML (Nu HTML checker, vnu.jar)."""

from __future__ import annotations

from tests.a11y.tools import assert_valid_html
from tests.live_server import ADMIN_PAGES, ANONYMOUS_PAGES, DEMO_USERS, LEARNER_PAGES, LiveServer


def fetch(session, name: str, path: str, into: dict[str, str]) -> None:
    response = session.get(path, allow_redirects=False)
    assert response.status_code == 200, f"{name} ({path}): HTTP {response.status_code}"
    assert "text/html" in response.headers["Content-Type"]
    into[name] = response.text


def test_pages_are_valid_html(live_server: LiveServer):
    pages: dict[str, str] = {}
    with live_server.http() as anonymous:
        for name, path in ANONYMOUS_PAGES.items():
            fetch(anonymous, f"{name} (ja)", path, pages)
        anonymous.headers["Accept-Language"] = "en"
        for name, path in ANONYMOUS_PAGES.items():
            fetch(anonymous, f"{name} (en)", path, pages)
        missing = anonymous.get("/no-such-page")
        assert missing.status_code == 404
        pages["404 page"] = missing.text
        css = anonymous.get("/static/css/app.css")
        assert css.status_code == 200

    learner = live_server.create_user()
    with live_server.http() as session:
        session.sign_in(learner.email)
        for name, path in LEARNER_PAGES.items():
            fetch(session, f"{name} (ja)", path, pages)
        # The learner picks English in the header's language form.
        switched = session.post_form("/language", {"lang": "en", "next": "/"}, page="/",
                                     allow_redirects=False)
        assert switched.status_code == 302
        for name, path in LEARNER_PAGES.items():
            fetch(session, f"{name} (en)", path, pages)

    with live_server.http() as admin:
        admin.sign_in(DEMO_USERS["admin"])
        for name, path in ADMIN_PAGES.items():
            fetch(admin, name, path, pages)

    assert_valid_html(pages, css={"app.css": css.text})
