"""Words for unmet requirements, Japanese and English, kept in one table.

The rules return structured data (kind, target, required, current); these functions turn
it into a sentence a learner or manager understands. The UI may wrap the results in its
own i18n later; the templates stay here so the wording is reviewed in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms.rules.certification import Requirement
from lms.rules.tiers import Missing

Lang = str  # "ja" | "en"

_TEMPLATES: dict[str, dict[str, str]] = {
    "ja": {
        "requires": "{target} 認定の保有が必要です（現在: {current}）",
        "course": "コース「{target}」の修了が必要です",
        "course.met": "コース「{target}」を修了しました",
        "exam": "{target} で {required}% 以上が必要です（現在 {current}%）",
        "exam.none": "{target} で {required}% 以上が必要です（まだ合格していません）",
        "practical": "実技評価の合格（トレーナーの承認）が必要です",
        "practical.met": "実技評価に合格しました",
        "evidence.deals_closed": "成約実績が {required} 件以上必要です（現在 {current} 件）",
        "evidence.csat": "顧客満足度が {required} 以上必要です（現在 {current}）",
        "evidence.none": "{target}が {required} 以上必要です（未登録）",
        "approval": "{target}の承認が必要です",
        "approval.met": "{target}の承認を受けました",
        "certified": "{target} 認定者があと {short} 名必要です（現在 {current} 名 / 必要 {required} 名）",
        "deals_closed": "会社の成約件数があと {short} 件必要です（現在 {current} 件 / 必要 {required} 件）",
        "annual_revenue": "年間売上が {required} 必要です（現在 {current}）",
        "target_met": "売上目標の達成が必要です",
    },
    "en": {
        "requires": "Requires an active {target} certification (now: {current})",
        "course": "Complete the course \"{target}\"",
        "course.met": "Completed the course \"{target}\"",
        "exam": "Score at least {required}% on {target} (best so far: {current}%)",
        "exam.none": "Score at least {required}% on {target} (not passed yet)",
        "practical": "Pass the practical assessment (signed off by a trainer)",
        "practical.met": "Passed the practical assessment",
        "evidence.deals_closed": "Close at least {required} deals (now: {current})",
        "evidence.csat": "Reach a customer satisfaction of {required} or more (now: {current})",
        "evidence.none": "{target} of at least {required} is needed (not recorded yet)",
        "approval": "Needs the {target} sign-off",
        "approval.met": "Signed off: {target}",
        "certified": "{target}-certified staff: {short} more needed (now {current} of {required})",
        "deals_closed": "{short} more company deals needed (now {current} of {required})",
        "annual_revenue": "Annual revenue of {required} needed (now {current})",
        "target_met": "The sales target must be met",
    },
}

_HELD = {
    "ja": {None: "未取得", "active": "有効", "expired": "期限切れ", "revoked": "取り消し"},
    "en": {None: "not held", "active": "active", "expired": "expired", "revoked": "revoked"},
}

_NAMES = {
    "ja": {"recommendation": "推薦", "paper": "論文", "interview": "面接",
           "deals_closed": "成約実績", "csat": "顧客満足度"},
    "en": {"recommendation": "recommendation", "paper": "paper", "interview": "interview",
           "deals_closed": "Deals closed", "csat": "Customer satisfaction"},
}


def describe_requirement(req: Requirement, lang: Lang = "ja",
                         names: Mapping[str, str] | None = None) -> str:
    """One sentence for a certification requirement. ``names`` maps slugs (courses,
    quizzes) to display titles when the caller has them."""
    lang = lang if lang in _TEMPLATES else "ja"
    target = (names or {}).get(req.target) or _NAMES[lang].get(req.target, req.target)
    key = req.kind
    if req.kind == "requires":
        target = req.target.capitalize()
        current = _HELD[lang].get(req.current, str(req.current))
        return _TEMPLATES[lang][key].format(target=target, current=current)
    if req.kind in ("course", "practical", "approval") and req.met:
        key += ".met"
    elif req.kind == "exam" and req.current is None:
        key = "exam.none"
    elif req.kind == "evidence":
        key = "evidence.none" if req.current is None else f"evidence.{req.target}"
        if key not in _TEMPLATES[lang]:
            key = "evidence.none"
    return _TEMPLATES[lang][key].format(target=target, required=_number(req.required),
                                        current=_number(req.current))


def describe_missing(missing: Missing, lang: Lang = "ja") -> str:
    """One sentence for what a company still needs for a tier."""
    lang = lang if lang in _TEMPLATES else "ja"
    required, current = missing.required, missing.current
    if missing.kind == "annual_revenue":
        required, current = format_yen(required, lang), format_yen(current, lang)
    else:
        required, current = _number(required), _number(current)
    short = (_number(missing.required - missing.current)
             if missing.kind in ("certified", "deals_closed") else "")
    return _TEMPLATES[lang][missing.kind].format(
        target=missing.target.capitalize(), required=required, current=current, short=short)


def format_yen(amount: float, lang: Lang = "ja") -> str:
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
