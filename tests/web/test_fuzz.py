"""Fuzz pass: no route answers 500, whatever it is sent.

- Every operation of /api/v1/openapi.json through schemathesis (generated paths, queries and
  bodies), with a learner's token, then an admin's.
- The attempt API with a real attempt (the stateful part schemathesis cannot guess):
  generated answers and sequence numbers, of any JSON shape and size.
- Every JSON route with generated JSON of any shape.
- Every form POST route of the site with a valid CSRF token, signed in as the user the
  route is for, real ids in the path and generated values for every form field the site
  knows, hostile ones included (NUL, 10,001 characters, 5,000 digits, CRLF, Unicode).

Bounded (few examples per route, derandomized) so the whole file takes well under a minute on
an idle machine, on SQLite and PostgreSQL (timed by people, not asserted: the machine is shared).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from wtforms.fields.core import UnboundField

from lms.models.types import utcnow
from lms.services import attempts as attempt_service
from lms.services import discussions
from tests.conftest import csrf_token, login
from tests.web.helpers import REPO_ROOT

EXAMPLES = 10
GRACE = timedelta(seconds=5)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

HOSTILE = ["", " ", "0", "-1", "1.5", "1e309", "NaN", str(2**31), str(2**63), str(10**30),
           "9" * 5000, "x" * 10_001, "a\r\nb" * 3, "a\0b", "１２３", "山田 太郎", "<script>x</script>",
           "' OR 1=1 --", "../../etc/passwd", "//evil.example", "2026-13-45", "true", "admin",
           "learner", "getting-started", "\u202e\u200b", "😀" * 50]
WORST = ["a\0b", str(2**63), str(10**30), "9" * 5000, "x" * 10_001]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=20)

# -- the world the routes act on -------------------------------------------------------------


@pytest.fixture()
def world(app, db, make):
    org = make.org("fuzz-co")
    learner = make.user("learner", org=org)
    target = make.user("learner", org=org)
    admin = make.user("admin")
    quiz = app.extensions["lms.content"].quiz("timed-exam")
    open_attempt, _ = attempt_service.start_attempt(learner, quiz, utcnow(), GRACE)
    other = make.user("learner", org=org)
    closed, _ = attempt_service.start_attempt(other, quiz, utcnow(), GRACE)
    attempt_service.save_answers(other, closed.id, {"t-essay": "an essay"}, 1, utcnow(), GRACE)
    attempt_service.submit(other, closed.id, utcnow(), GRACE)
    post = discussions.ask(target, "getting-started", "01-welcome", "質問です", False, utcnow())
    return {"learner": learner, "target": target, "admin": admin, "open": open_attempt.id,
            "closed": closed.id, "post": post.id, "learner_token": make.token(learner),
            "admin_token": make.token(admin)}


def _path_for(rule: str, world) -> str:
    """The rule with real ids and slugs where the route takes them."""
    by_name = {
        "user_id": world["target"].id, "post_id": world["post"], "notification_id": 1,
        "lesson_slug": "01-welcome", "assertion_id": "0" * 32,
        "attempt_id": world["closed"] if rule.startswith("/grading") else world["open"],
    }
    slug = ("timed-exam" if rule.startswith("/quizzes") else
            "fuzz-co" if rule.startswith("/partners") else "getting-started")

    def value(match):
        name = match.group(1)
        return str(by_name.get(name, slug if name == "slug" else "1"))

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule)


def _form_field_names(app) -> list[str]:
    """Every field name of the site's WTForms and of its hand-written forms."""
    names = {"csrf_token", "q-t-essay", "q-t-bonus", "q-margin", "file"}
    stack = list(FlaskForm.__subclasses__())
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        names.update(k for k, v in vars(form).items() if isinstance(v, UnboundField))
    for template in Path(REPO_ROOT, "templates").rglob("*.html"):
        names.update(re.findall(r'name="([a-z][a-z0-9_-]*)"', template.read_text(encoding="utf-8")))
    names.discard("viewport")
    return sorted(names)


def _form_routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith(("/api/", "/static")) or "POST" not in (rule.methods or ()):
            continue
        yield rule


def test_every_form_post_route_answers_without_a_500(app, world):
    fields = _form_field_names(app)
    forms = st.dictionaries(st.sampled_from(fields), st.one_of(VALUES, st.lists(VALUES, max_size=3)),
                            max_size=8)
    failures, routes = [], 0
    for rule in _form_routes(app):
        if rule.endpoint == "auth.logout":
            continue  # tried last, on its own: it ends the session every other route needs
        user = world["learner"] if rule.rule.startswith("/attempts") else world["admin"]
        client = app.test_client()
        assert login(client, user).status_code == 302
        token = csrf_token(client, "/settings")
        path = _path_for(rule.rule, world)
        routes += 1

        @given(form=forms)
        @SETTINGS
        def post(form):
            data = {**form, "csrf_token": token}
            response = client.post(path, data=data)
            if response.status_code >= 500:
                failures.append(f"POST {path} {data!r:.300} -> {response.status_code}")

        post()
        # And every field at once with each of the nastiest values.
        for nasty in WORST:
            data = {name: nasty for name in fields} | {"csrf_token": token}
            response = client.post(path, data=data)
            if response.status_code >= 500:
                failures.append(f"POST {path} every field={nasty!r:.40} -> {response.status_code}")
    client = app.test_client()
    login(client, world["admin"])
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/settings"),
                                        "next": "//evil.example"}).status_code < 500
    assert failures == [], "\n".join(failures[:20])
    assert routes >= 25


def test_every_json_route_survives_generated_json(app, client, world):
    headers = {"Authorization": f"Bearer {world['learner_token']}",
               "Content-Type": "application/json"}
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _path_for(rule.rule, world)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS", "GET"}):

            @given(body=JSON_VALUES)
            @SETTINGS
            def send(body):
                response = client.open(path, method=method, data=json.dumps(body), headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{method} {path} {body!r:.200} -> {response.status_code}")

            send()
    assert failures == [], "\n".join(failures[:20])


def test_saving_answers_to_a_real_attempt_never_fails(client, world):
    headers = {"Authorization": f"Bearer {world['learner_token']}"}
    path = f"/api/v1/attempts/{world['open']}/answers"
    answers = st.dictionaries(st.sampled_from(["t-essay", "t-bonus", "t-choice", "t-multi", "x"]),
                              st.one_of(VALUES, JSON_VALUES), max_size=4)
    seqs = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from(
        [2**31, 2**63 - 1, 2**63, 10**30]), JSON_VALUES)
    failures = []

    @given(answers=answers, seq=seqs)
    @SETTINGS
    def save(answers, seq):
        response = client.put(path, headers=headers, json={"answers": answers, "seq": seq})
        if response.status_code >= 500 or response.status_code == 200 and any(
                response.json["answers"].get(k) is None for k, v in answers.items() if v):
            failures.append(f"{answers!r:.200} seq={seq!r:.40} -> {response.status_code}")

    save()
    assert failures == [], "\n".join(failures[:20])


@pytest.mark.parametrize("who", ["learner_token", "admin_token"])
def test_every_openapi_operation_answers_without_a_500(app, world, who):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {world[who]}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    failures, calls = [], 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=(not_a_server_error,))

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc!r}"[:400])
    assert failures == [], "\n\n".join(failures)
    assert calls >= 2 * len(operations)
