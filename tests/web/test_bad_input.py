"""Bad input gives a clear 4xx, never a 500: huge save numbers, deeply nested JSON and NUL
characters on every JSON route, absurd page numbers, over-long names and non-UTF-8 CSV
on the command line. Runs on SQLite and, with LMS_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.cli import main
from lms.models import Attempt, User
from lms.paging import MAX_PAGE, page_from
from tests.conftest import csrf_token, login

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


def auth(token):
    return {"Authorization": f"Bearer {token}"}


# -- seq: 64-bit, larger refused with 422 ----------------------------------------------------


@pytest.fixture()
def api_attempt(client, make):
    user = make.user("learner", org=make.org("input-co"))
    headers = auth(make.token(user))
    attempt = client.post("/api/v1/quizzes/basics-quiz/attempts", headers=headers).json
    return client, headers, attempt["id"]


@pytest.mark.parametrize("seq", [2**31, 1_767_000_000_000, 2**63 - 1])
def test_large_seq_such_as_a_millisecond_timestamp_is_stored(api_attempt, db, seq):
    client, headers, attempt_id = api_attempt
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                          json={"answers": {"ttfd": "x"}, "seq": seq})
    assert response.status_code == 200, response.json
    assert response.json["seq"] == seq
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).last_seq == seq


@pytest.mark.parametrize("seq", [2**63, 2**64 + 5, 10**30, -(2**63) - 1])
def test_seq_beyond_64_bits_is_a_clear_422(api_attempt, db, seq):
    client, headers, attempt_id = api_attempt
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                          json={"answers": {"ttfd": "x"}, "seq": seq})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "seq_out_of_range"
    assert response.json["error"]["field"] == "seq"
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).answers == {}


def test_seq_beyond_64_bits_on_the_page_routes(client, signed_in, db):
    user = signed_in("learner")
    token = csrf_token(client, "/quizzes/basics-quiz")
    started = client.post("/quizzes/basics-quiz/start", data={"csrf_token": token})
    attempt_id = started.headers["Location"].rsplit("/", 1)[-1]
    autosave = client.post(f"/attempts/{attempt_id}/autosave", headers={"X-CSRFToken": token},
                           json={"answers": {"ttfd": "x"}, "seq": 2**63})
    assert autosave.status_code == 422
    assert autosave.json["error"]["code"] == "seq_out_of_range"
    form = client.post(f"/attempts/{attempt_id}", data={"csrf_token": token, "seq": str(2**64),
                                                        "q-ttfd": "x", "action": "save"})
    assert form.status_code == 422
    assert db.session.scalar(select(Attempt.answers).where(Attempt.user_id == user.id)) == {}


# -- JSON nesting and NUL on every JSON route --------------------------------------------------


def _json_routes(app):
    """Every API route (any method) and the page autosave, with placeholder arguments."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1") or rule.endpoint == "quiz.autosave"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return routes


def test_every_json_route_is_listed(app):
    routes = _json_routes(app)
    assert ("PUT", "/api/v1/attempts/1/answers") in routes
    assert ("POST", "/attempts/1/autosave") in routes
    assert len(routes) >= 15


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, '{"answers": {"ttfd": "a\\u0000b"}, "seq": 1}',
                                  '{"a\\u0000": 1}'], ids=["array", "object", "nul", "nul-key"])
def test_every_json_route_refuses_deep_nesting_and_nul_with_400(app, client, make, body):
    user = make.user("admin")
    headers = {**auth(make.token(user)), "Content-Type": "application/json"}
    for method, path in _json_routes(app):
        response = client.open(path, method=method, data=body, headers=headers)
        assert response.status_code == 400, (method, path, response.status_code)
        assert response.json["error"]["code"] == "invalid_body", (method, path)


def test_deep_nesting_inside_a_valid_autosave_is_refused_not_a_500(api_attempt):
    client, headers, attempt_id = api_attempt
    body = '{"seq": 1, "answers": {"ttfd": ' + DEEP + "}}"
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers", data=body,
                          headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "32" in response.json["error"]["message"]  # says how deep is allowed


def test_shallow_json_with_brackets_in_strings_still_works(api_attempt):
    client, headers, attempt_id = api_attempt
    text = "[[[{{{" * 100
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers", headers=headers,
                          json={"answers": {"ttfd": text}, "seq": 1})
    assert response.status_code == 200 and response.json["answers"]["ttfd"] == text


def test_nul_in_a_form_value_or_address_is_a_400(client, make):
    user = make.user("learner", org=make.org("nul-co"))
    token = csrf_token(client)
    response = client.post("/language", data={"lang": "ja\0", "next": "/", "csrf_token": token})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    # The sign-in form checks its own fields, so a NUL address also counts against the
    # throttle (tests/web/test_throttle.py); it is a 400 all the same.
    response = client.post("/login", data={"email": user.email + "\0", "password": "x",
                                            "csrf_token": token})
    assert response.status_code == 400
    assert client.get("/certifications/people?q=a%00b").status_code == 400
    assert client.get("/api/v1/attempts/a%00b", headers=auth(make.token(user))).status_code == 400


