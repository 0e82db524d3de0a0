"""Email addresses: syntax only, one rule for every channel."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seat_core import InvalidIdentity, email_key


@pytest.mark.parametrize(
    "address",
    [
        "test.user@okta.local",
        "jdoe@corp.local",
        "ann@acme.test",
        "admin@localhost",
        "o'brien+sales@example.com",
        '"ann smith"@example.com',
        "ops@[192.0.2.1]",
        "ops@[IPv6:2001:db8::1]",
        "jürgen@bücher.example",
    ],
)
def test_accepts_any_address_of_valid_syntax_whatever_its_domain(address: str) -> None:
    assert email_key(address) == email_key(address.upper())


@pytest.mark.parametrize(
    "address",
    [
        "not-an-email",
        "@acme.test",
        "ann@",
        "ann smith@acme.test",
        "ann..smith@acme.test",
        ".ann@acme.test",
        "ann@acme..test",
        "ann@-acme.test",
        "ann@acme_corp.test",
        "ann@[not-an-ip]",
        " ann@acme.test",
        "an\u200bn@acme.test",
        "a" * 65 + "@acme.test",
    ],
)
def test_refuses_text_that_is_no_address(address: str) -> None:
    with pytest.raises(InvalidIdentity, match="email"):
        email_key(address)


def test_the_key_compares_addresses_by_nfkc_and_case_folding() -> None:
    assert email_key("Ann@ACME.test") == email_key("ann@acme.test") == "ann@acme.test"


@settings(derandomize=True, max_examples=300)
@given(st.text(max_size=80))
def test_any_text_gives_a_key_or_invalid_identity_and_nothing_else(text: str) -> None:
    try:
        key = email_key(text)
    except InvalidIdentity:
        return
    assert "@" in key
