"""Sign-in throttling keys, the password-check throttle, odd sign-in addresses, proxies.

The parallel behaviour (many requests at once) is in test_throttle_parallel.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.config import load_config
from lms.models import AuditEvent
from lms.models.types import utcnow
from lms.services import throttle
from tests.conftest import PASSWORD, csrf_token, login, post_form
from tests.web.helpers import app_on

WRONG = "wrong password!"


def sign_in(client, email, password=PASSWORD, address="127.0.0.1", **headers):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def audit_rows(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def test_the_limits_are_the_documented_ones(app):
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"] == 5
    assert app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] == 30
    assert app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] == 100
    assert app.config["LOGIN_THROTTLE_WINDOW"] == 15 * 60
    assert app.config["TRUSTED_PROXIES"] == 0


# -- who is locked out ------------------------------------------------------------------


def test_guessing_from_one_address_does_not_lock_the_owner_out_from_another(client, make):
    owner = make.user("learner", org=make.org())
    attacker = "203.0.113.9"
    for _ in range(5):
        assert sign_in(client, owner.email, WRONG, attacker).status_code == 401
    # The attacker keeps going, far past every limit...
    for _ in range(150):
        assert sign_in(client, owner.email, WRONG, attacker).status_code == 429
    # ...and is refused even with the right password,
    assert sign_in(client, owner.email, PASSWORD, attacker).status_code == 429
    # while the owner, elsewhere, signs in.
    assert sign_in(client, owner.email, PASSWORD, "198.51.100.20").status_code == 302


def test_guessing_from_many_addresses_meets_the_per_account_limit(app, db, make):
    with app_on(app, LOGIN_MAX_FAILURES_PER_ACCOUNT=12) as small:
        client = small.test_client()
        owner = make.user("learner", org=make.org())
        statuses = [sign_in(client, owner.email, WRONG, f"203.0.113.{n}").status_code
                    for n in range(1, 4) for _ in range(5)]
        # 5 + 5 from two addresses, 2 more from the third: the account's 12 are used up.
        assert statuses == [401] * 12 + [429] * 3
        assert sign_in(client, owner.email, PASSWORD, "198.51.100.20").status_code == 429


def test_a_right_password_gives_the_attempt_back(client, make, db):
    owner = make.user("learner", org=make.org())
    for _ in range(4):
        assert sign_in(client, owner.email, WRONG).status_code == 401
    assert sign_in(client, owner.email).status_code == 302
    now, window = utcnow(), timedelta(minutes=15)
    pair = throttle.key("account-address", owner.email, "127.0.0.1")
    assert throttle.count(pair, now, window) == 0
    assert throttle.count(throttle.key("address", "127.0.0.1"), now, window) == 4
    assert throttle.count(throttle.key("account", owner.email), now, window) == 4


def test_the_count_starts_again_when_the_window_ends(app, db):
    key, window = throttle.key("address", "192.0.2.1"), timedelta(minutes=15)
    start = utcnow()
    assert [throttle.hit(key, start, window) for _ in range(3)] == [1, 2, 3]
    later = start + window + timedelta(seconds=1)
    assert throttle.hit(key, later, window) == 1
    assert throttle.hit(key, later, window) == 2
    db.session.commit()
    assert throttle.count(key, later, window) == 2
    assert throttle.count(key, later + window, window) == 0


def test_long_keys_fit_the_column(app, db):
    long_key = throttle.key("account-address", "a" * 250 + "@example.com", "2001:db8::1" * 5)
    assert len(long_key) <= 300 and long_key.startswith("account-address:sha256:")
    assert throttle.key("address", "192.0.2.1") == "address:192.0.2.1"


# -- the current-password check on the settings page ---------------------------------------


def change_password(client, current, new="a brand new passphrase"):
    return post_form(client, "/settings/password",
                     {"current_password": current, "new_password": new, "confirm": new})


def test_password_check_is_throttled_even_for_the_right_password(app, client, signed_in, db):
    user = signed_in("learner")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        wrong = change_password(client, WRONG)
        assert wrong.status_code == 400
        assert "現在のパスワードが正しくありません" in wrong.get_data(as_text=True)
    refused = change_password(client, PASSWORD)
    assert refused.status_code == 429
    assert "パスワードの誤りが続いたため、一時的にロックしました。15分後にもう一度お試しください。" in refused.get_data(as_text=True)
    assert [e.target for e in audit_rows(db, "password.throttled")] == [user.email]
    # The password did not change: the old one still signs in.
    assert login(app.test_client(), user).status_code == 302


def test_a_right_current_password_resets_the_password_check_count(app, client, signed_in):
    signed_in("learner")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit - 1):
        assert change_password(client, WRONG).status_code == 400
    assert change_password(client, PASSWORD, new="short").status_code == 400  # right, new too short
    for _ in range(limit - 1):
        assert change_password(client, WRONG).status_code == 400
    assert change_password(client, PASSWORD).status_code == 302


# -- odd sign-in addresses ------------------------------------------------------------------


@pytest.mark.parametrize("length", [201, 230, 254])
def test_long_sign_in_addresses_within_the_limit_are_ordinary_failures(client, db, length):
    email = "x" * (length - len("@example.com")) + "@example.com"
    response = sign_in(client, email, WRONG)
    assert response.status_code == 401
    [event] = audit_rows(db, "login.failed")
    assert event.target == email[:200] and event.address == "127.0.0.1"


@pytest.mark.parametrize("email, message", [
    ("x" * 243 + "@example.com", "メールアドレスは254文字以内で入力してください。"),
    ("x" * 400 + "@example.com", "メールアドレスは254文字以内で入力してください。"),
    ("someone\x00@example.com", "メールアドレスに使用できない文字が含まれています。"),
    ("\x00", "メールアドレスに使用できない文字が含まれています。"),
])
def test_impossible_sign_in_addresses_are_refused_with_a_reason(client, db, email, message):
    response = sign_in(client, email, WRONG)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    [event] = audit_rows(db, "login.failed")
    assert "\x00" not in event.target and len(event.target) <= 200
    assert event.detail == {"reason": "email_too_long" if "\x00" not in email
                            else "email_bad_characters"}


def test_impossible_sign_in_addresses_count_towards_the_address_limit(app, client, make):
    user = make.user("learner", org=make.org())
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        odd = "x" * 300 + "@example.com" if i % 2 else f"guess{i}\x00@example.com"
        assert sign_in(client, odd, WRONG).status_code == 400
    assert sign_in(client, "x" * 300 + "@example.com", WRONG).status_code == 429
    assert sign_in(client, user.email).status_code == 429


# -- addresses behind proxies ------------------------------------------------------------


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(app, client, make, db):
    user = make.user("learner", org=make.org())
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        response = sign_in(client, f"guess{i}@example.com", WRONG,
                           **{"X-Forwarded-For": f"203.0.113.{i}"})
        assert response.status_code == 401
    # A forged header is no way around the limit on the real address.
    assert sign_in(client, user.email, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert {e.address for e in audit_rows(db, "login.failed")} == {"127.0.0.1"}


def test_forwarded_for_from_a_trusted_proxy_is_the_client_address(app, db, make):
    user = make.user("learner", org=make.org())
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    with app_on(app, TRUSTED_PROXIES=1) as behind_proxy:
        client = behind_proxy.test_client()
        proxy = "10.0.0.2"  # every request comes from the balancer
        for i in range(limit):
            response = sign_in(client, f"guess{i}@example.com", WRONG, proxy,
                               **{"X-Forwarded-For": "203.0.113.5"})
            assert response.status_code == 401
        assert sign_in(client, user.email, PASSWORD, proxy,
                       **{"X-Forwarded-For": "203.0.113.5"}).status_code == 429
        # Another client behind the same balancer is not locked out; what a client puts
        # in the header itself (the left entry) is not believed.
        assert sign_in(client, user.email, PASSWORD, proxy,
                       **{"X-Forwarded-For": "203.0.113.5, 198.51.100.7"}).status_code == 302
    assert {e.address for e in audit_rows(db, "login.failed")} == {"203.0.113.5"}
    assert [e.address for e in audit_rows(db, "login")] == ["198.51.100.7"]


def test_trusted_proxies_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LMS_TRUSTED_PROXIES", raising=False)
    assert load_config(str(tmp_path))["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("LMS_TRUSTED_PROXIES", "2")
    assert load_config(str(tmp_path))["TRUSTED_PROXIES"] == 2
    for bad in ("yes", "-1", "1.5", "100"):
        monkeypatch.setenv("LMS_TRUSTED_PROXIES", bad)
        with pytest.raises(ValueError, match="LMS_TRUSTED_PROXIES"):
            load_config(str(tmp_path))
