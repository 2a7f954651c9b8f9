"""The `lms` command line: check, create-org, create-user, create-token, import-users, backup, db."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lms.cli import main
from lms.models import AuditEvent, Organization, User
from lms.security.passwords import verify_password
from tests.conftest import FIXTURE_CONTENT, PASSWORD
from tests.web.helpers import REPO_ROOT, copy_fixture_content, sqlite_app

LMS = str(Path(sys.executable).with_name("lms"))


@pytest.fixture()
def run(app, db):
    """Invoke an `lms` command in-process against the test app and database."""
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        result = runner.invoke(main, list(args), input=input)
        db.session.rollback()  # see what the command committed
        return result

    return invoke


# -- lms check ----------------------------------------------------------------------


def test_check_passes_on_the_fixture_content():
    result = CliRunner().invoke(main, ["check", "--content", str(FIXTURE_CONTENT)])
    assert result.exit_code == 0, result.output


def test_check_reports_path_line_and_fails_on_errors(tmp_path):
    content = copy_fixture_content(tmp_path / "content")
    (content / "courses/getting-started/02-pricing.md").write_text(
        "---\ntitle: 料金\nminutes: many\n---\n本文\n", encoding="utf-8")
    (content / "courses/bad-front").mkdir()
    (content / "courses/bad-front/course.md").write_text("本文だけ\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("courses/getting-started/02-pricing.md:3: ") for line in lines), lines
    assert any(line.startswith("courses/bad-front/course.md:") for line in lines), lines
    assert all(":" in line.split(" ", 1)[0] for line in lines)


def test_check_prints_warnings_but_passes_when_there_are_only_warnings(tmp_path):
    content = copy_fixture_content(tmp_path / "content")
    lesson = content / "courses/getting-started/02-pricing.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n[外](../../outside.md)\n",
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert "courses/getting-started/02-pricing.md:" in result.stdout
    assert "warning: " in result.stdout
    assert result.exit_code == 0, result.output


def test_check_of_a_missing_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["check", "--content", str(tmp_path / "nope")])
    assert result.exit_code == 2


# -- accounts -------------------------------------------------------------------------


def test_create_org_and_user(run, db):
    result = run("create-org", "--slug", "tokyo-si", "--name", "東京SI")
    assert result.exit_code == 0, result.output
    result = run("create-user", "--email", "Taro@Example.com", "--name", "山田 太郎",
                 "--role", "learner", "--org", "tokyo-si", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "taro@example.com"))
    assert user.role == "learner" and user.organization.slug == "tokyo-si"
    assert verify_password(user.password_hash, PASSWORD)
    assert PASSWORD not in user.password_hash


def test_create_org_refuses_bad_or_taken_slugs(run, db):
    assert run("create-org", "--slug", "Bad Slug", "--name", "x").exit_code == 1
    assert run("create-org", "--slug", "acme", "--name", "Acme").exit_code == 0
    result = run("create-org", "--slug", "acme", "--name", "Acme again")
    assert result.exit_code == 1 and "slug" in result.output
    assert len(db.session.scalars(select(Organization)).all()) == 1


def test_create_user_prompts_for_the_password(run, db):
    result = run("create-user", "--email", "admin@example.com", "--name", "管理者",
                 "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    user = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    assert user.organization is None and verify_password(user.password_hash, PASSWORD)


def test_create_user_refuses_bad_input_and_adds_nothing(run, db):
    bad = [
        ["--role", "learner", "--password", PASSWORD],  # a learner needs a company
        ["--role", "admin", "--password", "short"],
        ["--role", "admin", "--password", "password123"],  # too common
        ["--role", "admin", "--org", "missing", "--password", PASSWORD],
        ["--role", "overlord", "--password", PASSWORD],
    ]
    for extra in bad:
        result = run("create-user", "--email", "x@example.com", "--name", "X", *extra)
        assert result.exit_code != 0, extra
    assert db.session.scalars(select(User)).all() == []


def test_create_token_prints_only_the_token_and_it_works(run, client, make, db):
    user = make.user("learner", org=make.org())
    result = run("create-token", "--email", user.email)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and " " not in token
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["email"] == user.email
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.created"))
    assert event is not None and token not in repr(vars(event))


def test_create_token_for_an_unknown_user_fails(run):
    result = run("create-token", "--email", "nobody@example.com")
    assert result.exit_code == 1 and result.stdout == ""


# -- import-users ------------------------------------------------------------------------


def test_import_users_adds_every_row_of_a_good_file(run, make, db, tmp_path):
    make.org("tokyo-si")
    csv = tmp_path / "users.csv"
    csv.write_text("email,name,role,org\n"
                   "a@example.com,鈴木 一郎,learner,tokyo-si\n"
                   "b@example.com,\"高橋, 美咲\",manager,tokyo-si\n"
                   "c@example.com,研修 花子,trainer,\n", encoding="utf-8")
    result = run("import-users", str(csv))
    assert result.exit_code == 0, result.output
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert set(users) == {"a@example.com", "b@example.com", "c@example.com"}
    assert users["b@example.com"].name == "高橋, 美咲" and users["b@example.com"].role == "manager"
    assert users["c@example.com"].organization is None


@pytest.mark.parametrize("bad_row,message", [
    ("d@example.com,伊藤,learner,no-such-org", "org"),
    ("not-an-email,伊藤,learner,tokyo-si", "email"),
    ("d@example.com,伊藤,superuser,tokyo-si", "role"),
    ("a@example.com,重複,learner,tokyo-si", "email"),  # same address as line 2
    ("d@example.com,,learner,tokyo-si", "name"),
])
def test_import_users_rejects_the_whole_file_on_a_bad_row(run, make, db, tmp_path, bad_row,
                                                          message):
    make.org("tokyo-si")
    csv = tmp_path / "users.csv"
    csv.write_text("email,name,role,org\n"
                   "a@example.com,鈴木,learner,tokyo-si\n"
                   "b@example.com,高橋,learner,tokyo-si\n"
                   f"{bad_row}\n"
                   "e@example.com,小林,learner,tokyo-si\n", encoding="utf-8")
    result = run("import-users", str(csv))
    assert result.exit_code == 1
    assert "line 4" in result.output and message in result.output
    assert db.session.scalars(select(User)).all() == []


def test_import_users_reports_every_bad_row_by_line_in_words(run, make, db, tmp_path):
    make.org("tokyo-si")
    csv = tmp_path / "users.csv"
    csv.write_text("email,name,role,org\n"
                   "a@example.com,鈴木,learner,tokyo-si\n"
                   "not-an-email,高橋,learner,tokyo-si\n"
                   "c@example.com,伊藤,learner,no-such-org\n"
                   "A@example.com,重複,learner,tokyo-si\n", encoding="utf-8")
    result = run("import-users", str(csv))
    assert result.exit_code == 1
    assert "line 3: email: Enter a valid email address." in result.output
    assert "line 4: org: No such partner company." in result.output
    assert "line 5: email: A user with this email address already exists." in result.output
    assert "line 2" not in result.output
    assert db.session.scalars(select(User)).all() == []


def test_import_users_needs_the_columns(run, db, tmp_path):
    csv = tmp_path / "users.csv"
    csv.write_text("email,name\na@example.com,A\n", encoding="utf-8")
    result = run("import-users", str(csv))
    assert result.exit_code == 1 and "line 1" in result.output and "role" in result.output
    assert db.session.scalars(select(User)).all() == []


# -- database: upgrade keeps data, online backup ----------------------------------------


def test_db_upgrade_keeps_data(run, make, db):
    org = make.org("keep-me")
    user = make.user("learner", org=org)
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert db.session.get(User, user.id).organization.slug == "keep-me"


def test_fresh_install_upgrade_token_and_backup_on_sqlite(tmp_path):
    # No test app context is open here, so the commands run in the SQLite app's own.
    with sqlite_app(tmp_path) as other:
        runner = other.test_cli_runner()
        assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(main, ["create-org", "--slug", "acme", "--name", "Acme"]).exit_code == 0
        created = runner.invoke(main, ["create-user", "--email", "a@example.com", "--name", "A",
                                       "--role", "learner", "--org", "acme"],
                                input=f"{PASSWORD}\n{PASSWORD}\n")
        assert created.exit_code == 0, created.output
        # As a shell would use it: TOKEN=$(lms create-token --email E). A real process,
        # so that anything logging to stdout would show.
        env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path / "instance"),
                   LMS_DATABASE_URL=other.config["SQLALCHEMY_DATABASE_URI"],
                   LMS_CONTENT_DIR=str(FIXTURE_CONTENT), LMS_SECRET_KEY="cli-test")
        token = subprocess.run([LMS, "create-token", "--email", "a@example.com"], env=env,
                               capture_output=True, text=True, timeout=120, cwd=str(REPO_ROOT))
        assert token.returncode == 0, token.stderr
        assert re.fullmatch(r"pa_[A-Za-z0-9_-]{40,}\n", token.stdout), token.stdout
        # Upgrading again (as `lms serve` does at every start) keeps everything.
        assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
        with other.app_context():
            response = other.test_client().get(
                "/api/v1/me", headers={"Authorization": f"Bearer {token.stdout.strip()}"})
        assert response.get_json()["email"] == "a@example.com"

        backup = tmp_path / "backup.sqlite3"
        result = runner.invoke(main, ["backup", str(backup)])
        assert result.exit_code == 0, result.output
        assert "integrity ok" in result.stdout
        with sqlite3.connect(backup) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT email FROM users").fetchall() == [("a@example.com",)]
            assert conn.execute("SELECT count(*) FROM api_tokens").fetchone()[0] == 1
        # An existing file is never overwritten.
        before = backup.read_bytes()
        again = runner.invoke(main, ["backup", str(backup)])
        assert again.exit_code != 0 and "refusing to overwrite" in again.output
        assert backup.read_bytes() == before


# -- lms new -------------------------------------------------------------------------


def test_new_course_and_quiz_write_skeletons_lms_check_accepts(tmp_path):
    runner = CliRunner()
    for kind, slug in (("course", "sales-basics"), ("quiz", "sales-check")):
        result = runner.invoke(main, ["new", kind, slug, "--content", str(tmp_path),
                                      "--title", "営業の基本"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "courses/sales-basics/course.md").read_text(encoding="utf-8").startswith(
        '---\ntitle: "営業の基本"\ndraft: true\n')
    assert (tmp_path / "courses/sales-basics/01-introduction.md").is_file()
    assert (tmp_path / "quizzes/sales-check.md").is_file()
    checked = runner.invoke(main, ["check", "--content", str(tmp_path)])
    assert checked.exit_code == 0 and checked.stdout == "", checked.output


def test_new_refuses_a_bad_slug_and_an_existing_file(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["new", "quiz", "Bad_Slug", "--content", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["new", "quiz", "q", "--content", str(tmp_path)]).exit_code == 0
    again = runner.invoke(main, ["new", "quiz", "q", "--content", str(tmp_path)])
    assert again.exit_code == 1 and "exists" in again.output
