"""The CSV exports speak the reader's language: Japanese column names for a Japanese
reader (English for English), times in the reader's time zone (named in the column),
titles beside codes, yes/no as words. Excel-safe as before (BOM, formula guard)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from lms.models import Attempt
from tests.conftest import csrf_token, login


def rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "no byte-order mark: Excel would misread Japanese"
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def as_dicts(text: str) -> list[dict[str, str]]:
    header, *body = rows(text)
    return [dict(zip(header, row)) for row in body]


def switch_to_english(client) -> None:
    client.post("/language", data={"csrf_token": csrf_token(client, "/settings"), "lang": "en"})


def test_company_people_in_japanese_with_local_times(client, make, certs, db):
    org = make.org("acme", name="アクメ株式会社")
    ann = make.user("learner", org=org, email="ann@acme.example")
    ann.last_active_at = datetime(2026, 12, 1, 15, 30, tzinfo=timezone.utc)
    db.session.commit()
    cert = certs.add(ann, "bronze", days=30)
    login(client, make.user("manager", org=org))
    people = as_dicts(client.get("/partners/acme/people.csv").get_data(as_text=True))
    row = next(r for r in people if r["メールアドレス"] == "ann@acme.example")
    assert row["会社"] == "アクメ株式会社" and row["会社ID"] == "acme"
    assert row["役割"] == "受講者" and row["役割（コード）"] == "learner"
    assert row["最終サインイン（Asia/Tokyo）"] == "2026-12-02 00:30"  # 15:30 UTC is next day in Tokyo
    assert row["最上位の認定"] == "Bronze Certification"
    assert row["最上位の認定（コード）"] == "bronze"
    expires = cert.expires_at.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Asia/Tokyo"))
    assert row["Bronze Certification 有効期限（Asia/Tokyo）"] == expires.strftime("%Y-%m-%d %H:%M")


def test_companies_in_english_with_titles_beside_codes(client, make, certs):
    org = make.org("acme", name="Acme")
    certs.add(make.user("learner", org=org), "bronze")
    login(client, make.user("manager"))  # a channel manager
    switch_to_english(client)
    companies = as_dicts(client.get("/partners/export/companies.csv?q=acme").get_data(as_text=True))
    row = next(r for r in companies if r["Company ID"] == "acme")
    assert row["Tier held"] == "Registered Partner" and row["Tier held (code)"] == "registered"
    assert row["Eligible tier"] == "Bronze Partner" and row["Eligible tier (code)"] == "bronze"
    assert row["Certified: Bronze Certification"] == "1"
    assert row["Sales target met"] == "No"
    assert row["At risk"] in ("Yes", "No")


def test_companies_say_why_a_company_is_at_risk(client, make, certs):
    org = make.org("quiet", name="Quiet Co")
    make.user("learner", org=org)  # nobody active, trained or certified: health 0
    login(client, make.user("manager"))
    companies = as_dicts(client.get("/partners/export/companies.csv?q=quiet").get_data(as_text=True))
    row = next(r for r in companies if r["会社ID"] == "quiet")
    assert row["リスクあり"] == "はい"
    assert row["リスクの理由"] == "ヘルススコアが低い"
    assert row["ヘルススコア"] == "0"


def test_results_follow_the_readers_time_zone_and_language(client, make, db):
    org = make.org("acme", name="アクメ")
    learner = make.user("learner", org=org, email="taro@acme.example")
    started = datetime(2026, 6, 1, 23, 0, tzinfo=timezone.utc)
    db.session.add(Attempt(user_id=learner.id, quiz_slug="bronze-exam", number=1,
                           status="graded", started_at=started, snapshot={}, submitted_at=started,
                           score=4, total=5, percent=80.0, passed=True))
    db.session.commit()
    reader = make.user("trainer", timezone="America/New_York")
    login(client, reader)
    results = as_dicts(client.get("/quizzes/bronze-exam/results.csv").get_data(as_text=True))
    row = next(r for r in results if r["メールアドレス"] == "taro@acme.example")
    assert row["開始日時（America/New_York）"] == "2026-06-01 19:00"
    assert row["結果"] == "合格" and row["状態"] == "採点済み"
    assert row["クイズID"] == "bronze-exam" and row["クイズ"] != "bronze-exam"
    assert row["会社"] == "アクメ" and row["得点率（%）"] == "80"
