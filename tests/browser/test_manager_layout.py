"""Managers read every page on a phone (390 px) and on a desktop (1280 px), in Japanese
and in English: the page never scrolls sideways, no text is squeezed to a character or two
per line (the stacked table columns of 「7件中0件修了」 we had), tap targets are 44 px,
and the header stays compact on a phone. Screenshots of each page and size are saved for
people to look at (pytest's tmp_path, printed on failure).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import click

MANAGER_PAGES = {
    "channel_manager": ["/partners/", "/partners/tokyo-si", "/partners/kansai-digital",
                        "/partners/expiring", "/certifications/people", "/users/5/certifications",
                        "/leaderboard?scope=companies", "/recognition"],
    "partner_manager": ["/partners/tokyo-si", "/certifications/people", "/leaderboard"],
}
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

# Text squeezed into a column narrower than its words: several lines of at most two
# characters each. Returns what was squeezed, with where it is.
SQUEEZED_JS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (text.length < 4) continue;
    const el = node.parentElement;
    if (!el.getClientRects().length || el.closest('.visually-hidden, details:not([open])')) continue;
    const head = el.closest('thead');  // a stacked table's headings are hidden (1 px) on a phone
    if (head && head.getBoundingClientRect().width <= 1) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (tops.size >= 3 && text.length / tops.size < 3) {
      found.push(`${el.tagName.toLowerCase()}.${el.className}: ${text.slice(0, 30)} (${tops.size} lines)`);
    }
  }
  return found;
}"""
OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
SMALL_TARGETS_JS = """() => [...document.querySelectorAll('main a.button, main button, main select, header a, header button, header summary')]
  .filter(el => el.getClientRects().length && el.getBoundingClientRect().height < 43.5)
  .map(el => `${el.tagName.toLowerCase()} ${el.textContent.trim().slice(0, 20)}: ${Math.round(el.getBoundingClientRect().height)}px`)"""


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("who", MANAGER_PAGES)
def test_manager_pages_fit_phone_and_desktop(as_demo, tmp_path, who, lang, size):
    page = as_demo(who, viewport=SIZES[size], locale="ja-JP" if lang == "ja" else "en-US",
                   extra_http_headers={"Accept-Language": lang})
    problems = {}
    for path in MANAGER_PAGES[who]:
        response = page.goto(path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        shot = tmp_path / f"{who}-{lang}-{size}-{path.strip('/').replace('/', '_') or 'home'}.png"
        page.screenshot(path=str(shot), full_page=True)
        issues = []
        if (overflow := page.evaluate(OVERFLOW_JS)) > 0:
            issues.append(f"scrolls sideways by {overflow}px")
        issues += page.evaluate(SQUEEZED_JS)
        issues += page.evaluate(SMALL_TARGETS_JS)
        if issues:
            problems[path] = issues
    assert not problems, f"layout problems ({who}, {lang}, {size}; screenshots in {tmp_path}): {problems}"


def test_phone_header_is_one_row_and_opens_as_a_menu(as_demo):
    page = as_demo("channel_manager", viewport=SIZES["phone"])
    page.goto("/partners/")
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 64, "the header takes more than one row on a phone"
    companies = page.get_by_role("link", name="パートナー企業", exact=True)
    assert not companies.is_visible(), "the menu is open on a phone before it is asked for"
    toggle = page.locator("summary.site-menu__toggle")
    assert toggle.inner_text().startswith("メニュー")
    toggle.focus()
    page.keyboard.press("Enter")  # from the keyboard, as from a tap
    assert companies.is_visible()
    click(companies)
    page.wait_for_url("**/partners/")


def test_desktop_header_shows_the_menu_without_a_toggle(as_demo):
    page = as_demo("channel_manager", viewport=SIZES["desktop"])
    page.goto("/partners/")
    assert not page.locator("summary.site-menu__toggle").is_visible()
    assert page.get_by_role("link", name="パートナー企業", exact=True).is_visible()
    assert page.locator("header.site-header").bounding_box()["height"] <= 130


def test_stacked_rows_label_every_value_on_a_phone(as_demo):
    """On a phone each company is a card whose values carry their column's name."""
    page = as_demo("channel_manager", viewport=SIZES["phone"])
    page.goto("/partners/")
    row = page.locator("table.companies tbody tr").first
    assert row.locator("th").inner_text()
    label = row.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label.strip('"') == "現ティア"
    assert row.bounding_box()["width"] >= 340, "the row is not a full-width card"
