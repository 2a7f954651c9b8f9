"""The notification centre: events told once, in the reader's
language, with an unread count in the header; API per docs/api.md."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import Notification, User
from lms.models.types import utcnow
from lms.services import inbox
from lms.services.certifications import revoke, sweep_certifications
from tests.conftest import csrf_token, login
from tests.quiz.test_concurrency import in_parallel


def notes(db, user):
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def unread(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id).unread_notifications


def test_an_award_is_told_once_and_counted_unread(db, make, facts, award):
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    award(user)
    award(user)
    rows = notes(db, user)
    assert [n.kind for n in rows] == ["certification_awarded"]
    assert unread(db, user) == 1


def test_revocation_expiry_notices_and_expiry_are_told(db, make, facts, award, app):
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    sweep_certifications(cert.expires_at - timedelta(days=80))     # the 90-day notice
    sweep_certifications(cert.expires_at - timedelta(days=80))     # again: nothing new
    sweep_certifications(cert.expires_at + timedelta(days=1))      # expired
    kinds = [n.kind for n in notes(db, user)]
    assert kinds == ["certification_awarded", "certification_expiring", "certification_expired"]
    other = make.user("learner", org=make.org("other"))
    facts.bronze_ready(other)
    cert = award(other).awarded[0]
    revoke(cert.id, "不正な受験が確認されたため", actor_id=None)
    revoked = notes(db, other)[-1]
    assert revoked.kind == "certification_revoked"
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert "不正な受験が確認されたため" in inbox.text_of(revoked)


def test_the_same_event_from_parallel_requests_is_stored_once(app, db, make):
    user = make.user("learner", org=make.org())

    def tell(_):
        from lms.database import begin_write
        begin_write()
        added = inbox.notify(user.id, "certification_awarded", "cert:x:awarded", title="Bronze")
        _db.session.commit()
        return added

    results, errors = in_parallel(app, tell)
    assert not errors, errors
    assert results.count(True) == 1
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    assert unread(db, user) == 1


def test_the_centre_lists_opens_and_marks_read(client, db, make):
    user = make.user("learner", org=make.org())
    for i in range(3):
        inbox.notify(user.id, "certification_awarded", f"cert:{i}:awarded",
                     url="/certifications", title=f"レベル{i}")
    db.session.commit()
    login(client, user)
    page = client.get("/notifications").text
    assert "レベル2 に認定されました。" in page and 'class="count-badge">3<' in page
    first = notes(db, user)[0]
    token = _token(page)
    opened = client.post(f"/notifications/{first.id}", data={"csrf_token": token})
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/certifications")
    assert unread(db, user) == 2
    client.post(f"/notifications/{first.id}", data={"csrf_token": token})   # again: still 2
    assert unread(db, user) == 2
    client.post("/notifications/read", data={"csrf_token": token})
    assert unread(db, user) == 0
    assert "count-badge" not in client.get("/notifications").text


def test_someone_elses_notification_cannot_be_opened(client, db, make):
    owner, other = make.user("learner", org=make.org()), make.user("learner", org=make.org("b"))
    inbox.notify(owner.id, "certification_awarded", "cert:1:awarded", title="Bronze")
    db.session.commit()
    note = notes(db, owner)[0]
    login(client, other)
    token = csrf_token(client, "/notifications")
    assert client.post(f"/notifications/{note.id}", data={"csrf_token": token}).status_code == 404
    assert unread(db, owner) == 1


def test_api_lists_in_the_callers_language_and_pages(client, db, make):
    user = make.user("learner", org=make.org())
    user.locale = "en"
    for i in range(25):
        inbox.notify(user.id, "certification_awarded", f"cert:{i}:awarded", url="/certifications",
                     title=f"Level {i}")
    db.session.commit()
    headers = {"Authorization": f"Bearer {make.token(user)}"}
    first = client.get("/api/v1/notifications?limit=20", headers=headers).json
    assert len(first["items"]) == 20 and first["next"]
    item = first["items"][0]
    assert item["text"] == "You are now certified: Level 24. Congratulations!"
    assert item["url"].endswith("/certifications") and item["read"] is False
    assert datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")) <= utcnow()
    following = urlsplit(first["next"])
    rest = client.get(f"{following.path}?{following.query}", headers=headers).json
    assert len(rest["items"]) == 5 and rest["next"] is None
    marked = client.post(f"/api/v1/notifications/{item['id']}/read", headers=headers)
    assert marked.status_code == 200 and marked.json == {"id": item["id"], "read": True}
    assert unread(db, user) == 24
    other = make.user("learner", org=make.org("b"))
    other_headers = {"Authorization": f"Bearer {make.token(other)}"}
    assert client.post(f"/api/v1/notifications/{item['id']}/read",
                       headers=other_headers).status_code == 404
    assert client.get("/api/v1/notifications", headers=other_headers).json["items"] == []
    assert client.get("/api/v1/notifications?limit=0", headers=headers).status_code == 422
    assert client.get("/api/v1/notifications?after=x", headers=headers).status_code == 422


def _token(html):
    import re
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
