"""Worker boot warm-up (lms/warmup.py): it runs on a fresh database without failing,
compiles the templates and leaves no transaction or object behind."""

from __future__ import annotations

from lms.services import chart_counts
from lms.warmup import warm


def test_warm_up_runs_before_and_after_the_first_sweep(app, db, make):
    make.org("acme")
    warm(app)                       # nothing stored yet: the figures come from the rows
    assert "partners/dashboard.html" in {key[1] for key in app.jinja_env.cache.keys()}
    chart_counts.rebuild()
    db.session.commit()
    warm(app)
    assert not db.session.new and not db.session.dirty
