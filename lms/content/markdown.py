"""Markdown to safe HTML, for every piece of authored content.

Python-Markdown passes raw HTML, event handlers and ``javascript:`` URLs straight
through, so everything it produces goes through an nh3 allowlist afterwards. This
module is the only place that renders Markdown; it is called when a file is loaded,
never per request.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

UrlRewriter = Callable[[str], str]

EXTENSIONS = [
    "tables",
    "fenced_code",
    "toc",
    "admonition",
    "footnotes",
    "def_list",
    "sane_lists",
    "attr_list",
]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup",
    "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul", "label",
}

_COMMON = {"id", "title", "lang"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON,
    "a": _COMMON | {"href"},
    "img": _COMMON | {"src", "alt", "width", "height"},
    "code": _COMMON | {"class"},
    "div": _COMMON | {"class"},
    "p": _COMMON | {"class"},
    "span": _COMMON | {"class"},
    "pre": _COMMON | {"class"},
    "sup": _COMMON | {"class"},
    "li": _COMMON | {"class"},
    "ol": _COMMON | {"start"},
    "th": _COMMON | {"align", "colspan", "rowspan", "scope"},
    "td": _COMMON | {"align", "colspan", "rowspan"},
    "col": _COMMON | {"span"},
    "ul": _COMMON | {"class"},
}
# GFM task list boxes: placeholders through the sanitizer (which never lets an <input>
# through), then disabled checkboxes. Written by hand they give the same harmless box.
_BOXES = {
    '<span class="task-list-box"></span>': '<input type="checkbox" disabled>',
    '<span class="task-list-box task-list-box--checked"></span>':
        '<input type="checkbox" disabled checked>',
}

# Classes authored content may carry: code languages and the admonition / footnote
# markup the extensions emit. Anything else is dropped.
_ALLOWED_CLASS_PREFIXES = ("language-", "admonition", "footnote", "task-list")
_ADMONITION_KINDS = {"note", "tip", "hint", "important", "warning", "caution",
                     "danger", "attention", "error", "admonition-title"}


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    if attr != "class":
        return value
    kept = [c for c in value.split()
            if c.startswith(_ALLOWED_CLASS_PREFIXES) or c in _ADMONITION_KINDS]
    return " ".join(kept) or None


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    title: str


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[TocEntry, ...]


class _RewriteLinks(Treeprocessor):
    def __init__(self, md, rewrite: UrlRewriter):
        super().__init__(md)
        self.rewrite = rewrite

    def run(self, root):
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is not None:
                    el.set(attr, self.rewrite(value))


_TASK = re.compile(r"^\[([ xX])\][ \t]+")


class _TaskLists(Treeprocessor):
    """GFM task lists: ``- [ ] item`` / ``- [x] item`` become disabled checkboxes."""

    def run(self, root):
        for ul in root.iter("ul"):
            found = False
            for li in ul.findall("li"):
                holder = li[0] if len(li) and li[0].tag == "p" and not (li.text or "").strip() \
                    else li
                match = _TASK.match(holder.text or "")
                if match is None:
                    continue
                found = True
                holder.text = holder.text[match.end():]
                # The box inside a <label> with the item's text: its accessible name.
                label = etree.Element("label")
                checked = " task-list-box--checked" if match.group(1) in "xX" else ""
                box = etree.SubElement(label, "span", {"class": "task-list-box" + checked})
                box.tail = " " + (holder.text or "")
                holder.text = None
                inline = [c for c in holder if c.tag not in ("ul", "ol", "p", "div", "pre")]
                for child in inline:
                    holder.remove(child)
                    label.append(child)
                holder.insert(0, label)
                li.set("class", "task-list-item")
            if found:
                ul.set("class", "task-list")


class _TaskListExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_TaskLists(md), "lms_task_lists", 6)


class _RewriteExtension(Extension):
    def __init__(self, rewrite: UrlRewriter):
        super().__init__()
        self.rewrite = rewrite

    def extendMarkdown(self, md):
        # After inline patterns (priority < 20) so links exist as elements.
        md.treeprocessors.register(_RewriteLinks(md, self.rewrite), "lms_rewrite_links", 5)


def sanitize(html: str) -> str:
    """Allowlist sanitizer: no script, no event handlers, no javascript: URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _flatten_toc(tokens, out):
    for tok in tokens:
        out.append(TocEntry(level=tok["level"], id=tok["id"], title=tok["name"]))
        _flatten_toc(tok.get("children", ()), out)
    return out


def render_markdown(text: str, rewrite_url: UrlRewriter | None = None) -> Rendered:
    """Render authored Markdown to sanitized HTML plus its table of contents."""
    extensions = [*EXTENSIONS, _TaskListExtension()]
    if rewrite_url is not None:
        extensions.append(_RewriteExtension(rewrite_url))
    md = markdown.Markdown(
        extensions=extensions,
        extension_configs={"toc": {"permalink": False, "slugify": _slugify}},
        output_format="html",
    )
    html = md.convert(text)
    toc = tuple(_flatten_toc(getattr(md, "toc_tokens", []), []))
    html = sanitize(html)
    for placeholder, box in _BOXES.items():
        html = html.replace(placeholder, box)
    return Rendered(html=html, toc=toc)


def render_inline(text: str) -> str:
    """Render a short piece (a question stem, a choice) without the outer <p>."""
    html = render_markdown(text).html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def _slugify(value: str, separator: str) -> str:
    # Keep Japanese headings addressable: the default slugify drops non-ASCII,
    # which would give every Japanese heading the same empty id.
    import re
    import unicodedata

    value = unicodedata.normalize("NFKC", value).strip().lower()
    value = re.sub(r"[^\w\s-]", "", value)
    value = re.sub(r"[\s_-]+", separator, value).strip(separator)
    return value or "section"
