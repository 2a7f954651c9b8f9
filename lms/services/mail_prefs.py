"""Which notifications a person also wants by e-mail.

The notification centre always keeps every kind; a person may only turn e-mail copies off.
Each notification kind belongs to one preference; kinds not listed here (a revoked
certification, account links) are always mailed. Everything that mails a person about an
event asks :func:`wants_mail` first — through ``lms.services.notifications.mail_to``.
"""

from __future__ import annotations

from lms.database import begin_write
from lms.extensions import db
from lms.i18n import lazy_gettext as _l
from lms.models import User

# preference → its label on the settings page, in the order shown.
PREFERENCES = {
    "awarded": _l("A certification is awarded to me"),
    "essay_graded": _l("A trainer graded my written answer"),
    "expiring": _l("My certification is about to expire or has expired"),
    "assignment": _l("A course or certification is assigned to me, or is nearly due"),
    "post_reply": _l("Someone answers my question in a discussion"),
    "digest": _l("Weekly digest for managers (expiring certifications, overdue assignments)"),
}

# notification kind (lms/services/inbox.py) → the preference that governs its e-mail.
PREFERENCE_OF = {
    "certification_awarded": "awarded",
    "essay_graded": "essay_graded",
    "certification_expiring": "expiring",
    "certification_expired": "expiring",
    "certification_recertify": "expiring",
    "assignment_given": "assignment",
    "assignment_due": "assignment",
    "assignment_overdue": "assignment",
    "post_reply": "post_reply",
    "digest": "digest",
    "weekly_digest": "digest",
    "monthly_summary": "digest",
}


def turned_off(user: User) -> frozenset[str]:
    return frozenset((user.mail_off or "").split()) & PREFERENCES.keys()


def wants_mail(user: User, kind: str) -> bool:
    """True unless the person turned e-mail off for this notification kind."""
    preference = PREFERENCE_OF.get(kind, kind)
    return preference not in turned_off(user)


def set_wanted(user: User, wanted) -> frozenset[str]:
    """Keep e-mail for the preferences in ``wanted``, turn the others off; what is off."""
    unknown = set(wanted) - PREFERENCES.keys()
    if unknown:
        raise ValueError(f"unknown e-mail preferences: {sorted(unknown)}")
    off = frozenset(PREFERENCES.keys() - set(wanted))
    begin_write()
    person = db.session.get(User, user.id)
    person.mail_off = " ".join(sorted(off))
    db.session.commit()
    return off
