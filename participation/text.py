"""User-written text: cleaned once, on write, with bleach.

Long texts are Markdown rendered to HTML and cleaned against an allow-list; short
ones (titles, names, reasons) are plain text with every tag stripped. Templates
show the stored HTML through the ``user_html`` filter and nothing else is ever
marked safe.
"""

from __future__ import annotations

import html
import re

import bleach
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote",
        "code", "pre", "h3", "h4", "h5", "h6", "hr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Raw HTML in the source is shown as text, never interpreted.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    filters=[
        lambda source: bleach.linkifier.LinkifyFilter(
            source,
            callbacks=[bleach.callbacks.nofollow],
            skip_tags={"pre", "code"},
        )
    ],
)


def render_markdown(source: str) -> str:
    """Markdown to clean HTML. Headings start at ``h3``: the page owns its ``h1``
    and ``h2``."""
    tokens = _markdown.parse(source or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    rendered = _markdown.renderer.render(tokens, _markdown.options, {})
    return _cleaner.clean(rendered).strip()


def clean_line(text: str | None) -> str:
    """A single line of plain text: tags stripped, whitespace collapsed.

    bleach escapes what it keeps; we unescape, because Jinja escapes on output.
    """
    stripped = bleach.clean(text or "", tags=set(), strip=True)
    return re.sub(r"\s+", " ", html.unescape(stripped)).strip()


def clean_text(text: str | None) -> str:
    """Plain text that keeps its line breaks (reasons, notes): tags stripped."""
    stripped = html.unescape(bleach.clean(text or "", tags=set(), strip=True))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in stripped.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def user_html(value: str | None) -> Markup:
    """Mark HTML that :func:`render_markdown` produced as safe to show.

    Used only through the Jinja filter of the same name, on columns written by
    ``render_markdown``.
    """
    return Markup(value or "")  # noqa: S704  # nosec B704 (cleaned by bleach on write)
