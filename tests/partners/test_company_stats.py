"""The SQL counting against the pure rules it must agree with, and when rows go stale."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from lms.models import Certification, Organization
from lms.models.organizations import OrganizationStats
from lms.rules.tiers import (AT_RISK_WINDOW, CompanyFigures, at_risk, certified_counts,
                             eligible_tier)
from lms.services import company_stats as stats

DAY = timedelta(days=1)


def _holders(db, org_id, now):
    """The reference input: every certification of the company's active people."""
    rows = db.session.query(Certification).join(Certification.user).filter_by(
        organization_id=org_id, active=True)
    return [(c.user_id, c.level, c.expires_at, c.revoked_at is not None) for c in rows]


def test_sql_counts_match_the_pure_rules_on_random_companies(db, make, program):
    rng = random.Random(20260601)
    now = datetime.now(timezone.utc)
    orgs = []
    for i in range(6):
        org = make.org(f"co{i}", deals_closed=rng.choice([0, 5, 9]),
                       annual_revenue=rng.choice([0, 10**9]), tier=rng.choice(
                           ["registered", "bronze", "silver", "gold"]))
        orgs.append(org)
        for _ in range(rng.randint(0, 9)):
            person = make.user("learner", org=org, active=rng.random() > 0.1)
            for _ in range(rng.randint(0, 3)):
                days = rng.choice([-10, 5, 60, 89, 91, 200, 700, None])
                db.session.add(Certification(
                    user_id=person.id, level=rng.choice(["bronze", "silver", "gold", "platinum"]),
                    awarded_at=now - 100 * DAY,
                    expires_at=None if days is None else now + days * DAY,
                    revoked_at=now if rng.random() < 0.15 else None))
        db.session.commit()
    counted = stats.level_counts(program, now)
    stats.rebuild(program, now)
    db.session.commit()
    for org in orgs:
        holders = _holders(db, org.id, now)
        expected = certified_counts(holders, program, now)
        later = certified_counts(holders, program, now + AT_RISK_WINDOW)
        got = counted.get(org.id, {"now": {lv: 0 for lv in program.levels}, "horizon": None})
        assert got["now"] == expected, org.slug
        if got["horizon"] is not None:
            assert got["horizon"] == later, org.slug
        figures = CompanyFigures(org.deals_closed, org.annual_revenue, org.target_met)
        row = db.session.get(OrganizationStats, org.id)
        assert row.eligible_tier == eligible_tier(program, expected, figures).key
        assert row.at_risk == bool(at_risk(program, org.tier, holders, figures, now))
        assert row.counts == expected


def test_a_higher_level_counts_once_for_each_lower_level(db, make, certs, program):
    org = make.org("acme")
    gold = make.user("learner", org=org)
    certs.add(gold, "gold")
    certs.add(gold, "silver")   # the same person twice: still one
    certs.add(gold, "bronze")
    certs.add(make.user("learner", org=org), "silver", revoked=True)
    certs.add(make.user("learner", org=org), "bronze", days=-1)   # expired
    assert stats.level_counts(program, datetime.now(timezone.utc))[org.id]["now"] == {
        "bronze": 1, "silver": 1, "gold": 1}


def test_deactivated_people_do_not_count(db, make, certs, program):
    org = make.org("acme")
    certs.add(make.user("learner", org=org, active=False), "gold")
    row = db.session.get(OrganizationStats, org.id)
    assert row.counts == {"bronze": 0, "silver": 0, "gold": 0} and row.people == 0


def _row(db, org):
    return db.session.get(OrganizationStats, org.id, populate_existing=True)


def test_a_new_certification_rebuilds_the_company_in_the_same_transaction(db, make, certs):
    org = make.org("acme")
    other = make.org("other")
    person = make.user("learner", org=org)
    assert _row(db, org).eligible_tier == "registered"
    certs.add(person, "bronze")
    assert _row(db, org).eligible_tier == "bronze"
    assert _row(db, org).counts == {"bronze": 1, "silver": 0, "gold": 0}
    assert _row(db, other).eligible_tier == "registered"


def test_moving_a_person_rebuilds_both_companies(db, make, certs):
    a, b = make.org("a"), make.org("b")
    person = make.user("learner", org=a)
    certs.add(person, "bronze")
    person.organization_id = b.id
    db.session.commit()
    assert (_row(db, a).certified, _row(db, b).certified) == (0, 1)
    person.active = False
    db.session.commit()
    assert _row(db, b).certified == 0


def test_figures_and_tier_changes_rebuild_the_company(db, make, certs):
    org = make.org("acme", tier="bronze")
    for _ in range(2):
        certs.add(make.user("learner", org=org), "silver")
    assert _row(db, org).eligible_tier == "bronze"
    org.deals_closed = 7
    db.session.commit()
    assert _row(db, org).eligible_tier == "silver"
    assert _row(db, org).tier_rank == 1
    org.tier = "silver"
    db.session.commit()
    assert _row(db, org).tier_rank == 2


def test_a_rolled_back_write_leaves_nothing_pending(db, make, certs):
    org = make.org("acme")
    person = make.user("learner", org=org)
    certs.add(person, "bronze")
    person.active = False
    db.session.flush()
    db.session.rollback()
    assert _row(db, org).certified == 1


