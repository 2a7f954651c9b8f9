"""Company figures, tier confirmation and the sweep: the tier follows the eligible tier,
audited; plus the dashboard's sorting, filtering and paging, and the company page."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from lms.models import AuditEvent, Organization
from lms.services import organizations as orgs
from tests.conftest import csrf_token, login

# Script only from files (the CSP allows no inline script): <script src=…> is fine.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)", re.I)


def _audit(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_sweep_moves_tiers_to_the_eligible_tier_once_and_audits(app, db, make, certs, program):
    up = make.org("up")
    down = make.org("down", tier="gold")
    same = make.org("same")
    certs.add(make.user("learner", org=up), "bronze")
    from lms.services.sweep import run_sweep

    now = datetime.now(timezone.utc)
    results = {r.name: r for r in run_sweep(now)}
    assert results["company tiers"].changed == 2
    tiers = {o.slug: db.session.get(Organization, o.id, populate_existing=True).tier
             for o in (up, down, same)}
    assert tiers == {"up": "bronze", "down": "registered", "same": "registered"}
    events = {(e.target, e.detail["before"], e.detail["after"], e.detail["reason"])
              for e in _audit(db, "organization.tier")}
    assert events == {("up", "registered", "bronze", "sweep"),
                      ("down", "gold", "registered", "sweep")}
    assert {r.name: r for r in run_sweep(now)}["company tiers"].changed == 0  # idempotent


def test_sweep_leaves_tiers_alone_without_a_program(app, db, make):
    from tests.web.helpers import app_on

    org = make.org("keep", tier="gold")
    with app_on(app) as bare:  # the fixture content has no program.yml
        with bare.app_context():
            result = orgs.sweep_tiers(datetime.now(timezone.utc))
    assert result.changed == 0 and "skipped" in result.detail
    assert db.session.get(Organization, org.id, populate_existing=True).tier == "gold"


def test_channel_manager_confirms_the_eligible_tier(client, db, make, certs):
    org = make.org("acme")
    certs.add(make.user("learner", org=org), "bronze")
    login(client, make.user("manager"))
    page = client.get("/partners/acme").get_data(as_text=True)
    assert 'name="tier" type="hidden" value="bronze"' in page
    token = csrf_token(client, "/partners/acme")
    response = client.post("/partners/acme/tier", data={"csrf_token": token, "tier": "bronze"})
    assert response.status_code == 302
    assert db.session.get(Organization, org.id, populate_existing=True).tier == "bronze"
    [event] = _audit(db, "organization.tier")
    assert (event.detail["after"], event.detail["reason"]) == ("bronze", "confirmed")


def test_a_stale_confirmation_moves_nothing(client, db, make):
    org = make.org("acme")
    login(client, make.user("manager"))
    token = csrf_token(client, "/partners/acme")
    client.post("/partners/acme/tier", data={"csrf_token": token, "tier": "gold"})
    assert db.session.get(Organization, org.id, populate_existing=True).tier == "registered"
    assert _audit(db, "organization.tier") == []


def test_metrics_api_validates_records_and_audits(client, db, make):
    make.org("acme")
    headers = {"Authorization": f"Bearer {make.token(make.user('manager'))}"}
    url = "/api/v1/organizations/acme/metrics"
    for body in ({}, {"deals_closed": -1}, {"deals_closed": "5"}, {"deals_closed": True},
                 {"annual_revenue": 1.5}, {"target_met": "yes"}, {"tier": "gold"}, [1]):
        response = client.put(url, headers=headers, json=body)
        assert response.status_code in (400, 422), body
        assert response.json["error"]["code"]
    assert client.put("/api/v1/organizations/nope/metrics", headers=headers,
                      json={"deals_closed": 1}).status_code == 404
    response = client.put(url, headers=headers, json={"deals_closed": 6, "annual_revenue": 10**9,
                                                      "target_met": True})
    assert response.status_code == 200
    assert response.json["metrics"] == {"deals_closed": 6, "annual_revenue": 10**9,
                                        "target_met": True}
    assert response.json["margin"] == 35  # registered: base 30 + target 5
    [event] = _audit(db, "organization.metrics")
    assert event.detail["after"]["deals_closed"] == 6


def test_company_detail_says_what_the_next_tier_needs(client, make, certs):
    org = make.org("acme", deals_closed=5, target_met=True, tier="silver")
    for _ in range(2):
        certs.add(make.user("learner", org=org), "silver", days=400)
    headers = {"Authorization": f"Bearer {make.token(make.user('admin'))}",
               "Accept-Language": "en"}
    body = client.get("/api/v1/organizations/acme", headers=headers).json
    assert (body["tier"], body["eligible_tier"], body["next_tier"]) == ("silver", "silver", "gold")
    assert body["certified"] == {"bronze": 2, "silver": 2, "gold": 0}
    assert body["margin"] == 37.5  # 30 + 5 + 2.5
    assert len(body["missing"]) == 3 and any("Gold" in m for m in body["missing"])
    assert not body["at_risk"]


def test_api_pages_follow_next(client, make):
    for i in range(5):
        make.org(f"co-{i}")
    headers = {"Authorization": f"Bearer {make.token(make.user('admin'))}"}
    slugs, url = [], "/api/v1/organizations?limit=2"
    while url:
        body = client.get(url, headers=headers).json
        slugs += [item["slug"] for item in body["items"]]
        url = body["next"]
    assert slugs == [f"co-{i}" for i in range(5)]
    assert client.get("/api/v1/organizations?limit=0", headers=headers).status_code == 422


def test_dashboard_sorts_filters_and_pages(client, db, make, certs):
    for i in range(3):
        org = make.org(f"co-{i}", name=f"Company {i}")
        for _ in range(i):
            certs.add(make.user("learner", org=org), "bronze")
    login(client, make.user("manager"))
    html = client.get("/partners/?sort=certified&dir=desc").get_data(as_text=True)
    assert html.index("Company 2") < html.index("Company 1") < html.index("Company 0")
    assert re.search(r'aria-sort="descending">\s*<a href="[^"]*sort=certified', html)
    assert html.count('aria-sort="none"') == 7
    filtered = client.get("/partners/?eligible=bronze").get_data(as_text=True)
    assert "Company 2" in filtered and "Company 0" not in filtered
    promotion = client.get("/partners/?status=promotion").get_data(as_text=True)
    assert "Company 1" in promotion and "Company 0" not in promotion
    searched = client.get("/partners/?q=company+1").get_data(as_text=True)
    assert "Company 1" in searched and "Company 2" not in searched
    assert not INLINE_SCRIPT.search(html) and "style=" not in html


def test_company_page_shows_health_training_and_people(client, make, certs):
    org = make.org("acme")
    ann = make.user("learner", org=org, email="ann@acme.example")
    make.user("learner", org=org, email="bob@acme.example")
    certs.add(ann, "bronze", days=30)
    login(client, make.user("manager", org=org))
    client.post("/language", data={"csrf_token": csrf_token(client, "/settings"), "lang": "en"})
    html = client.get("/partners/acme").get_data(as_text=True)
    for text in ("How the health score is computed", "Who to train next", "ann@acme.example",
                 "bob@acme.example", "Certifications expiring in the next 90 days"):
        assert text in html, text
    assert "Save figures" not in html  # partner managers do not record company figures
    assert not INLINE_SCRIPT.search(html) and "style=" not in html
