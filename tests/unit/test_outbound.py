"""The outbound-URL guard: every spelling of a non-public address is refused."""

import re
from ipaddress import IPv4Address, IPv6Address, ip_network

import pytest

from scim_gateway import create_app
from scim_gateway.config import ConfigurationError
from scim_gateway.outbox import webhook_policy
from seat_core.outbound import (
    HostNotFound,
    OutboundPolicy,
    RefusedDestination,
    check_destination,
    parse_networks,
)
from tests.conftest import TEST_CONFIG
from tests.support.webhooks import PUBLIC_ADDRESS, PUBLIC_NAMES, resolving_to

REFUSED = [
    # (url, what the refusal names)
    ("http://127.0.0.1:5432/", "a loopback address (127.0.0.1)"),
    ("http://169.254.169.254/latest/meta-data/", "a link-local address (169.254.169.254)"),
    ("http://[::1]:22/", "a loopback address (::1)"),
    ("http://10.0.0.1/", "a private network address (10.0.0.1)"),
    ("http://172.16.5.4/", "a private network address (172.16.5.4)"),
    ("http://192.168.1.1/", "a private network address (192.168.1.1)"),
    ("http://100.64.0.1/", "a shared (carrier-grade NAT) address (100.64.0.1)"),
    ("http://[fd12:3456::1]/", "a unique-local address (fd12:3456::1)"),
    ("http://[fe80::1]/", "a link-local address (fe80::1)"),
    ("http://[fe80::1%25eth0]/", "a link-local address"),
    ("http://224.0.0.1/", "a multicast address (224.0.0.1)"),
    ("http://[ff02::1]/", "a multicast address (ff02::1)"),
    ("http://240.0.0.1/", "a reserved address (240.0.0.1)"),
    ("http://255.255.255.255/", "a reserved address (255.255.255.255)"),
    ("http://0.0.0.0/", "an unspecified address (0.0.0.0)"),
    ("http://[::]/", "an unspecified address (::)"),
    ("http://192.0.2.10/", "a documentation address (192.0.2.10)"),
    ("http://198.51.100.7/", "a documentation address (198.51.100.7)"),
    ("http://203.0.113.9/", "a documentation address (203.0.113.9)"),
    ("http://[2001:db8::1]/", "a documentation address (2001:db8::1)"),
    # Numeric spellings the C library and browsers read as an IPv4 address.
    ("http://2130706433/", "a loopback address (127.0.0.1)"),
    ("http://0x7f000001/", "a loopback address (127.0.0.1)"),
    ("http://0X7F000001/", "a loopback address (127.0.0.1)"),
    ("http://0177.0.0.1/", "a loopback address (127.0.0.1)"),
    ("http://0177.0.0.01/", "a loopback address (127.0.0.1)"),
    ("http://127.1/", "a loopback address (127.0.0.1)"),
    ("http://0x7f.1/", "a loopback address (127.0.0.1)"),
    ("http://10.1/", "a private network address (10.0.0.1)"),
    ("http://0/", "an unspecified address (0.0.0.0)"),
    ("http://127.0.0.1./", "a loopback address (127.0.0.1)"),
    ("http://169.254.169.254.:80/", "a link-local address (169.254.169.254)"),
    # IPv6 forms that carry an IPv4 address.
    ("http://[::ffff:127.0.0.1]/", "a loopback address (127.0.0.1)"),
    ("http://[::ffff:7f00:1]/", "a loopback address (127.0.0.1)"),
    ("http://[::ffff:a9fe:a9fe]/", "a link-local address (169.254.169.254)"),
    (
        "http://[64:ff9b::a00:1]/",
        "a private network address (64:ff9b::a00:1, which carries 10.0.0.1)",
    ),
    ("http://[2002:a00:1::]/", "a private network address (2002:a00:1::, which carries 10.0.0.1)"),
    ("http://[2002:7f00:1::]/", "a loopback address (2002:7f00:1::, which carries 127.0.0.1)"),
]


