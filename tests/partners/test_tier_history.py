"""Tiers over time: companies per tier at each month's end, walked back from today's tiers
through the audit log's tier changes and the companies created since."""

from __future__ import annotations

from datetime import datetime, timezone

from lms.models import AuditEvent
from lms.services.partner_charts import tier_history

UTC = timezone.utc
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)


def test_tiers_at_each_month_end(db, make, program):
    old = make.org("steady", created_at=datetime(2024, 1, 1, tzinfo=UTC), tier="silver")
    climber = make.org("climber", created_at=datetime(2024, 1, 1, tzinfo=UTC), tier="silver")
    newcomer = make.org("newcomer", created_at=datetime(2026, 12, 2, tzinfo=UTC))
    db.session.add_all([
        AuditEvent(action="organization.tier", target="climber", at=datetime(2026, 8, 20, tzinfo=UTC),
                   detail={"before": "registered", "after": "bronze", "reason": "sweep"}),
        AuditEvent(action="organization.tier", target="climber", at=datetime(2026, 10, 5, tzinfo=UTC),
                   detail={"before": "bronze", "after": "silver", "reason": "confirmed"}),
        # Another company's change is not counted for these three.
        AuditEvent(action="organization.tier", target="elsewhere", at=datetime(2026, 9, 1, tzinfo=UTC),
                   detail={"before": "registered", "after": "gold", "reason": "sweep"}),
    ])
    db.session.commit()
    history = {m.month: m.by_tier for m in
               tier_history(program, [old.id, climber.id, newcomer.id], NOW)}
    assert list(history)[0] == "2026-01" and list(history)[-1] == "2026-12"
    assert history["2026-07"] == {"registered": 1, "bronze": 0, "silver": 1, "gold": 0}
    assert history["2026-08"] == {"registered": 0, "bronze": 1, "silver": 1, "gold": 0}
    assert history["2026-09"] == {"registered": 0, "bronze": 1, "silver": 1, "gold": 0}
    assert history["2026-10"] == {"registered": 0, "bronze": 0, "silver": 2, "gold": 0}
    assert history["2026-11"] == {"registered": 0, "bronze": 0, "silver": 2, "gold": 0}
    assert history["2026-12"] == {"registered": 1, "bronze": 0, "silver": 2, "gold": 0}


def test_the_dashboard_shows_tiers_over_time(client, make, db):
    from tests.conftest import login

    make.org("acme")
    login(client, make.user("manager"))
    html = client.get("/partners/").get_data(as_text=True)
    assert "月末時点のティア別の会社数" in html
    assert html.count('class="chart__stack"') == 12
