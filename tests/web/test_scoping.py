"""Who may see what, for every foundation route with an id: role x company x route.

Partner-company pages (/partners, /api/v1/organizations) have their own matrix in
their tests; this one covers the catalog, course files, administration and the
learning API.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.models import ApiToken, LessonProgress
from lms.services.accounts import create_token
from lms.services.api_tokens import issue_scim_token
from tests.conftest import csrf_token, login

# Everyone the matrix signs in as: two companies' staff and the vendor's staff.
PEOPLE = {
    "learner-a": ("learner", "company-a"),
    "learner-b": ("learner", "company-b"),
    "partner-manager-a": ("manager", "company-a"),
    "channel-manager": ("manager", None),
    "trainer": ("trainer", None),
    "admin": ("admin", None),
}
SEES_DRAFTS = {"trainer", "admin"}

PUBLISHED = ["/courses/getting-started", "/courses/getting-started/lessons/welcome",
             "/courses/getting-started/files/media/diagram.svg"]
DRAFT = ["/courses/draft-course", "/courses/draft-course/lessons/secret",
         "/courses/draft-course/files/media/handout.txt"]


@pytest.fixture()
def people(make):
    orgs = {"company-a": make.org("company-a"), "company-b": make.org("company-b")}
    return {name: make.user(role, org=orgs[org] if org else None)
            for name, (role, org) in PEOPLE.items()}


def browser_of(app, user):
    browser = app.test_client()
    assert login(browser, user).status_code == 302
    return browser


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_course_pages_and_files_by_role(app, db, people, who):
    browser = browser_of(app, people[who])
    for path in PUBLISHED:
        assert browser.get(path).status_code == 200, path
    expected = 200 if who in SEES_DRAFTS else 404
    for path in DRAFT:
        assert browser.get(path).status_code == expected, (who, path)


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_marking_a_draft_lesson_done_by_role(app, db, people, who):
    browser = browser_of(app, people[who])
    token = csrf_token(browser, "/my")
    response = browser.post("/courses/draft-course/lessons/secret/done",
                            data={"csrf_token": token})
    assert response.status_code == (302 if who in SEES_DRAFTS else 404)
    rows = db.session.scalars(select(LessonProgress)).all()
    assert len(rows) == (1 if who in SEES_DRAFTS else 0)


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_admin_and_trainer_pages_by_role(app, db, people, who):
    browser = browser_of(app, people[who])
    admin_only = 200 if who == "admin" else 403
    for path in ("/admin/users", "/admin/organizations"):
        assert browser.get(path).status_code == admin_only, path
    token = csrf_token(browser, "/my")
    for path, data in (("/admin/users", {"email": "x@example.com", "name": "X", "role": "admin",
                                         "org": "", "password": "correct horse battery"}),
                       ("/admin/organizations", {"slug": "evil", "name": "Evil"})):
        response = browser.post(path, data={**data, "csrf_token": token})
        assert response.status_code == (302 if who == "admin" else 403), path
    status = browser.get("/admin/content").status_code
    assert status == (200 if who in ("trainer", "admin") else 403)
    # Another person's account page and a token for them: admins only.
    target = people["learner-b"]
    assert browser.get(f"/admin/users/{target.id}").status_code == admin_only
    response = browser.post(f"/admin/users/{target.id}/tokens", data={"csrf_token": token})
    assert response.status_code == (303 if who == "admin" else 403)  # then GET shows it once
    create_token(target.email)  # one issued by the operator, to reach the routes below
    issued = db.session.scalars(select(ApiToken).where(ApiToken.user_id == target.id)).first()
    assert browser.get(f"/admin/users/{target.id}/tokens/{issued.id}").status_code == admin_only
    response = browser.post(f"/admin/users/{target.id}/tokens/{issued.id}/revoke",
                            data={"csrf_token": token})
    assert response.status_code == (303 if who == "admin" else 403)
    # A company's page and its SCIM tokens: admins only.
    company = target.organization.slug
    assert browser.get(f"/admin/organizations/{company}").status_code == admin_only
    response = browser.post(f"/admin/organizations/{company}/scim-tokens",
                            data={"csrf_token": token, "name": "IdP"})
    assert response.status_code == (303 if who == "admin" else 403)
    scim = issue_scim_token(target.organization_id).row
    assert browser.get(f"/admin/organizations/{company}/scim-tokens/{scim.id}").status_code == \
        admin_only
    response = browser.post(f"/admin/organizations/{company}/scim-tokens/{scim.id}/revoke",
                            data={"csrf_token": token})
    assert response.status_code == (303 if who == "admin" else 403)
    response = browser.post(f"/admin/organizations/{company}", data={
        "csrf_token": token, "name": "Renamed", "domains": "", "active": "0"})
    assert response.status_code == (303 if who == "admin" else 403)
    response = browser.post(f"/admin/users/{target.id}", data={
        "csrf_token": token, "name": "Renamed", "role": "admin", "org": "", "active": "1"})
    assert response.status_code == (302 if who == "admin" else 403)


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_webhook_pages_are_for_admins_only(app, db, people, who):
    from lms.models import WebhookMessage
    from lms.services import webhooks
    from lms.webhooks import events

    endpoint = webhooks.add_endpoint("https://93.184.215.14/hooks", "user.created",
                                     actor_id=None)
    events.emit("user.created", "user:1", {})
    db.session.commit()
    message_id = db.session.scalar(select(WebhookMessage.message_id))
    browser = browser_of(app, people[who])
    admin_only = 200 if who == "admin" else 403
    base = f"/admin/webhooks/{endpoint.id}"
    for path in ("/admin/webhooks", base):
        assert browser.get(path).status_code == admin_only, path
    token = csrf_token(browser, "/my")
    for path, data in ((f"{base}/messages/{message_id}/redeliver", {}), (f"{base}/rotate", {}),
                       (f"{base}/state", {"enabled": "0"})):
        response = browser.post(path, data={**data, "csrf_token": token})
        assert response.status_code == (302 if who == "admin" else 403), path


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in PUBLISHED + DRAFT + ["/admin/users", "/admin/organizations", "/admin/content",
                                     "/my", "/settings"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_progress_is_per_person(app, db, people):
    a = browser_of(app, people["learner-a"])
    a.post("/courses/getting-started/lessons/welcome/done",
           data={"csrf_token": csrf_token(a, "/my")})
    b = browser_of(app, people["learner-b"])
    html = b.get("/courses/getting-started").get_data(as_text=True)
    assert "is-done" not in html
    assert '<progress max="100" value="0"' in html
    assert "is-done" in a.get("/courses/getting-started").get_data(as_text=True)


# -- the learning API acts as the token's user, with that user's role ------------------


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_api_draft_visibility_by_role(client, make, people, who):
    headers = {"Authorization": f"Bearer {make.token(people[who])}"}
    slugs = [c["slug"] for c in client.get("/api/v1/courses", headers=headers).get_json()]
    assert ("draft-course" in slugs) == (who in SEES_DRAFTS)
    response = client.post("/api/v1/courses/draft-course/lessons/secret/complete",
                           headers=headers)
    assert response.status_code == (200 if who in SEES_DRAFTS else 404)


def test_api_completion_is_recorded_for_the_tokens_user_only(client, make, db, people):
    a, b = people["learner-a"], people["learner-b"]
    token_a = make.token(a)
    response = client.post("/api/v1/courses/getting-started/lessons/welcome/complete",
                           headers={"Authorization": f"Bearer {token_a}"})
    assert response.status_code == 200
    rows = db.session.scalars(select(LessonProgress)).all()
    assert [r.user_id for r in rows] == [a.id]
    courses_b = client.get("/api/v1/courses",
                           headers={"Authorization": f"Bearer {make.token(b)}"}).get_json()
    assert not any(lesson["done"] for c in courses_b for lesson in c["lessons"])
    # Nothing in the body or query can redirect the write to someone else.
    client.post(f"/api/v1/courses/getting-started/lessons/pricing/complete?user_id={b.id}",
                json={"user_id": b.id, "email": b.email},
                headers={"Authorization": f"Bearer {token_a}"})
    assert {r.user_id for r in db.session.scalars(select(LessonProgress))} == {a.id}


def test_every_foundation_route_with_an_id_is_in_this_matrix(app):
    """A new catalog, admin or learning-API route with an id must be added above."""
    covered = {"catalog.course", "catalog.lesson", "catalog.mark_done", "catalog.course_file",
               "api.complete_lesson", "admin.edit_user", "admin.create_token",
               "admin.show_token", "admin.revoke_token", "admin.edit_organization",
               "admin.create_scim_token", "admin.show_scim_token", "admin.revoke_scim_token",
               "admin.webhook_detail", "admin.webhook_state", "admin.webhook_rotate",
               "admin.webhook_redeliver"}
    foundation = {rule.endpoint for rule in app.url_map.iter_rules()
                  if rule.arguments and (rule.endpoint.split(".")[0] in ("catalog", "admin", "auth")
                                         or rule.endpoint in ("api.courses", "api.me",
                                                              "api.complete_lesson"))}
    assert foundation == covered
