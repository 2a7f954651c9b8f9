"""What the operator's guide promises about logs (docs/operations.md "E-mail", "Logs")."""

from __future__ import annotations

import logging

from lms.extensions import db as _db
from lms.mail.delivery import deliver_due
from lms.services.notifications import send_mail


def test_mail_without_an_smtp_host_is_written_to_the_log(app, db, caplog):
    # caplog keeps the loggers' own levels: a record the site's logger drops is not seen.
    with app.app_context():
        assert not app.config["MAIL_SERVER"]
        send_mail("taro@example.com", "Certified", "Congratulations\n\nhttps://academy.test/verify/x")
        _db.session.commit()
        assert deliver_due() == 1
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("mail to=taro@example.com subject=Certified") for line in lines), lines


def test_unsent_mail_is_a_warning_that_survives_a_server_printing_warnings_only(app, caplog):
    # Servers and log collectors often keep WARNING and above only: the message (with its
    # links) is the only copy an operator has, so it must not be dropped there.
    level = app.logger.level
    app.logger.setLevel(logging.WARNING)
    try:
        with app.app_context():
            send_mail("taro@example.com", "Certified", "Congratulations\n\nhttps://academy.test/verify/x")
            _db.session.commit()
            assert deliver_due() == 1  # the worker's round: an unsent message is logged
    finally:
        app.logger.setLevel(level)
    records = [r for r in caplog.records if r.getMessage().startswith("mail to=taro@example.com")]
    assert [r.levelno for r in records] == [logging.WARNING]
    text = records[0].getMessage()
    assert "subject=Certified" in text and "LMS_SMTP_HOST" in text
    assert "    Congratulations" in text and "    https://academy.test/verify/x" in text
