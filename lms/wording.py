"""Sentences for unmet requirements, through Flask-Babel like every UI string.

The rules return structured data (kind, target, required, current); these functions
turn it into words a learner or manager understands, in the current locale or the
one given (the API answers in the caller's language).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale

from lms.i18n import lazy_gettext as _l
from lms.rules.certification import Requirement
from lms.rules.tiers import Missing

LANGUAGES = ("ja", "en")

_TEXT = {
    "requires": _l("Requires an active %(target)s certification (now: %(current)s)"),
    "course": _l("Complete the course “%(target)s”"),
    "course.met": _l("Completed the course “%(target)s”"),
    "exam": _l("Score at least %(required)s%% on %(target)s (best so far: %(current)s%%)"),
    "exam.none": _l("Score at least %(required)s%% on %(target)s (not passed yet)"),
    "practical": _l("Pass the practical assessment (signed off by a trainer)"),
    "practical.met": _l("Passed the practical assessment"),
    "evidence.deals_closed": _l("Close at least %(required)s deals (now: %(current)s)"),
    "evidence.csat": _l("Reach a customer satisfaction of %(required)s or more (now: %(current)s)"),
    "evidence.none": _l("%(target)s of at least %(required)s is needed (not recorded yet)"),
    "approval": _l("Needs the %(target)s sign-off"),
    "approval.met": _l("Signed off: %(target)s"),
    "certified": _l("%(target)s-certified staff: %(short)s more needed (now %(current)s of %(required)s)"),
    "deals_closed": _l("%(short)s more company deals needed (now %(current)s of %(required)s)"),
    "annual_revenue": _l("Annual revenue of %(required)s needed (now %(current)s)"),
    "target_met": _l("The sales target must be met"),
}

_HELD = {
    None: _l("not held"),
    "active": _l("active"),
    "expired": _l("expired"),
    "revoked": _l("revoked"),
}

_NAMES = {
    "recommendation": _l("recommendation"),
    "paper": _l("paper"),
    "interview": _l("interview"),
    "deals_closed": _l("Deals closed"),
    "csat": _l("Customer satisfaction"),
}


def requirement_name(name: str) -> str:
    """A sign-off or evidence name (recommendation, paper, …) in the current language."""
    return str(_NAMES.get(name, name))


def _in(lang: str | None):
    if lang is None:
        return nullcontext()
    return force_locale(lang if lang in LANGUAGES else "ja")


def describe_requirement(req: Requirement, lang: str | None = None,
                         names: Mapping[str, str] | None = None) -> str:
    """One sentence for a certification requirement; ``names`` maps slugs to titles."""
    with _in(lang):
        target = (names or {}).get(req.target) or str(_NAMES.get(req.target, req.target))
        key = req.kind
        if req.kind == "requires":
            held = _HELD.get(req.current)
            return str(_TEXT[key]) % {"target": req.target.capitalize(),
                                      "current": str(held) if held else str(req.current)}
        if req.kind in ("course", "practical", "approval") and req.met:
            key += ".met"
        elif req.kind == "exam" and req.current is None:
            key = "exam.none"
        elif req.kind == "evidence":
            key = "evidence.none" if req.current is None else f"evidence.{req.target}"
            key = key if key in _TEXT else "evidence.none"
        return str(_TEXT[key]) % {"target": target, "required": _number(req.required),
                                  "current": _number(req.current)}


def describe_missing(missing: Missing, lang: str | None = None) -> str:
    """One sentence for what a company still needs for a tier."""
    locale = (lang if lang in LANGUAGES else "ja") if lang is not None else _current_language()
    required, current = missing.required, missing.current
    if missing.kind == "annual_revenue":
        required, current = format_yen(required, locale), format_yen(current, locale)
    else:
        required, current = _number(required), _number(current)
    short = (_number(missing.required - missing.current)
             if missing.kind in ("certified", "deals_closed") else "")
    return _tier_texts(locale)[missing.kind] % {"target": missing.target.capitalize(),
                                                "required": required, "current": current,
                                                "short": short}


def _tier_texts(locale: str) -> dict[str, str]:
    """The sentences in one language, translated once per app and language: the
    dashboard describes 50 companies' gaps per page, and entering ``force_locale`` for
    each sentence was a quarter of its time. Catalogues are fixed while the app runs."""
    if not has_app_context():
        return {key: str(text) for key, text in _TEXT.items()}
    cache = current_app.extensions.setdefault("lms.wording", {})
    texts = cache.get(locale)
    if texts is None:
        with force_locale(locale):
            texts = cache[locale] = {key: str(text) for key, text in _TEXT.items()}
    return texts


def _current_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "ja"


def format_yen(amount: float, lang: str = "ja") -> str:
    """Yen the way people say it: 10億円, 1億5000万円, 3万2000円; "¥1,000,000,000" in English."""
    amount = int(round(amount))
    if lang != "ja":
        return f"¥{amount:,}"
    if amount == 0:
        return "0円"
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    parts = []
    for unit, size in (("兆", 10**12), ("億", 10**8), ("万", 10**4)):
        if amount >= size:
            parts.append(f"{amount // size}{unit}")
            amount %= size
    if amount:
        parts.append(str(amount))
    return sign + "".join(parts) + "円"


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
