"""The Spanish catalog is complete, and no template shows a text outside gettext.

Three rules, each failing with the places to fix:
- every text the sources mark (babel.cfg) has a Spanish translation, not fuzzy, with the
  same placeholders;
- the catalog holds no translation that nothing marks any more (run `make messages`);
- the templates people read show no words outside ``_()``/``{% trans %}``: neither in
  their HTML text and readable attributes, nor in string literals of their Jinja code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.ext import i18n

from tests.support import catalogs
from tests.support.english import VisibleText

TEMPLATES = catalogs.ROOT / "scim_gateway" / "templates"
# The templates owners, members and IdP admins read (the operators' console is English).
PEOPLES_TEMPLATES = sorted(
    [
        *TEMPLATES.glob("admin/*.html"),
        *TEMPLATES.glob("sso/*.html"),
        *TEMPLATES.glob("email/*"),
        TEMPLATES / "landing.html",
    ]
)
# Words that are the same in every language: names, acronyms, codes.
ALLOWED_WORDS = {
    "SCIM", "Seat", "Gateway", "SSO", "SAML", "OIDC", "IdP", "CSV", "PDF", "UTC", "URL",
    "API", "ID", "TOTP", "JSON", "HTTP", "HTTPS", "Okta", "Entra", "Microsoft", "OpenID",
    "Connect", "USD", "EUR", "INV", "QR", "e.g", "GET", "POST",
}  # fmt: skip
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
WORD = re.compile(r"[^\W\d_]{2,}(?:\.[^\W\d_]+)*")


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def test_every_marked_text_has_a_spanish_translation() -> None:
    spanish = catalogs.read(catalogs.CATALOG_DIR / "es" / "LC_MESSAGES" / "messages.po")
    missing, fuzzy, mismatched = [], [], []
    for message, context, where in catalogs.extracted():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = spanish.get(msgid, context)
        forms = () if entry is None else entry.string
        if entry is None or not all(forms if isinstance(forms, tuple) else [forms]):
            missing.append(f"{where}: {msgid!r}")
            continue
        if entry.fuzzy:
            fuzzy.append(f"{where}: {msgid!r}")
        forms = forms if isinstance(forms, tuple) else (forms,)
        ids = message if isinstance(message, tuple) else (message,)
        wanted = set().union(*(_placeholders(text) for text in ids))
        for form in forms:
            # A singular form may spell its count out ("un asiento") instead of %(num)d.
            if not _placeholders(form) <= wanted or (
                len(forms) == 1 and _placeholders(form) != wanted
            ):
                mismatched.append(f"{where}: {msgid!r} → {form!r}")
    assert not missing, "no Spanish translation (make messages, then translate):\n" + "\n".join(
        missing
    )
    assert not fuzzy, "fuzzy Spanish translations:\n" + "\n".join(fuzzy)
    assert not mismatched, "placeholders differ:\n" + "\n".join(mismatched)


def test_the_catalog_holds_nothing_unmarked() -> None:
    spanish = catalogs.read(catalogs.CATALOG_DIR / "es" / "LC_MESSAGES" / "messages.po")
    marked = {
        (message[0] if isinstance(message, tuple) else message, context)
        for message, context, _where in catalogs.extracted()
    }
    stale = [
        entry.id for entry in spanish if entry.id and (
            (entry.id[0] if isinstance(entry.id, tuple) else entry.id), entry.context
        ) not in marked
    ]  # fmt: skip
    assert not stale, "translations nothing marks any more (make messages):\n" + "\n".join(
        map(repr, stale)
    )


def _untranslated(source: str) -> list[str]:
    """Return the words of a template shown outside gettext."""
    env = Environment(extensions=[i18n])
    outside: list[str] = []
    literals: list[str] = []
    tokens = [token for token in env.lex(source) if token[1] != "whitespace"]
    depth = 0
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "name" and value == "trans" and tokens[index - 1][1] == "block_begin":
            depth += 1
        elif kind == "name" and value == "endtrans":
            depth -= 1
        elif kind == "data" and not depth:
            outside.append(value)
        elif kind in ("variable_begin", "block_begin"):
            outside.append("\x00")
        elif kind == "string" and not depth:
            text = value[1:-1]  # as written, between its quotes
            if not _in_gettext_call(tokens, index) and _reads_as_words(text):
                literals.append(text)
    parser = VisibleText()
    parser.feed("".join(outside))
    parser.close()
    words = [word for text in parser.seen for word in WORD.findall(text)]
    shown = [word for word in words if word not in ALLOWED_WORDS]
    return shown + [f"(literal) {text}" for text in literals]


def _in_gettext_call(tokens: list[tuple[int, str, str]], index: int) -> bool:
    """Return whether the string at index is an argument of _(), gettext() and the like."""
    depth = 0
    for position in range(index - 1, -1, -1):
        _line, kind, value = tokens[position]
        if kind == "operator" and value in ")]}":
            depth += 1
        elif kind == "operator" and value in "([{":
            if depth == 0:
                before = tokens[position - 1] if position else None
                return bool(
                    value == "(" and before and before[1] == "name" and before[2] in GETTEXT_CALLS
                )
            depth -= 1
        elif kind in ("block_begin", "variable_begin"):
            return False
    return False


def _reads_as_words(text: str) -> bool:
    """A literal people read: words with a space, or a capitalized word (not a code)."""
    words = [word for word in WORD.findall(text) if word not in ALLOWED_WORDS]
    if not words:
        return False
    return " " in text.strip() or bool(re.fullmatch(r"[A-Z][a-z]+[.!?:]?", text.strip()))


@pytest.mark.parametrize(
    "template", PEOPLES_TEMPLATES, ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_no_template_text_outside_gettext(template: Path) -> None:
    found = _untranslated(template.read_text())
    assert not found, f"{template.name} shows words outside _(): {found[:20]}"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<p>{{ _('Seats') }}</p>", []),
        ("<p>Seats</p>", ["Seats"]),
        ('<button aria-label="Buy seats">{{ _("Buy") }}</button>', ["Buy", "seats"]),
        ("{% trans %}Hello {{ name }}{% endtrans %}", []),
        ("<p>{{ 'Billing settings' }}</p>", ["(literal) Billing settings"]),
        ("{{ url_for('admin.billing', org=org) }}", []),
        ("<style>.a { color: red }</style><p>&nbsp;SCIM</p>", []),
        # Code and a program's data are identifiers, read as they are in every language.
        ("<p><code>SCIM_GATEWAY_SELLER_NAME</code> <samp>seats_used: 3</samp></p>", []),
    ],
)
def test_the_rule_itself(source: str, found: list[str]) -> None:
    assert _untranslated(source) == found