@pytest.mark.parametrize(("url", "kind"), REFUSED)
def test_a_url_whose_host_is_a_non_public_address_is_refused_whatever_its_spelling(url, kind):
    with pytest.raises(RefusedDestination) as refused:
        check_destination(url, PUBLIC_NAMES)

    assert refused.value.message.startswith(f"The webhook address is {kind}")
    assert refused.value.message.endswith(", which is refused.")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/", "is not a web address"),
        ("file:///etc/passwd", "is not a web address"),
        ("gopher://127.0.0.1:6379/_INFO", "is not a web address"),
        ("https://user:secret@hooks.example.com/", "Put no user name or password"),
        ("http://example.com@127.0.0.1/", "Put no user name or password"),
        ("http://@hooks.example.com/", "Put no user name or password"),
        ("http://127.0.0.1\\@hooks.example.com/", "Put no user name or password"),
        ("http://1.2.3.09/", "is not a valid IPv4 address"),
        ("http://256.0.0.1/", "is not a valid IPv4 address"),
        ("http://1.2.3.4.5/", "is not a valid IPv4 address"),
        ("http://4294967296/", "is not a valid IPv4 address"),
        ("http://1_0.0.0.1/", "is not a valid IPv4 address"),
        ("http://[::ffff:zz]/", "is not a valid URL"),
        ("http://hooks..example.com/", "is not a valid host name"),
        ("http://hooks.exa mple.com/", "no spaces or control characters"),
        ("http://hooks.example.com\t/", "no spaces or control characters"),
        ("http://hooks.example.com:0/", "has no valid port"),
        ("http://hooks.example.com:99999/", "is not a valid URL"),
    ],
)
def test_a_url_that_is_not_a_plain_web_address_is_refused(url, message):
    with pytest.raises(RefusedDestination) as refused:
        check_destination(url, PUBLIC_NAMES)

    assert message in refused.value.message


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fd00::5", "::ffff:10.0.0.1", "0.0.0.0"],
)
def test_a_name_that_resolves_to_a_non_public_address_is_refused(address):
    policy = OutboundPolicy(resolve=resolving_to(address))

    with pytest.raises(RefusedDestination) as refused:
        check_destination("https://hooks.example.com/x", policy)

    assert refused.value.message.startswith("The webhook address resolves to ")
    assert address.removeprefix("::ffff:") in refused.value.message


def test_a_name_resolving_to_a_public_and_a_private_address_is_refused():
    policy = OutboundPolicy(resolve=resolving_to(PUBLIC_ADDRESS, "10.0.0.1"))

    with pytest.raises(RefusedDestination) as refused:
        check_destination("https://hooks.example.com/x", policy)

    assert refused.value.message == (
        "The webhook address resolves to a private network address (10.0.0.1), which is refused."
    )


def test_a_public_name_is_allowed_with_the_addresses_to_connect_to():
    policy = OutboundPolicy(resolve=resolving_to(PUBLIC_ADDRESS, "2606:2800:21f:cb07::1"))

    destination = check_destination("https://Hooks.Example.com./x?a=1", policy)

    assert destination.scheme == "https"
    assert (destination.host, destination.port, destination.target) == (
        "hooks.example.com",
        443,
        "/x?a=1",
    )
    assert destination.host_header == "hooks.example.com"
    assert destination.addresses == (
        IPv4Address(PUBLIC_ADDRESS),
        IPv6Address("2606:2800:21f:cb07::1"),
    )


@pytest.mark.parametrize(
    "url", ["http://93.184.215.14:8080/hook", "https://[2606:2800:21f:cb07::1]/", "http://1.1/"]
)
def test_a_public_address_in_the_url_is_allowed_without_resolving(url):
    def no_lookup(host: str, port: int) -> list[str]:
        raise AssertionError(f"{host} should not be resolved")

    destination = check_destination(url, OutboundPolicy(resolve=no_lookup))

    assert destination.addresses[0].is_global


