"""The dashboard's chart counts stored per day (lms.services.chart_counts): recounted by
`lms sweep`, kept current by every ORM write in its own transaction, and what the
dashboard shows once they exist. Each check compares them with counting the rows."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from lms.cli import main
from lms.models import Attempt, Certification
from lms.models.organizations import ChartCount
from lms.models.types import utcnow
from lms.services import attempts as attempt_service
from lms.services import chart_counts
from lms.services import partner_charts as charts
from tests.conftest import login

DAY = timedelta(days=1)
GRACE = timedelta(minutes=5)


def _attempt(user, quiz, submitted, passed):
    return Attempt(user_id=user.id, quiz_slug=quiz, status="graded", started_at=submitted,
                   submitted_at=submitted, graded_at=submitted, snapshot={}, answers={},
                   percent=90.0 if passed else 40.0, passed=passed)


def _stored_equals_live(program, now):
    assert charts.stored_awards_per_month(program, now) == charts.awards_per_month(
        program, None, now)
    assert charts.stored_exam_pass_rates(program, now) == charts.exam_pass_rates(
        program, None, now)


def _figures(program, now):
    awards = {m.month: m.by_level for m in charts.stored_awards_per_month(program, now)}
    rates = {e.quiz: (e.graded, e.passed) for e in charts.stored_exam_pass_rates(program, now)}
    return awards, rates


def _people(make):
    org = make.org("acme")
    return org, make.user("learner", org=org), make.user("learner", org=org)


def test_the_sweep_recounts_what_the_rows_say(app, db, make, program):
    _org, ann, bob = _people(make)
    now = utcnow()
    db.session.add_all([
        Certification(user_id=ann.id, level="bronze", awarded_at=now - 40 * DAY),
        Certification(user_id=bob.id, level="bronze", awarded_at=now - 400 * DAY),  # too old
        Certification(user_id=bob.id, level="silver", awarded_at=now - 2 * DAY,
                      revoked_at=now),   # revoked: still awarded that month
        _attempt(ann, "bronze-exam", now - 3 * DAY, True),
        _attempt(bob, "bronze-exam", now - 3 * DAY, False),
        _attempt(bob, "silver-exam", now - 200 * DAY, True),
        _attempt(bob, "gold-exam", now - 500 * DAY, True),   # outside the year
    ])
    db.session.commit()
    assert not chart_counts.ready()
    db.session.execute(ChartCount.__table__.delete())   # forget what the writes added
    db.session.commit()
    result = app.test_cli_runner().invoke(main, ["sweep"])
    assert result.exit_code == 0, result.output
    assert "chart counts: " in result.output
    assert chart_counts.ready()
    _stored_equals_live(program, now)
    awards, rates = _figures(program, now)
    assert sum(m["bronze"] for m in awards.values()) == 1
    assert sum(m["silver"] for m in awards.values()) == 1
    assert rates == {"bronze-exam": (2, 1), "silver-exam": (1, 1), "gold-exam": (0, 0)}


def test_writes_keep_the_counts_without_a_sweep(app, db, make, program):
    _org, ann, bob = _people(make)
    chart_counts.rebuild()
    db.session.commit()
    now = utcnow()
    cert = Certification(user_id=ann.id, level="bronze", awarded_at=now - 5 * DAY)
    passed = _attempt(bob, "silver-exam", now - DAY, True)
    db.session.add_all([cert, passed])
    db.session.commit()
    _stored_equals_live(program, now)
    assert _figures(program, now)[1]["silver-exam"] == (1, 1)

    # Graded through the service: an attempt submitted without answers fails.
    quiz = app.extensions["lms.content"].quiz("bronze-exam")
    attempt, _ = attempt_service.start_attempt(ann, quiz, utcnow(), GRACE)
    attempt_service.submit(ann, attempt.id, utcnow(), GRACE)
    _stored_equals_live(program, now)
    assert _figures(program, now)[1]["bronze-exam"] == (1, 0)

    # A grade changed, a certification moved to another day, another deleted.
    passed.passed = False
    cert.awarded_at = now - 70 * DAY
    db.session.commit()
    _stored_equals_live(program, now)
    assert _figures(program, now)[1]["silver-exam"] == (1, 0)
    db.session.delete(cert)
    db.session.commit()
    _stored_equals_live(program, now)
    assert sum(m["bronze"] for m in _figures(program, now)[0].values()) == 0

    # Rolled back: nothing added.
    db.session.add(Certification(user_id=bob.id, level="gold", awarded_at=now))
    db.session.flush()
    db.session.rollback()
    _stored_equals_live(program, now)


def test_writes_without_the_orm_show_after_the_sweep(app, db, make, program):
    _org, ann, _bob = _people(make)
    chart_counts.rebuild()
    db.session.commit()
    now = utcnow()
    db.session.execute(insert(Certification), [{"id": "f" * 32, "user_id": ann.id,
                                                "level": "gold", "awarded_at": now,
                                                "renewals": 0, "notices": []}])
    db.session.commit()
    assert sum(m["gold"] for m in _figures(program, now)[0].values()) == 0
    chart_counts.sweep_chart_counts(now)       # recounted today already: kept by writes
    assert sum(m["gold"] for m in _figures(program, now)[0].values()) == 0
    later = now + timedelta(days=1)
    chart_counts.sweep_chart_counts(later)     # a day on: recounted
    assert sum(m["gold"] for m in _figures(program, later)[0].values()) == 1
    _stored_equals_live(program, later)


def test_the_sweep_counts_the_certifications_expiring_soon(db, make, certs):
    from lms.services.company_people import count_expiring

    _org, ann, bob = _people(make)
    certs.add(ann, "bronze", days=30)
    certs.add(bob, "bronze", days=300)
    now = utcnow()
    assert chart_counts.stored_expiring(now) is None
    chart_counts.sweep_chart_counts(now)
    assert chart_counts.stored_expiring(now) == count_expiring(None, now) == 1
    assert chart_counts.stored_expiring(now + timedelta(hours=2)) is None   # too old


def _award_cells(html: str) -> list[str]:
    table = html.split('id="chart-awards-title"')[1].split("</table>")[0]
    return re.findall(r'<td class="num">(\d+)</td>', table)


def _exam_cells(html: str) -> list[str]:
    table = html.split('id="chart-exams-title"')[1].split("</table>")[0]
    return re.findall(r'<td class="num">([^<]+)</td>', table)


def test_the_dashboard_shows_a_new_award_and_grade_at_once(app, client, db, make):
    _org, ann, bob = _people(make)
    db.session.add(Certification(user_id=ann.id, level="bronze",
                                 awarded_at=utcnow() - DAY))
    db.session.commit()
    assert app.test_cli_runner().invoke(main, ["sweep"]).exit_code == 0
    login(client, make.user("manager"))
    before = client.get("/partners/").get_data(as_text=True)
    assert _award_cells(before)[-1] == "1"          # this month's total
    assert _exam_cells(before)[:2] == ["0", "0"]    # bronze exam: graded, passed

    db.session.add_all([Certification(user_id=bob.id, level="bronze", awarded_at=utcnow()),
                        _attempt(bob, "bronze-exam", utcnow(), True)])
    db.session.commit()
    after = client.get("/partners/").get_data(as_text=True)
    assert _award_cells(after)[-1] == "2"
    assert _exam_cells(after)[:3] == ["1", "1", "100%"]


def test_before_the_first_sweep_the_dashboard_counts_the_rows(client, db, make):
    _org, ann, _bob = _people(make)
    db.session.add(Certification(user_id=ann.id, level="bronze", awarded_at=utcnow()))
    db.session.commit()
    assert not chart_counts.ready()
    login(client, make.user("manager"))
    assert _award_cells(client.get("/partners/").get_data(as_text=True))[-1] == "1"


def test_pass_rates_count_whole_days_of_the_last_year(db, make, program):
    _org, ann, _bob = _people(make)
    now = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    db.session.add_all([
        _attempt(ann, "gold-exam", datetime(2025, 12, 3, 0, 0, tzinfo=timezone.utc), True),
        _attempt(ann, "gold-exam", datetime(2025, 12, 2, 23, 0, tzinfo=timezone.utc), True),
    ])
    db.session.commit()
    chart_counts.rebuild(now)
    db.session.commit()
    # 2025-12-03 is the first of the 365 days ending today; the day before is out.
    assert _figures(program, now)[1]["gold-exam"] == (1, 1)
    assert db.session.scalar(select(ChartCount.n).where(
        ChartCount.kind == "graded", ChartCount.day == "2025-12-02")) == 1


def test_the_sweep_stores_the_company_figures_until_a_company_changes(app, db, make, program):
    from lms.services import chart_snapshots, company_stats
    from lms.services import organizations as orgs

    org, ann, _bob = _people(make)
    now = utcnow()
    chart_snapshots.sweep_chart_snapshot(now)
    stored = chart_snapshots.figures(program, None, now, company_stats.version())
    assert stored == chart_snapshots.compute(program, None, now)
    assert {t.key: held for t, held, _ in stored.totals}["registered"] == 1

    # A changed company row: another version, so counted from the rows again.
    org.tier = "gold"
    db.session.commit()
    changed = chart_snapshots.figures(program, None, now, company_stats.version())
    assert {t.key: held for t, held, _ in changed.totals}["gold"] == 1
    assert changed == chart_snapshots.compute(program, None, now)
    assert orgs.tier_totals_of(program, None) == changed.totals


def test_the_dashboard_after_the_sweep_shows_the_stored_figures(app, client, db, make):
    from lms.models.organizations import ChartSnapshot

    org, _ann, _bob = _people(make)
    assert app.test_cli_runner().invoke(main, ["sweep"]).exit_code == 0

    def tier_cells():
        html = client.get("/partners/").get_data(as_text=True)
        table = html.split('id="chart-tiers-title"')[1].split("</table>")[0]
        return re.findall(r'<td class="num">(\d+)</td>', table)[:2]   # registered: held, eligible

    login(client, make.user("manager"))
    assert tier_cells() == ["1", "1"]
    # Read from the stored row, not counted: a figure changed there shows.
    row = db.session.get(ChartSnapshot, "dashboard")
    row.figures = {**row.figures, "totals": [[k, 7 if k == "registered" else h, e]
                                             for k, h, e in row.figures["totals"]]}
    db.session.commit()
    assert tier_cells() == ["7", "1"]
    # A company changed: counted from the rows until the next sweep.
    org.tier = "gold"
    db.session.commit()
    assert tier_cells() == ["0", "1"]
