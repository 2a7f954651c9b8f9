"""The checkers themselves: a page with known faults must fail, or a green run proves nothing."""

from __future__ import annotations

import pytest

from tests.a11y.tools import assert_accessible, assert_valid_html

BROKEN_PAGE = """<!doctype html><html><head><title>broken</title></head><body>
<main><img src="x.png"><form><input type="text" name="q"></form>
<p style="color:#ddd;background:#fff">faint text</p></main></body></html>"""


def test_axe_reports_serious_violations(page):
    page.set_content(BROKEN_PAGE)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "a deliberately broken page")
    message = str(failure.value)
    assert "image-alt" in message and "label" in message and "color-contrast" in message


def test_vnu_reports_errors():
    with pytest.raises(AssertionError) as failure:
        assert_valid_html({"broken": "<!doctype html><html lang=en><title>x</title><p><div id=a id=a></p>"})
    assert "broken:" in str(failure.value)
