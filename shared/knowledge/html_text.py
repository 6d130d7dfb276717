"""The one HTML-to-text of the project (BeautifulSoup): seller documents and HTML-only e-mails.

Scripts, styles and page furniture (navigation, header, footer, forms) are dropped; block
elements and ``<br>`` become line breaks and table cells are spaced, so paragraphs stay apart
and words of neighbouring cells never run together. bs4 is imported on first use: it costs
~100 ms of a cold start.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

NON_CONTENT = ("script", "style", "noscript", "template", "head", "nav", "footer", "header", "form")
BLOCKS = ("p", "div", "section", "article", "blockquote", "pre", "li", "ul", "ol", "tr", "table",
          "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def parse_html(markup: str) -> BeautifulSoup:
    """The document with everything that is not content removed (the ``<title>`` is kept)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.extract() if soup.title else None
    for tag in soup(list(NON_CONTENT)):
        tag.decompose()
    if title is not None:
        soup.insert(0, title)
    return soup


def html_to_text(markup: str) -> str:
    """Readable plain text: one line per block, at most one blank line between blocks."""
    soup = parse_html(markup)
    if soup.title:
        soup.title.decompose()
    for br in soup("br"):
        br.replace_with("\n")
    for block in soup(list(BLOCKS)):
        block.insert_before("\n")
        block.insert_after("\n")
    for cell in soup(["td", "th"]):
        cell.insert_after(" ")
    lines = (_SPACES.sub(" ", line).strip() for line in soup.get_text().split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