def test_rows_expire_when_a_certification_enters_the_risk_window_or_lapses(db, make, certs, program):
    org = make.org("acme", tier="bronze")
    certs.add(make.user("learner", org=org), "bronze", days=100)
    now = datetime.now(timezone.utc)
    row = _row(db, org)
    assert not row.at_risk and stats.stale_ids(program, now) == []
    # Eleven days on, the only Bronze holder expires within 90 days: the row is stale,
    # pages recompute it in memory, and the sweep stores it.
    later = now + 11 * DAY
    assert stats.stale_ids(program, later) == [org.id]
    assert stats.current_for(program, org, later).at_risk
    assert not _row(db, org).at_risk
    stats.rebuild(program, later, stats.stale_ids(program, later))
    db.session.commit()
    assert _row(db, org).at_risk


def test_health_is_the_mean_of_three_rates(db, make, certs, program):
    from lms.models import Attempt

    org = make.org("acme")
    now = datetime.now(timezone.utc)
    active = make.user("learner", org=org, last_active_at=now - 5 * DAY)
    make.user("learner", org=org, last_active_at=now - 200 * DAY)
    certs.add(active, "bronze")
    for passed in (True, False, True, True):
        db.session.add(Attempt(user_id=active.id, quiz_slug="bronze-exam", status="graded",
                               snapshot={}, started_at=now - 100 * DAY,
                               submitted_at=now - 100 * DAY, percent=90 if passed else 10,
                               passed=passed))
    db.session.commit()
    health = stats.health_of(stats.current_for(program, org, now))
    assert (health.active_rate, health.pass_rate, health.coverage) == (0.5, 0.75, 0.5)
    assert health.score == round(100 * (0.5 + 0.75 + 0.5) / 3)


def test_a_company_without_people_has_no_health(db, make, program):
    org = make.org("empty")
    assert db.session.get(OrganizationStats, org.id).health is None
    assert db.session.get(Organization, org.id).tier == "registered"


def _start_attempt(db, person):
    from lms.models import Attempt

    db.session.add(Attempt(user_id=person.id, quiz_slug="bronze-exam", snapshot={}))
    db.session.commit()


def test_an_attempt_started_by_someone_active_does_not_recount_the_company(db, make):
    org = make.org("acme")
    person = make.user("learner", org=org, last_active_at=datetime.now(timezone.utc))
    before = _row(db, org)
    assert (before.people, before.active_people) == (1, 1)
    computed = before.computed_at
    _start_attempt(db, person)
    after = _row(db, org)
    assert after.computed_at == computed      # nothing it counts changed: not rebuilt
    assert (after.people, after.active_people) == (1, 1)


def test_an_attempt_started_by_someone_inactive_makes_them_active_at_once(db, make):
    org = make.org("acme")
    long_ago = datetime.now(timezone.utc) - timedelta(days=200)
    person = make.user("learner", org=org, last_active_at=long_ago)
    assert _row(db, org).active_people == 0
    _start_attempt(db, person)
    assert _row(db, org).active_people == 1


def _grade(db, attempt, passed, when):
    attempt.status, attempt.passed, attempt.submitted_at = "graded", passed, when
    attempt.percent = 90 if passed else 10
    db.session.commit()


def _recounted(db, program, org, now):
    fresh = stats.compute(program, now, [org.id])[org.id]
    return {k: fresh[k] for k in ("people", "active_people", "attempts_graded",
                                  "attempts_passed", "certified", "health")}


def _stored(db, org):
    row = _row(db, org)
    return {k: getattr(row, k) for k in ("people", "active_people", "attempts_graded",
                                         "attempts_passed", "certified", "health")}


def test_grading_an_attempt_updates_the_row_in_place_as_a_recount_would(db, make, program):
    from lms.models import Attempt

    org = make.org("acme")
    now = datetime.now(timezone.utc)
    people = [make.user("learner", org=org, last_active_at=now) for _ in range(3)]
    make.user("learner", org=org, last_active_at=now - 200 * DAY)
    attempts = [Attempt(user_id=p.id, quiz_slug="bronze-exam", snapshot={}, started_at=now)
                for p in people]
    db.session.add_all(attempts)
    db.session.commit()
    fresh_until = _row(db, org).fresh_until
    for attempt, passed in zip(attempts, (True, False, True)):
        before = _row(db, org).computed_at
        _grade(db, attempt, passed, datetime.now(timezone.utc))
        assert _stored(db, org) == _recounted(db, program, org, datetime.now(timezone.utc))
        assert _row(db, org).computed_at > before   # a new version: cached pages follow
    row = _row(db, org)
    assert (row.attempts_graded, row.attempts_passed) == (3, 2)
    assert row.fresh_until == fresh_until           # updated in place, not recounted


def test_grading_someone_who_does_not_count_changes_nothing(db, make, program):
    from lms.models import Attempt

    org = make.org("acme")
    now = datetime.now(timezone.utc)
    gone = make.user("learner", org=org, last_active_at=now, active=False)
    attempt = Attempt(user_id=gone.id, quiz_slug="bronze-exam", snapshot={}, started_at=now)
    db.session.add(attempt)
    db.session.commit()
    _grade(db, attempt, True, now)
    assert _stored(db, org) == _recounted(db, program, org, now)
    assert _row(db, org).attempts_graded == 0


def test_a_regraded_attempt_recounts_the_company(db, make, program):
    from lms.models import Attempt

    org = make.org("acme")
    now = datetime.now(timezone.utc)
    person = make.user("learner", org=org, last_active_at=now)
    attempt = Attempt(user_id=person.id, quiz_slug="bronze-exam", snapshot={}, started_at=now)
    db.session.add(attempt)
    db.session.commit()
    _grade(db, attempt, False, now)
    _grade(db, attempt, True, now)                  # an essay scored later: passed now
    assert (_row(db, org).attempts_graded, _row(db, org).attempts_passed) == (1, 1)
    assert _stored(db, org) == _recounted(db, program, org, now)
