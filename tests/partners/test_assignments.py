"""Assignments: a manager assigns, the learner is told (centre and e-mail) and sees it on the
home page, it completes by itself, and managers see it (overdue marked) on the company page,
the list page and the API. Scoping: every new route, every role, two companies."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.models import Assignment, Notification, OutboxMessage
from lms.models.types import utcnow
from tests.conftest import csrf_token, login, post_form

ROLES = ("learner", "trainer", "partner_manager", "channel_manager", "admin")


@pytest.fixture()
def world(db, make):
    alpha = make.org("alpha", name="Alpha KK")
    beta = make.org("beta", name="Beta KK")
    users = {
        "ann": make.user("learner", org=alpha, email="ann@alpha.example", locale="ja"),
        "amy": make.user("learner", org=alpha, email="amy@alpha.example", locale="en"),
        "bob": make.user("learner", org=beta, email="bob@beta.example"),
        "learner": make.user("learner", org=alpha),
        "trainer": make.user("trainer"),
        "partner_manager": make.user("manager", org=alpha, email="pm@alpha.example"),
        "channel_manager": make.user("manager", email="cm@vendor.example"),
        "admin": make.user("admin"),
    }
    return alpha, beta, users


def assign_form(client, slug, **data):
    data.setdefault("target", "course:basics")
    data.setdefault("due_on", (date.today() + timedelta(days=14)).isoformat())
    data["csrf_token"] = csrf_token(client, "/settings")
    return client.post(f"/partners/{slug}/assignments", data=data)


def finish_basics(client):
    for lesson in ("intro", "pricing"):
        response = client.post(f"/courses/basics/lessons/{lesson}/done", data={
            "csrf_token": csrf_token(client, f"/courses/basics/lessons/{lesson}")})
        assert response.status_code == 302, response.get_data(as_text=True)


def test_lifecycle_assign_tell_show_complete(client, world):
    alpha, _beta, users = world
    ann, amy = users["ann"], users["amy"]
    login(client, users["partner_manager"])
    due = date.today() + timedelta(days=10)
    response = assign_form(client, "alpha", people=[str(ann.id), str(amy.id)],
                           due_on=due.isoformat())
    assert response.status_code == 303, response.get_data(as_text=True)
    rows = db.session.scalars(select(Assignment).order_by(Assignment.user_id)).all()
    assert [(r.user_id, r.kind, r.target, r.due_on) for r in rows] == [
        (ann.id, "course", "basics", due), (amy.id, "course", "basics", due)]
    # Told once each, in the notification centre and by e-mail in their own language.
    kinds = db.session.scalars(select(Notification.kind)
                               .where(Notification.user_id == ann.id)).all()
    assert kinds == ["assignment_given"]
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(mails) == {"ann@alpha.example", "amy@alpha.example"}
    assert "新しい課題" in mails["ann@alpha.example"].subject
    assert "New assignment: Basics" in mails["amy@alpha.example"].subject
    assert "http://academy.test/courses/basics" in mails["amy@alpha.example"].body
    # Assigning again with the same date tells nobody twice.
    assign_form(client, "alpha", people=[str(ann.id)], due_on=due.isoformat())
    assert db.session.query(OutboxMessage).count() == 2

    # The learner's home page lists it with its due date; the notification is in the centre.
    post_form(client, "/logout")
    login(client, ann)
    home = client.get("/").get_data(as_text=True)
    assert "あなたの課題" in home and "Basics" in home and f"{due.year}年{due.month}月{due.day}日" in home
    assert "新しい課題" not in home  # the subject is for mail; the centre has its own text
    inbox = client.get("/notifications").get_data(as_text=True)
    assert "Basics" in inbox

    # Finishing the course completes the assignment by itself.
    finish_basics(client)
    db.session.expire_all()
    row = db.session.scalar(select(Assignment).where(Assignment.user_id == ann.id))
    assert row.completed_at is not None
    amy_row = db.session.scalar(select(Assignment).where(Assignment.user_id == amy.id))
    assert amy_row.completed_at is None
    assert "完了" in client.get("/").get_data(as_text=True)


def test_certification_assignment_completes_when_held(client, world, certs):
    _alpha, _beta, users = world
    login(client, users["channel_manager"])
    assert assign_form(client, "alpha", target="certification:bronze",
                       people=[str(users["ann"].id)]).status_code == 303
    row = db.session.scalar(select(Assignment))
    assert row.completed_at is None
    # A higher level counts: silver holders have done bronze.
    certs.add(users["ann"], "silver", days=300)
    from lms.services.assignment_sweep import sweep_assignments

    sweep_assignments(utcnow())
    db.session.expire_all()
    assert db.session.get(Assignment, row.id).completed_at is not None


def test_already_done_is_complete_at_once_and_nobody_is_told(client, world, certs):
    _alpha, _beta, users = world
    certs.add(users["ann"], "bronze", days=300)
    login(client, users["partner_manager"])
    assign_form(client, "alpha", target="certification:bronze", people=[str(users["ann"].id)])
    assert db.session.scalar(select(Assignment)).completed_at is not None
    assert db.session.query(Notification).count() == 0
    assert db.session.query(OutboxMessage).count() == 0


def test_whole_company_and_bad_input(client, world):
    alpha, _beta, users = world
    login(client, users["partner_manager"])
    assert assign_form(client, "alpha", everyone="y").status_code == 303
    assigned = set(db.session.scalars(select(Assignment.user_id)))
    assert users["bob"].id not in assigned
    assert {users["ann"].id, users["amy"].id, users["learner"].id} <= assigned
    nobody = assign_form(client, "alpha", target="course:deep")
    assert nobody.status_code == 400 and "1 人以上" in nobody.get_data(as_text=True)
    past = assign_form(client, "alpha", target="course:deep", everyone="y",
                       due_on=(date.today() - timedelta(days=5)).isoformat())
    assert past.status_code == 400
    unknown = assign_form(client, "alpha", target="course:nope", everyone="y")
    assert unknown.status_code == 400
    assert db.session.query(Assignment).filter_by(target="deep").count() == 0


def test_overdue_shows_on_company_page_and_list(client, world):
    _alpha, _beta, users = world
    login(client, users["partner_manager"])
    assign_form(client, "alpha", people=[str(users["ann"].id)])
    row = db.session.scalar(select(Assignment))
    row.due_on, row.due_at = date.today() - timedelta(days=2), utcnow() - timedelta(days=1)
    db.session.commit()
    page = client.get("/partners/alpha").get_data(as_text=True)
    assert "期限切れの課題" in page and "ann@alpha.example" in page and "is-overdue" in page
    listing = client.get("/partners/assignments?status=overdue").get_data(as_text=True)
    assert "ann@alpha.example" in listing and "期限切れ" in listing
    post_form(client, "/logout")
    login(client, users["ann"])
    assert "assignment--overdue" in client.get("/").get_data(as_text=True)


# -- scoping: every new route, every role ---------------------------------------------------

PAGES = {
    "/partners/assignments": {"learner": 403, "trainer": 403, "partner_manager": 200,
                              "channel_manager": 200, "admin": 200},
    "/partners/alpha/assignments": {"learner": 403, "trainer": 403, "partner_manager": 200,
                                    "channel_manager": 200, "admin": 200},
    "/partners/beta/assignments": {"learner": 403, "trainer": 403, "partner_manager": 403,
                                   "channel_manager": 200, "admin": 200},
    "/partners/nowhere/assignments": {"learner": 403, "trainer": 403, "partner_manager": 404,
                                      "channel_manager": 404, "admin": 404},
}


def _seed(users):
    """An assignment in each company, written directly."""
    from lms.services.assignments import due_moment

    due = date.today() + timedelta(days=20)
    for who in ("ann", "bob"):
        db.session.add(Assignment(user_id=users[who].id, kind="course", target="deep",
                                  due_on=due, due_at=due_moment(due, "Asia/Tokyo"), notices=[]))
    db.session.commit()


@pytest.mark.parametrize("role", ROLES)
def test_pages_scoped(client, world, role):
    _alpha, _beta, users = world
    _seed(users)
    login(client, users[role])
    for path, expected in PAGES.items():
        response = client.get(path + "?status=all")
        assert response.status_code == expected[role], (role, path)
        body = response.get_data(as_text=True)
        if role == "partner_manager" and response.status_code == 200:
            assert "bob@beta.example" not in body and "Beta KK" not in body, path
            assert "ann@alpha.example" in body, path
        if role == "channel_manager" and path == "/partners/assignments":
            assert "bob@beta.example" in body and "ann@alpha.example" in body


@pytest.mark.parametrize("role", ROLES)
def test_assign_form_scoped(client, world, role):
    _alpha, _beta, users = world
    login(client, users[role])
    may_all = role in ("channel_manager", "admin")
    # Own company (alpha) by id list.
    alpha = assign_form(client, "alpha", people=[str(users["ann"].id)])
    assert alpha.status_code == (303 if role != "learner" and role != "trainer" else 403), role
    # Another company's page.
    beta = assign_form(client, "beta", people=[str(users["bob"].id)])
    assert beta.status_code == (303 if may_all else 403), role
    # Another company's person smuggled into one's own company's form: never assigned.
    smuggled = assign_form(client, "alpha", target="course:deep", people=[str(users["bob"].id)])
    assert smuggled.status_code in (400, 403, 404), role
    bob_rows = db.session.scalars(select(Assignment.target).where(
        Assignment.user_id == users["bob"].id)).all()
    assert bob_rows == (["basics"] if may_all else []), role
    if role == "partner_manager":
        form = client.get("/partners/alpha/assignments").get_data(as_text=True)
        assert "bob@beta.example" not in form


@pytest.mark.parametrize("role", ROLES)
def test_api_scoped(client, make, world, role):
    _alpha, _beta, users = world
    _seed(users)
    headers = {"Authorization": f"Bearer {make.token(users[role])}"}
    may_see = {"learner": set(), "trainer": set(), "partner_manager": {"alpha"},
               "channel_manager": {"alpha", "beta"}, "admin": {"alpha", "beta"}}[role]
    for slug in ("alpha", "beta"):
        response = client.get(f"/api/v1/organizations/{slug}/assignments?status=all",
                              headers=headers)
        assert response.status_code == (200 if slug in may_see else 403), (role, slug)
        if response.status_code == 200:
            emails = {i["person"]["email"] for i in response.json["items"]}
            assert emails == {f"{'ann@alpha' if slug == 'alpha' else 'bob@beta'}.example"}
    due = (date.today() + timedelta(days=9)).isoformat()
    to_bob = client.post("/api/v1/assignments", headers=headers,
                         json={"kind": "course", "target": "basics", "due_on": due,
                               "user_ids": [users["bob"].id]})
    expected = {"learner": 403, "trainer": 403, "partner_manager": 404}.get(role, 201)
    assert to_bob.status_code == expected, (role, to_bob.json)
    whole_beta = client.post("/api/v1/assignments", headers=headers,
                             json={"kind": "course", "target": "basics", "due_on": due,
                                   "organization": "beta"})
    assert whole_beta.status_code == (201 if role in ("channel_manager", "admin") else 403), role
    to_ann = client.post("/api/v1/assignments", headers=headers,
                         json={"kind": "certification", "target": "bronze", "due_on": due,
                               "user_ids": [users["ann"].id]})
    assert to_ann.status_code == (403 if role in ("learner", "trainer") else 201), role
    if to_ann.status_code == 201:
        item = to_ann.json["items"][0]
        assert item["kind"] == "certification" and item["status"] == "open"
        assert item["title"] == "Bronze Certification" and item["due_on"] == due
    beta_rows = db.session.scalars(select(Assignment.target).join(
        Assignment.user).where(Assignment.user_id == users["bob"].id)).all()
    assert sorted(beta_rows) == (["basics", "deep"] if role in ("channel_manager", "admin")
                                 else ["deep"]), role


def test_api_my_assignments(client, make, world):
    _alpha, _beta, users = world
    _seed(users)
    response = client.get("/api/v1/assignments",
                          headers={"Authorization": f"Bearer {make.token(users['ann'])}"})
    assert response.status_code == 200
    [item] = response.json["items"]
    assert item["target"] == "deep" and item["status"] == "open"
    assert item["url"] == "http://academy.test/courses/deep"
    assert "person" not in item


def test_deactivated_people_leave_the_managers_lists(client, world):
    _alpha, _beta, users = world
    _seed(users)
    users["ann"].active = False
    db.session.commit()
    login(client, users["partner_manager"])
    page = client.get("/partners/alpha").get_data(as_text=True)
    assert "未完了 0 件" in page
    listing = client.get("/partners/alpha/assignments?status=all").get_data(as_text=True)
    assert "ann@alpha.example" not in listing
