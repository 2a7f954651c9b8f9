"""Every state-changing route refuses a request without a CSRF token; no GET changes anything.

Both tests walk the app's URL map, so routes added later are covered without editing
this file.
"""

from __future__ import annotations

import uuid

from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter, UUIDConverter

from tests.conftest import post_form
from tests.web.helpers import table_snapshot

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def example_values(make) -> dict[str, object]:
    """Real rows to put into URLs: a company, a user of it, a published course and lesson."""
    org = make.org("tokyo-si", name="東京SI")
    learner = make.user("learner", org=org)
    return {"org": org, "user": learner}


def build_url(app, rule, rows) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        lowered = name.lower()
        if isinstance(converter, IntegerConverter):
            values[name] = rows["user"].id
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.uuid4()
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, PathConverter):
            values[name] = "media/diagram.svg"
        elif "lesson" in lowered:
            values[name] = "welcome"
        elif "org" in lowered or "company" in lowered:
            values[name] = rows["org"].slug
        elif "level" in lowered or "cert" in lowered:
            values[name] = "bronze"
        elif lowered.endswith("id") or "user" in lowered:
            values[name] = str(rows["user"].id)
        else:
            values[name] = "getting-started"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values, _external=False)


def test_every_state_changing_route_outside_the_api_needs_a_csrf_token(app, client, make,
                                                                        signed_in):
    rows = example_values(make)
    signed_in("admin")  # signed in as the most powerful role, so only CSRF can refuse
    checked, failures = [], []
    for rule in app.url_map.iter_rules():
        methods = rule.methods & STATE_CHANGING
        # The JSON API and SCIM take bearer tokens only, never cookies: no CSRF there.
        if not methods or rule.endpoint.startswith(("api.", "scim.")) or \
                rule.rule.startswith(("/api/", "/scim/")):
            continue
        url = build_url(app, rule, rows)
        for method in sorted(methods):
            response = client.open(url, method=method, data={"anything": "1"})
            checked.append(f"{method} {rule.rule}")
            if response.status_code != 400:
                failures.append(f"{method} {url} -> {response.status_code}")
    assert failures == [], "accepted without a CSRF token"
    # The walk found the foundation's forms (so the filter above is not too broad).
    for expected in ("POST /login", "POST /logout", "POST /language", "POST /settings/password",
                     "POST /settings/preferences", "POST /admin/users",
                     "POST /admin/organizations",
                     "POST /courses/<slug>/lessons/<lesson_slug>/done"):
        assert expected in checked


def test_a_wrong_csrf_token_is_refused_too(client, signed_in):
    signed_in("learner")
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_sign_out_is_post_only(client, signed_in):
    signed_in("learner")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    assert post_form(client, "/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_no_get_route_changes_anything(app, client, make, signed_in, db):
    rows = example_values(make)
    signed_in("admin")
    client.get("/")  # let the sign-in's own writes settle
    before = table_snapshot(db)
    visited, errors = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = build_url(app, rule, rows)
        response = client.get(url)
        visited.append(rule.rule)
        if response.status_code >= 500:
            errors.append(f"GET {url} -> {response.status_code}")
    assert errors == []
    after = table_snapshot(db)
    # Writes by design, each in a table of its own: /healthz's write probe proves the database
    # takes writes (docs/operations.md, "Health checks"); the first Open Badges 3.0 document
    # served records the issuer's public key, so credentials keep verifying after rotation.
    by_design = {"health_probes", "ob3_keys"}
    changed = [name for name in before if before[name] != after[name] and name not in by_design]
    assert changed == [], f"GET requests wrote to {changed}"
    assert "/courses/<slug>/lessons/<lesson_slug>" in visited and "/admin/users" in visited
    # Routes that change state answer GET with 405, never by doing it.
    for path in ("/logout", "/language", "/settings/password",
                 "/courses/getting-started/lessons/welcome/done"):
        assert client.get(path).status_code == 405, path