# -- page numbers -------------------------------------------------------------------------------


def test_page_from_clamps_every_absurd_value():
    assert page_from({}) == 1
    for raw in ("", "0", "-3", "abc", "1e9", "٣", "1.5", " "):
        assert page_from({"page": raw}) == 1, raw
    assert page_from({"page": "7"}) == 7
    assert page_from({"page": "7"}, pages=3) == 3
    assert page_from({"page": "9" * 5000}) == MAX_PAGE
    assert page_from({"page": str(10**30)}, pages=4) == 4


ABSURD = [str(10**30), "9" * 5000, "-1", "0", "x", str(2**63)]


@pytest.mark.parametrize("role, path", [
    ("admin", "/admin/users"),
    ("admin", "/certifications/people"),
    ("manager", "/partners/"),
    ("manager", "/partners/expiring"),
])
def test_absurd_page_numbers_are_clamped(client, signed_in, role, path):
    signed_in(role)
    for raw in ABSURD:
        response = client.get(f"{path}?page={raw}")
        assert response.status_code == 200, (path, raw, response.status_code)


def test_absurd_page_numbers_on_a_company_and_a_discussion(client, make, signed_in):
    org = make.org("paging-co")
    signed_in("manager", org=org)
    for raw in ABSURD:
        assert client.get(f"/partners/paging-co?page={raw}").status_code == 200, raw
        assert client.get(f"/courses/getting-started/lessons/01-welcome/discussion?page={raw}"
                          ).status_code in (200, 404), raw


# -- command line: names and CSV --------------------------------------------------------------


@pytest.fixture()
def run(app, db):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(main, list(args))
        db.session.rollback()
        return result

    return invoke


def test_create_user_with_a_name_over_200_characters_is_a_clear_error(run, db):
    result = run("create-user", "--email", "long@example.com", "--name", "長" * 201,
                 "--role", "admin", "--password", "correct horse battery staple")
    assert result.exit_code == 1
    assert "name" in result.output and "200" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert db.session.scalar(select(User).where(User.email == "long@example.com")) is None
    ok = run("create-user", "--email", "long@example.com", "--name", "長" * 200,
             "--role", "admin", "--password", "correct horse battery staple")
    assert ok.exit_code == 0, ok.output


def test_create_user_with_an_email_over_254_characters_is_a_clear_error(run):
    result = run("create-user", "--email", "a" * 250 + "@example.com", "--name", "A",
                 "--role", "admin", "--password", "correct horse battery staple")
    assert result.exit_code == 1 and "email" in result.output
    assert isinstance(result.exception, SystemExit)


def test_create_org_with_a_name_over_200_characters_is_a_clear_error(run):
    result = run("create-org", "--slug", "long-co", "--name", "社" * 201)
    assert result.exit_code == 1 and "200" in result.output
    assert isinstance(result.exception, SystemExit)


def test_import_users_with_a_long_name_reports_the_line(run, db, make, tmp_path):
    make.org("import-co")
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,role,org\nok@example.com,OK,learner,import-co\n"
                   f"long@example.com,{'名' * 201},learner,import-co\n", encoding="utf-8")
    result = run("import-users", str(csv))
    assert result.exit_code == 1
    assert "line 3: name:" in result.output and "200" in result.output
    assert isinstance(result.exception, SystemExit)
    assert db.session.scalar(select(User).where(User.email == "ok@example.com")) is None


def test_import_users_of_a_shift_jis_csv_is_a_clear_error(run, db, make, tmp_path):
    make.org("import-co")
    csv = tmp_path / "people.csv"
    csv.write_bytes("email,name,role,org\nok@example.com,OK,learner,import-co\n"
                    "taro@example.com,山田 太郎,learner,import-co\n".encode("cp932"))
    result = run("import-users", str(csv))
    assert result.exit_code == 1
    assert "UTF-8" in result.output and "line 3" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert db.session.scalar(select(User).where(User.email == "ok@example.com")) is None


def test_import_users_with_a_control_character_in_a_name(run, db, make, tmp_path):
    make.org("import-co")
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,role,org\nnul@example.com,a\0b,learner,import-co\n",
                   encoding="utf-8")
    result = run("import-users", str(csv))
    assert result.exit_code == 1 and "line 2" in result.output
    assert isinstance(result.exception, SystemExit)


def test_every_get_route_survives_absurd_query_values(app, client, make):
    """Paging and filter parameters of every page and API list: clamped or a 4xx."""
    make.org("probe-co")
    admin = make.user("admin")
    headers = {"Authorization": f"Bearer {make.token(admin)}"}
    login(client, admin)
    names = ("page", "after", "limit", "q", "sort", "dir", "status", "tier", "eligible", "keys")
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith("/static"):
            continue
        for value in ("9" * 5000, str(10**30), "-1", "x"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>",
                          lambda m: "probe-co" if "slug" in m.group(1) else "1", rule.rule)
            query = "&".join(f"{name}={value}" for name in names)
            response = client.get(f"{path}?{query}", headers=headers)
            if response.status_code >= 500:
                failures.append((path, value[:12], response.status_code))
    assert failures == []
