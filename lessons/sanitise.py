"""The rich text of lessons, cleaned with nh3 (Ammonia) before it is stored.

Organisers paste text from Word and WeChat articles into the admin; what is kept is the
structure a lesson needs (headings, lists, quotes, tables, links and pictures). Scripts,
styles and event handlers are dropped, and only http(s)/mailto links and http(s)/relative
image sources survive, so `javascript:` URLs are gone too. Links open with rel=noopener.
"""

from __future__ import annotations

import nh3

TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "blockquote", "hr", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "span",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed with their content, not just unwrapped.
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}


def clean_html(html: str) -> str:
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # Pictures in a lesson load lazily so that a phone fetches only what it scrolls to.
    return cleaned.replace("<img ", '<img loading="lazy" ')


def plain_text(html: str) -> str:
    """The text of a cleaned body, for search snippets and reading-time estimates."""
    return nh3.clean(html or "", tags=set()).strip()
