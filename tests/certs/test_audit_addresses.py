"""Every audit record made inside a request says where the request came from."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db as _db
from lms.models import AuditEvent
from lms.services.accounts import create_token
from tests.conftest import login, post_form

CLIENT = "192.0.2.44"


@pytest.fixture()
def remote(client):
    """The test client, its requests coming from CLIENT."""
    client.environ_base["REMOTE_ADDR"] = CLIENT
    return client


def events(action):
    _db.session.rollback()
    return _db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def api(client, token, method, path, body):
    return client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})


def test_token_created_on_the_admin_page_records_the_address(remote, make):
    admin, learner = make.user("admin"), make.user("learner", org=make.org())
    assert login(remote, admin).status_code == 302
    response = post_form(remote, f"/admin/users/{learner.id}/tokens",
                         page=f"/admin/users/{learner.id}")
    assert response.status_code == 303  # POST-redirect-GET
    [event] = events("token.created")
    assert (event.target, event.actor_id, event.address) == (learner.email, admin.id, CLIENT)


def test_token_created_from_the_command_line_has_no_address(db, make):
    learner = make.user("learner", org=make.org())
    create_token(learner.email)
    db.session.commit()
    [event] = events("token.created")
    assert event.address is None


def test_signoff_through_the_api_records_the_address(remote, make):
    trainer, learner = make.user("trainer"), make.user("learner", org=make.org())
    response = api(remote, make.token(trainer), "POST", f"/api/v1/users/{learner.id}/signoffs",
                   {"certification": "bronze", "requirement": "practical"})
    assert response.status_code == 201, response.get_json()
    [event] = events("signoff.given")
    assert (event.target, event.actor_id, event.address) == (learner.email, trainer.id, CLIENT)


def test_evidence_through_the_api_records_the_address(remote, make):
    channel, learner = make.user("manager"), make.user("learner", org=make.org())
    response = api(remote, make.token(channel), "PUT", f"/api/v1/users/{learner.id}/evidence",
                   {"deals_closed": 3, "csat": 4.5})
    assert response.status_code == 200, response.get_json()
    [event] = events("evidence.recorded")
    assert (event.target, event.actor_id, event.address) == (learner.email, channel.id, CLIENT)


def test_awards_made_by_an_api_request_record_the_address(remote, make, facts):
    trainer, learner = make.user("trainer"), make.user("learner", org=make.org())
    facts.lessons(learner)
    facts.exam(learner, "bronze-exam", 85)
    response = api(remote, make.token(trainer), "POST", f"/api/v1/users/{learner.id}/signoffs",
                   {"certification": "bronze", "requirement": "practical"})
    assert response.get_json()["awarded"] == ["bronze"]
    assert [e.address for e in events("certification.awarded")] == [CLIENT]