def test_the_host_header_keeps_an_explicit_port_and_brackets():
    destination = check_destination("http://[2606:2800:21f:cb07::1]:8080", PUBLIC_NAMES)

    assert destination.host_header == "[2606:2800:21f:cb07::1]:8080"
    assert destination.target == "/"


def test_a_path_with_non_ascii_characters_is_percent_encoded():
    destination = check_destination("https://hooks.example.com/sitz/plätze?q=ä", PUBLIC_NAMES)

    assert destination.target == "/sitz/pl%C3%A4tze?q=%C3%A4"


def test_an_international_host_name_is_sent_in_its_ascii_form():
    destination = check_destination("https://bücher.example/", PUBLIC_NAMES)

    assert destination.host == "xn--bcher-kva.example"


def test_a_name_that_does_not_resolve_is_reported_as_such():
    def nothing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(HostNotFound) as not_found:
        check_destination("https://nowhere.example/", OutboundPolicy(resolve=nothing))

    assert (
        not_found.value.message
        == "The webhook host nowhere.example does not resolve to any address"
    )


def test_an_allowed_network_lets_its_addresses_through_in_any_spelling():
    policy = OutboundPolicy(
        allowed_networks=parse_networks("10.20.0.0/16, 127.0.0.1/32"),
        resolve=resolving_to("10.20.3.4"),
    )

    assert check_destination("http://127.1:8080/", policy).addresses == (IPv4Address("127.0.0.1"),)
    assert check_destination("http://[::ffff:127.0.0.1]/", policy).addresses == (
        IPv4Address("127.0.0.1"),
    )
    assert check_destination("https://hooks.internal/", policy).addresses == (
        IPv4Address("10.20.3.4"),
    )


def test_an_allowed_network_lets_nothing_else_through():
    policy = OutboundPolicy(allowed_networks=parse_networks("10.20.0.0/16, 127.0.0.1/32"))

    for url in (
        "http://10.21.0.1/",
        "http://127.0.0.2/",
        "http://[::1]/",
        "http://169.254.169.254/",
    ):
        with pytest.raises(RefusedDestination):
            check_destination(url, policy)


def test_the_system_resolver_is_used_by_default_and_localhost_is_refused():
    with pytest.raises(RefusedDestination) as refused:
        check_destination("http://localhost:8080/", OutboundPolicy())

    assert "resolves to a loopback address" in refused.value.message


def test_allowed_networks_are_read_from_text_and_a_bad_entry_is_named():
    assert parse_networks(" 10.20.0.0/16; 127.0.0.1 ,, fd00::/8") == (
        ip_network("10.20.0.0/16"),
        ip_network("127.0.0.1/32"),
        ip_network("fd00::/8"),
    )
    assert parse_networks("") == parse_networks(None) == ()
    with pytest.raises(ValueError, match=re.escape("'10.0.0.1/8' is not a network")):
        parse_networks("10.0.0.1/8")
    with pytest.raises(ValueError, match="'intranet' is not a network"):
        parse_networks("10.0.0.0/8, intranet")


def test_a_bad_allowed_network_stops_the_gateway_with_a_clear_message():
    config = {**TEST_CONFIG, "WEBHOOK_ALLOWED_NETWORKS": "10.20.0.0/16, intranet"}

    with pytest.raises(ConfigurationError) as refused:
        create_app(config)

    assert str(refused.value) == (
        "SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS: 'intranet' is not a network: "
        "write it like 10.20.0.0/16 or 127.0.0.1/32"
    )


def test_the_allowed_networks_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS", "10.20.0.0/16,127.0.0.1/32")
    for name in ("SECRET_KEY", "ENCRYPTION_KEY"):
        monkeypatch.setenv(f"SCIM_GATEWAY_{name}", TEST_CONFIG[name])

    app = create_app()

    assert webhook_policy(app.config).allowed_networks == (
        ip_network("10.20.0.0/16"),
        ip_network("127.0.0.1/32"),
    )
