"""Who sees which company: two companies x every role x every page, export and API
route with an id. Learners and trainers see no company data (their own certifications
are on their own pages); a partner manager only their own company; channel managers
and admins every company."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login

ROLES = ("learner", "trainer", "partner_manager", "channel_manager", "admin")


@pytest.fixture()
def world(db, make, certs):
    alpha = make.org("alpha", name="Alpha KK")
    beta = make.org("beta", name="Beta KK")
    a_person = make.user("learner", org=alpha, email="ann@alpha.example")
    b_person = make.user("learner", org=beta, email="bob@beta.example")
    certs.add(a_person, "silver", days=30)
    certs.add(b_person, "gold", days=40)
    users = {
        "learner": make.user("learner", org=alpha),
        "trainer": make.user("trainer"),
        "partner_manager": make.user("manager", org=alpha, email="pm@alpha.example"),
        "channel_manager": make.user("manager", email="cm@vendor.example"),
        "admin": make.user("admin"),
    }
    return alpha, beta, users


# route -> expected status per role (P: partner manager of alpha)
PAGES = {
    "/partners/": {"learner": 403, "trainer": 403, "partner_manager": 302,
                   "channel_manager": 200, "admin": 200},
    "/partners/alpha": {"learner": 403, "trainer": 403, "partner_manager": 200,
                        "channel_manager": 200, "admin": 200},
    "/partners/beta": {"learner": 403, "trainer": 403, "partner_manager": 403,
                       "channel_manager": 200, "admin": 200},
    "/partners/nowhere": {"learner": 403, "trainer": 403, "partner_manager": 404,
                          "channel_manager": 404, "admin": 404},
    "/partners/expiring": {"learner": 403, "trainer": 403, "partner_manager": 200,
                           "channel_manager": 200, "admin": 200},
    "/partners/export/companies.csv": {"learner": 403, "trainer": 403, "partner_manager": 200,
                                       "channel_manager": 200, "admin": 200},
    "/partners/export/people.csv": {"learner": 403, "trainer": 403, "partner_manager": 200,
                                    "channel_manager": 200, "admin": 200},
    "/partners/alpha/people.csv": {"learner": 403, "trainer": 403, "partner_manager": 200,
                                   "channel_manager": 200, "admin": 200},
    "/partners/beta/people.csv": {"learner": 403, "trainer": 403, "partner_manager": 403,
                                  "channel_manager": 200, "admin": 200},
}

API = {
    "/api/v1/organizations/alpha": {"learner": 403, "trainer": 403, "partner_manager": 200,
                                    "channel_manager": 200, "admin": 200},
    "/api/v1/organizations/beta": {"learner": 403, "trainer": 403, "partner_manager": 403,
                                   "channel_manager": 200, "admin": 200},
}

LIST = {"learner": [], "trainer": [], "partner_manager": ["alpha"],
        "channel_manager": ["alpha", "beta"], "admin": ["alpha", "beta"]}


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_exports(client, world, role):
    _, _, users = world
    login(client, users[role])
    for path, expected in PAGES.items():
        response = client.get(path)
        assert response.status_code == expected[role], (role, path)
        body = response.get_data(as_text=True)
        if role == "partner_manager" and response.status_code == 200:
            assert "bob@beta.example" not in body and "Beta KK" not in body, path
        if path.endswith(".csv") and response.status_code == 200:
            assert response.mimetype == "text/csv"
            assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("role", ROLES)
def test_posts(client, world, role):
    alpha, beta, users = world
    login(client, users[role])
    may = role in ("channel_manager", "admin")
    for slug in ("alpha", "beta"):
        token = csrf_token(client, "/settings")
        metrics = client.post(f"/partners/{slug}/metrics", data={
            "csrf_token": token, "deals_closed": "9", "annual_revenue": "5", "target_met": "y"})
        assert metrics.status_code == (302 if may else 403), (role, slug)
        tier = client.post(f"/partners/{slug}/tier", data={"csrf_token": token,
                                                           "tier": "bronze"})
        assert tier.status_code == (302 if may else 403), (role, slug)
    from lms.extensions import db
    from lms.models import Organization

    figures = [db.session.get(Organization, o.id).deals_closed for o in (alpha, beta)]
    assert figures == ([9, 9] if may else [0, 0])


@pytest.mark.parametrize("role", ROLES)
def test_api(client, make, world, role):
    _, _, users = world
    headers = {"Authorization": f"Bearer {make.token(users[role])}"}
    listing = client.get("/api/v1/organizations", headers=headers)
    assert listing.status_code == 200
    assert [item["slug"] for item in listing.json["items"]] == LIST[role]
    for path, expected in API.items():
        response = client.get(path, headers=headers)
        assert response.status_code == expected[role], (role, path)
        if response.status_code == 200 and role == "partner_manager":
            emails = {p["email"] for p in response.json["people"]}
            assert {"ann@alpha.example", "pm@alpha.example"} <= emails
            assert "bob@beta.example" not in emails
    for slug in ("alpha", "beta"):
        put = client.put(f"/api/v1/organizations/{slug}/metrics", headers=headers,
                         json={"deals_closed": 3})
        assert put.status_code == (200 if role in ("channel_manager", "admin") else 403), (role, slug)


def test_partner_manager_exports_hold_no_foreign_rows(client, world):
    _, _, users = world
    login(client, users["partner_manager"])
    companies = client.get("/partners/export/companies.csv").get_data(as_text=True)
    assert [line.split(",")[0] for line in companies.strip().splitlines()[1:]] == ["alpha"]
    people = client.get("/partners/export/people.csv").get_data(as_text=True)
    rows = people.strip().splitlines()[1:]
    assert rows and all(row.startswith("alpha,") for row in rows)
    assert "bob@beta.example" not in people
    expiring = client.get("/partners/expiring").get_data(as_text=True)
    assert "ann@alpha.example" in expiring and "bob@beta.example" not in expiring


def test_channel_manager_exports_hold_every_company(client, world):
    _, _, users = world
    login(client, users["channel_manager"])
    people = client.get("/partners/export/people.csv").get_data(as_text=True)
    assert "ann@alpha.example" in people and "bob@beta.example" in people
    alpha_only = client.get("/partners/alpha/people.csv").get_data(as_text=True)
    assert "ann@alpha.example" in alpha_only and "bob@beta.example" not in alpha_only


def test_a_demoted_manager_loses_access_at_once(client, db, world):
    _, _, users = world
    manager = users["channel_manager"]
    login(client, manager)
    assert client.get("/partners/beta").status_code == 200
    manager.role = "learner"
    db.session.commit()
    assert client.get("/partners/beta").status_code == 403
