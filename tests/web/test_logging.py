"""What the operator's guide promises about logs (docs/operations.md "E-mail", "Logs")."""

from __future__ import annotations

from lms.extensions import db as _db
from lms.mail.delivery import deliver_due
from lms.services.notifications import send_mail


def test_mail_without_an_smtp_host_is_written_to_the_log(app, db, caplog):
    # caplog keeps the loggers' own levels: a record the site's logger drops is not seen.
    with app.app_context():
        assert not app.config["MAIL_SERVER"]
        send_mail("taro@example.com", "Certified", "Congratulations")
        _db.session.commit()
        assert deliver_due() == 1
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("mail to=taro@example.com subject=Certified") for line in lines), lines
