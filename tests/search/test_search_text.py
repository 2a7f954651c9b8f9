"""The search rules with no app: folding, terms, snippets."""

from __future__ import annotations

from lms.services.search_text import fold, highlight, plain_text, query_terms, snippet


def test_folding_makes_widths_and_cases_meet():
    assert fold("ＡＰＩキー") == "apiキー"
    assert fold("ﾃﾞｰﾀ") == fold("データ")
    assert query_terms("  音声  ＡＰＩ 音声 ") == ("音声", "api")
    assert query_terms("") == () and query_terms(None) == ()


def test_plain_text_drops_tags_keeps_words_apart():
    assert plain_text("<h1>概要</h1><p>音声<b>認識</b></p><td>a</td><td>b</td>") == "概要 音声認識 a b"
    assert plain_text("<p>&lt;b&gt;太字&lt;/b&gt;</p>") == "<b>太字</b>"
    # A Japanese sentence wrapped in the source is one run of text; English keeps its space.
    assert plain_text("<p>音声\n認識の精度\nand\nmore</p>") == "音声認識の精度 and more"
    assert plain_text("<p>概要</p>\n<p>音声</p>") == "概要 音声"


def test_snippet_marks_every_match_and_escapes_the_rest():
    text = "<b>太字</b> と音声認識、また音声認識。"
    html = str(snippet(text, ("音声認識",)))
    assert html.count("<mark>音声認識</mark>") == 2
    assert "&lt;b&gt;太字&lt;/b&gt;" in html and "<b>" not in html


def test_highlight_maps_folded_matches_back_to_the_original_characters():
    assert str(highlight("管理画面でＡＰＩキー", ("api",))) == "管理画面で<mark>ＡＰＩ</mark>キー"
    assert str(highlight("ﾃﾞｰﾀ は", ("データ",))) == "<mark>ﾃﾞｰﾀ</mark> は"


def test_snippet_of_a_long_text_is_around_the_match():
    text = "あ" * 500 + "音声認識" + "い" * 500
    html = str(snippet(text, ("音声認識",)))
    assert html.startswith("… ") and html.endswith(" …") and "<mark>音声認識</mark>" in html
    assert len(html) < 220
