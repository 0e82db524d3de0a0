"""English words in a page meant to be Spanish: the page's visible text, and a vocabulary.

The vocabulary is the Spanish catalog's own: every word of its English texts (msgids) that
none of its Spanish texts (msgstrs) uses (a sentence copied over unchanged is no Spanish
text), plus a few very common English words, minus the words that are the same in both
languages or are names. It grows with the catalog, so a
page showing any text the catalog knows in English is caught.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from . import catalogs

CATALOG = catalogs.CATALOG_DIR / "es" / "LC_MESSAGES" / "messages.po"
# Names shown as they are in every language.
NAMES = ("SCIM Seat Gateway", "Standard Webhooks")
# Words the same in English and Spanish, acronyms, codes, and the test data's own names.
ALLOWED = {
    "scim", "sso", "saml", "oidc", "idp", "totp", "token", "tokens", "webhook", "webhooks",
    "total", "subtotal", "utc", "csv", "pdf", "url", "api", "id", "json", "http", "https",
    "qr", "okta", "entra", "microsoft", "openid", "usd", "eur", "gbp", "inv", "hmac", "sha",
    "base", "whsec", "english", "español",
    # "US$" is how Spanish writes dollars; "no" is a Spanish word too, and "may" is
    # Spanish's short May (mayo) on the usage chart.
    "us", "no", "may",
    # The organization, people and places of the test data.
    "acme", "lucía", "pérez", "carmen", "ruiz",
}  # fmt: skip
# Very common English words, caught even before the catalog holds a text using them.
COMMON = {
    "the", "and", "of", "to", "your", "you", "is", "are", "for", "with", "not", "this",
    "that", "these", "it", "its", "be", "by", "on", "at", "in", "or", "an", "from", "has",
    "have", "will", "can", "was", "were", "when", "what", "who", "which", "there", "their",
    "they", "we", "our", "here", "all", "any", "each", "none", "new", "if", "than", "more",
    "seat", "seats", "member", "members", "invoice", "invoices", "owner", "owners",
    "settings", "billing", "usage", "activity", "alerts", "request", "requests", "save",
    "cancel", "back", "update", "review", "sign", "add", "remove", "delete", "edit", "paid",
    "due", "day", "days", "month", "months", "year", "years", "page", "price", "amount",
    "email", "password", "signed", "manage",
}  # fmt: skip

# Text nodes whose content is literal, never translated: event types, header names,
# commands, secrets and URLs are shown in <code>.
# Code and a program's data (samp: the activity's event data) are identifiers, not prose.
LITERAL_TAGS = {"script", "style", "code", "samp"}
READABLE_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\b\w+://\S+")
# Domains, dotted event types and file names ("acme.test", "seat.requested", "x.csv").
DOTTED = re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b")
# Token prefixes, ids and secrets: letters run into digits or underscores ("sgw_6va6V…").
IDENTIFIER = re.compile(r"\S*(?:_|[^\W\d_]\d|\d[^\W\d_])\S*")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
CODE = re.compile(r"<(code|samp)\b[^>]*>.*?</\1>", re.S)
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[^\W\d_]{2,}(?:['\u2019][^\W\d_]+)*")


class VisibleText(HTMLParser):
    """What a reader sees or hears of a page: its text and readable attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: list[str] = []
        self._literal = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LITERAL_TAGS:
            self._literal += 1
        kinds = dict(attrs)
        for name, value in attrs:
            if value and name in READABLE_ATTRIBUTES:
                self.seen.append(value)
            if value and name == "value" and kinds.get("type") in ("submit", "button"):
                self.seen.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in LITERAL_TAGS:
            self._literal = max(0, self._literal - 1)

    def handle_data(self, data: str) -> None:
        if not self._literal:
            self.seen.append(data)


def visible_text(html: str) -> str:
    """Return a page's visible text, one piece a line."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(piece.strip() for piece in parser.seen if piece.strip())


def words(text: str) -> set[str]:
    """Return the words of a text, lowercased, without names, addresses and identifiers."""
    for name in NAMES:
        text = text.replace(name, " ")
    for pattern in (EMAIL, URL, DOTTED, PLACEHOLDER, IDENTIFIER):
        text = pattern.sub(" ", text)
    return {word.lower() for word in WORD.findall(text)}


def _catalog_text(text: str) -> str:
    """A catalog text as a page shows it: literal <code> parts and markup left out."""
    return TAG.sub(" ", CODE.sub(" ", text))


def vocabulary() -> set[str]:
    """Return the English words no Spanish page may show."""
    english: set[str] = set()
    spanish: set[str] = set()
    for message in catalogs.read(CATALOG):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= words(_catalog_text(text))
        for text in strings:
            said = words(_catalog_text(text or ""))
            # A sentence left as it was in English is no Spanish; one word may be (Total).
            if text not in ids or len(said) <= 1:
                spanish |= said
    return ((english - spanish) | COMMON) - ALLOWED


def english_in(html: str, known: set[str]) -> list[str]:
    """Return the English words of a page's visible text, sorted."""
    return sorted(words(visible_text(html)) & known)
