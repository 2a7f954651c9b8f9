"""Points and leaderboards (program.yml's points:): one ledger entry per event, under
concurrency too; revocation reverses with a new entry; ties rank alike; opt-out respected."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import PointsEntry, User
from lms.services import points
from lms.services.certifications import revoke
from lms.services.progress import mark_lesson_done
from tests.conftest import login
from tests.quiz.test_concurrency import in_parallel


def named(user, name):
    user.name = name
    _db.session.commit()
    return user


def ledger(db, user):
    db.session.expire_all()
    return db.session.execute(select(PointsEntry.kind, PointsEntry.points)
                              .where(PointsEntry.user_id == user.id)
                              .order_by(PointsEntry.id)).all()


def complete_intro(user, store):
    store.refresh(force=True)
    return mark_lesson_done(_db.session.get(User, user.id), store.course("basics"), "intro", store)


def test_a_lesson_done_twice_gives_points_once(db, make, store):
    user = make.user("learner", org=make.org())
    assert complete_intro(user, store) is True
    assert complete_intro(user, store) is False
    assert ledger(db, user) == [("lesson", 10)]
    assert points.total_of(user.id) == 10


def test_eight_parallel_completions_give_one_entry(app, db, make, store):
    user = make.user("learner", org=make.org())
    store.refresh(force=True)
    results, errors = in_parallel(app, lambda _: complete_intro(user, store))
    assert not errors, errors
    assert results.count(True) == 1
    assert ledger(db, user) == [("lesson", 10)]
    assert points.total_of(user.id) == 10


def test_certification_points_and_their_reversal(db, make, facts, award):
    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    assert ("certification", 200) in ledger(db, user)
    before = points.total_of(user.id)
    revoke(cert.id, "誤って認定されたため", actor_id=None)
    rows = ledger(db, user)
    assert ("certification_revoked", -200) in rows and ("certification", 200) in rows
    assert points.total_of(user.id) == before - 200
    revoke_again = points.reverse(f"cert:{cert.id}", "certification_revoked")
    assert revoke_again is False and points.total_of(user.id) == before - 200


def test_passing_the_same_quiz_again_gives_nothing_more(db, make):
    user = make.user("learner", org=make.org())
    from lms.database import begin_write
    for _ in range(2):
        begin_write()
        points.earn(user.id, "quiz_passed", f"quiz:{user.id}:bronze-exam")
        _db.session.commit()
    assert ledger(db, user) == [("quiz_passed", 50)]


def _give(user, amount, key, now=None):
    from lms.database import begin_write
    begin_write()
    points.award(user.id, user.organization_id, "lesson", key, amount, now)
    _db.session.commit()


def test_ties_share_a_rank_and_order_is_stable(db, make):
    org = make.org()
    a = named(make.user("learner", org=org), "Aoki")
    b = named(make.user("learner", org=org), "Ito")
    c = named(make.user("learner", org=org), "Ueda")
    _give(a, 30, "a"), _give(b, 30, "b"), _give(c, 10, "c")
    board = points.people_board("all")
    assert [(r.rank, r.name, r.points) for r in board] == [(1, "Aoki", 30), (1, "Ito", 30), (3, "Ueda", 10)]
    assert [r.name for r in board] == [r.name for r in points.people_board("all")]
    assert points.rank_of(_db.session.get(User, c.id), "all") == (3, 10)


def test_opt_out_is_respected_everywhere(client, db, make):
    org = make.org()
    shy = named(make.user("learner", org=org), "控えめ 花子")
    other = named(make.user("learner", org=org), "目立つ 太郎")
    _give(shy, 50, "shy"), _give(other, 20, "other")
    shy.leaderboard_opt_out = True
    db.session.commit()
    assert [r.name for r in points.people_board("all")] == ["目立つ 太郎"]
    assert [r.name for r in points.people_board("all", organization_id=org.id)] == ["目立つ 太郎"]
    assert points.company_board("all")[0].points == 70        # the company still counts them
    login(client, other)
    assert "控えめ 花子" not in client.get("/leaderboard?period=all").text
    headers = {"Authorization": f"Bearer {make.token(other)}"}
    body = client.get("/api/v1/leaderboard?scope=people&period=all", headers=headers).json
    assert [i["name"] for i in body["items"]] == ["目立つ 太郎"]
    assert body["items"][0] == {"rank": 1, "name": "目立つ 太郎", "organization": org.name, "points": 20}


def test_this_month_counts_only_this_months_points(db, make):
    user = make.user("learner", org=make.org())
    _give(user, 40, "old", now=datetime(2020, 1, 15, tzinfo=timezone.utc))
    _give(user, 5, "new")
    assert points.people_board("month")[0].points == 5
    assert points.people_board("all")[0].points == 45


def test_company_scoping_of_my_company_board(client, db, make):
    ours, theirs = make.org("ours"), make.org("theirs")
    me = named(make.user("manager", org=ours), "自社 部長")
    mate = named(make.user("learner", org=ours), "自社 社員")
    stranger = named(make.user("learner", org=theirs), "他社 社員")
    _give(mate, 10, "m"), _give(stranger, 99, "s")
    login(client, me)
    page = client.get("/leaderboard?scope=people&period=all&company=mine").text
    assert "自社 社員" in page and "他社 社員" not in page
    headers = {"Authorization": f"Bearer {make.token(me)}"}
    body = client.get("/api/v1/leaderboard?scope=people&period=all&company=mine", headers=headers).json
    assert [i["name"] for i in body["items"]] == ["自社 社員"]
    assert client.get("/api/v1/leaderboard?scope=teams", headers=headers).status_code == 422


def test_recognition_is_for_channel_managers(client, db, make):
    org = make.org("star", name="スター商事")
    _give(make.user("learner", org=org), 300, "x")
    login(client, make.user("manager", org=org))
    assert client.get("/recognition").status_code == 403
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login(client, make.user("manager"))
    page = client.get("/recognition")
    assert page.status_code == 200 and "スター商事" in page.text


def _csrf(client):
    from tests.conftest import csrf_token
    return csrf_token(client, "/")


def test_settings_toggle_the_opt_out(client, db, make):
    from tests.conftest import csrf_token
    user = make.user("learner", org=make.org())
    login(client, user)
    page = client.get("/settings").text
    assert "個人ランキングに自分を表示する" in page and 'name="on_leaderboard"' in page
    client.post("/settings/preferences", data={"csrf_token": csrf_token(client, "/settings"),
                                               "locale": "ja", "timezone": "Asia/Tokyo"})
    db.session.expire_all()
    assert db.session.get(User, user.id).leaderboard_opt_out is True
    client.post("/settings/preferences", data={"csrf_token": csrf_token(client, "/settings"),
                                               "locale": "ja", "timezone": "Asia/Tokyo",
                                               "on_leaderboard": "y"})
    db.session.expire_all()
    assert db.session.get(User, user.id).leaderboard_opt_out is False


def test_an_accepted_answer_gives_points_once_and_moving_it_reverses_them(db, make):
    from lms.models.types import utcnow
    from lms.services import discussions

    asker, helper, other = (make.user("learner", org=make.org(s)) for s in ("a", "b", "c"))
    trainer = make.user("trainer")
    question = discussions.ask(asker, "basics", "intro", "質問です", False, utcnow())
    first = discussions.answer(helper, question.id, "回答 1", "入門", "/", utcnow())
    second = discussions.answer(other, question.id, "回答 2", "入門", "/", utcnow())
    discussions.moderate(trainer, first.id, "accept", utcnow())
    discussions.moderate(trainer, first.id, "accept", utcnow())
    assert ledger(db, helper) == [("accepted_answer", 20)]
    discussions.moderate(trainer, second.id, "accept", utcnow())
    assert ledger(db, helper) == [("accepted_answer", 20), ("accepted_answer_withdrawn", -20)]
    assert ledger(db, other) == [("accepted_answer", 20)]
    assert points.total_of(helper.id) == 0


def test_own_rank_skips_people_off_the_board_and_stops_past_the_top(db, make, monkeypatch):
    org = make.org()
    first, shy, gone, me = (make.user("learner", org=org) for _ in range(4))
    _give(first, 90, "f"), _give(shy, 80, "s"), _give(gone, 70, "g"), _give(me, 10, "m")
    shy.leaderboard_opt_out = True
    gone.active = False
    db.session.commit()
    assert points.rank_of(_db.session.get(User, me.id), "all") == (2, 10)
    monkeypatch.setattr(points, "RANKED", 1)
    assert points.rank_of(_db.session.get(User, me.id), "all") == (None, 10)
    assert points.rank_of(_db.session.get(User, first.id), "all") == (1, 90)
