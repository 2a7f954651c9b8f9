"""Breaking each kind of content file while the site runs: the last valid version keeps
serving, the content-status page names the line of the mistake in the UI's language, and
nothing a learner earned changes."""

from __future__ import annotations

import re
import shutil

import pytest

from lms.models import Certification
from tests.certs.conftest import CONTENT
from tests.conftest import login
from tests.web.helpers import app_on

# (file, mistake, line of the mistake, Japanese words the status page shows for it)
BREAKS = [
    ("courses/basics/course.md", ("level: bronze", "level: [bronze"), 3,
     "この行で始まった「[」が「]」で閉じられていません"),
    ("courses/basics/01-intro.md", ("title:", "title: [oops\nminutes: 5\n#"), 2, "「[」"),
    ("quizzes/bronze-exam.md", ("(x)", "( )"), None, "(x) がちょうど 1 つ必要ですが"),
    ("courses/program.yml", ("courses: [basics]", "courses: [basics"), 4, "YAML の書き方"),
]


@pytest.fixture()
def site(app, db, make, facts, award, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    with app_on(app, CONTENT_DIR=str(content)) as running:
        learner = make.user("learner", org=make.org())
        facts.bronze_ready(learner)
        store = running.extensions["lms.content"]
        from lms.services.certifications import award_due

        with running.app_context():
            store.refresh(force=True)
            award_due(learner, store.courses(), store.program())
        people = {}
        for role, user in (("learner", learner), ("trainer", make.user("trainer"))):
            people[role] = running.test_client()
            login(people[role], user)
        yield content, people, learner


def _requirements(page: str) -> list[str]:
    return re.findall(r'class="req req--(met|missing)"', page)


@pytest.mark.parametrize("rel, change, line, words", BREAKS, ids=[b[0] for b in BREAKS])
def test_a_broken_file_keeps_its_last_good_version(site, db, rel, change, line, words):
    content, people, learner = site
    learner_client, trainer = people["learner"], people["trainer"]
    pages = ("/courses/basics", "/courses/basics/lessons/intro", "/quizzes/bronze-exam",
             "/certifications")
    before = {path: learner_client.get(path) for path in pages}
    assert all(r.status_code == 200 for r in before.values())
    held = [(c.level, c.revoked_at) for c in db.session.query(Certification).filter_by(
        user_id=learner.id)]
    assert held and held[0][0] == "bronze"

    path = content / rel
    good = path.read_text(encoding="utf-8")
    old, new = change
    assert old in good
    path.write_text(good.replace(old, new, 1), encoding="utf-8")
    if line is None:  # the quiz's first question: where its heading is
        line = next(n for n, text in enumerate(good.splitlines(), 1) if text.startswith("## "))

    after = {p: learner_client.get(p) for p in pages}
    for p in pages:
        assert after[p].status_code == 200, p
    assert _requirements(after["/certifications"].text) == _requirements(
        before["/certifications"].text)
    assert "partner-program" not in after["/certifications"].text
    db.session.expire_all()
    assert [(c.level, c.revoked_at) for c in db.session.query(Certification).filter_by(
        user_id=learner.id)] == held

    status = trainer.get("/admin/content").text
    assert f"{rel}:{line}</code>" in status, re.findall(r"<code>[^<]*</code>", status)
    assert words in status
    assert "以前の版を公開中" in status
    assert "件のファイルが壊れています" in status

    path.write_text(good, encoding="utf-8")  # fixed: nothing is stale any more
    status = trainer.get("/admin/content").text
    assert "以前の版を公開中" not in status and f"{rel}:" not in status
