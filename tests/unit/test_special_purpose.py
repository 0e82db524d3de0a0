"""Every block of IANA's special-purpose address registries that is not globally reachable
is refused as a webhook address, in every spelling a URL can give it."""

from ipaddress import ip_network

import pytest

from seat_core.outbound import SPECIAL_PURPOSE, RefusedDestination, check_destination, refusal_of
from tests.support.webhooks import PUBLIC_NAMES

# The registries as IANA publishes them (iana-ipv4-special-registry and
# iana-ipv6-special-registry), block and "Globally Reachable", copied here by hand so that
# the table in seat_core/outbound.py is checked against the source rather than itself.
# None stands for "N/A", which is refused as well.
IPV4_REGISTRY = [
    ("0.0.0.0/8", False),
    ("0.0.0.0/32", False),
    ("10.0.0.0/8", False),
    ("100.64.0.0/10", False),
    ("127.0.0.0/8", False),
    ("169.254.0.0/16", False),
    ("172.16.0.0/12", False),
    ("192.0.0.0/24", False),
    ("192.0.0.0/29", False),
    ("192.0.0.8/32", False),
    ("192.0.0.9/32", True),
    ("192.0.0.10/32", True),
    ("192.0.0.170/32", False),
    ("192.0.0.171/32", False),
    ("192.0.2.0/24", False),
    ("192.31.196.0/24", True),
    ("192.52.193.0/24", True),
    ("192.88.99.0/24", None),
    ("192.168.0.0/16", False),
    ("192.175.48.0/24", True),
    ("198.18.0.0/15", False),
    ("198.51.100.0/24", False),
    ("203.0.113.0/24", False),
    ("240.0.0.0/4", False),
    ("255.255.255.255/32", False),
]
IPV6_REGISTRY = [
    ("::1/128", False),
    ("::/128", False),
    ("::ffff:0:0/96", False),
    ("64:ff9b::/96", True),
    ("64:ff9b:1::/48", False),
    ("100::/64", False),
    ("100:0:0:1::/64", False),
    ("2001::/23", False),
    ("2001::/32", None),
    ("2001:1::1/128", True),
    ("2001:1::2/128", True),
    ("2001:1::3/128", True),
    ("2001:2::/48", False),
    ("2001:3::/32", True),
    ("2001:4:112::/48", True),
    ("2001:10::/28", False),
    ("2001:20::/28", True),
    ("2001:30::/28", True),
    ("2001:db8::/32", False),
    ("2002::/16", None),
    ("2620:4f:8000::/48", True),
    ("3fff::/20", False),
    ("5f00::/16", False),
    ("fc00::/7", False),
    ("fe80::/10", False),
]
NOT_GLOBAL = [block for block, reachable in IPV4_REGISTRY + IPV6_REGISTRY if not reachable]


def samples(block: str) -> list[str]:
    """Return the first, a middle and the last address of a block."""
    network = ip_network(block)
    middle = network.network_address + network.num_addresses // 2
    return [str(network.network_address), str(middle), str(network.broadcast_address)]


def url_of(address: str) -> str:
    return f"http://[{address}]/" if ":" in address else f"http://{address}/"


@pytest.mark.parametrize("block", NOT_GLOBAL)
def test_every_address_of_a_block_that_is_not_globally_reachable_is_refused(block: str) -> None:
    addresses = samples(block)
    if block == "::ffff:0:0/96":
        # An IPv4-mapped address is the IPv4 address it maps: the first and last are
        # refused as 0.0.0.0 and 255.255.255.255, one mapping a public address is allowed.
        addresses = [addresses[0], addresses[2]]
    for address in addresses:
        with pytest.raises(RefusedDestination) as refused:
            check_destination(url_of(address), PUBLIC_NAMES)
        assert refused.value.message.endswith(", which is refused."), address


@pytest.mark.parametrize("block", NOT_GLOBAL)
def test_the_table_in_the_code_covers_every_block_that_is_not_globally_reachable(
    block: str,
) -> None:
    network = ip_network(block)

    covering = [
        kind
        for table_network, kind in SPECIAL_PURPOSE
        if table_network.version == network.version and network.subnet_of(table_network)  # type: ignore[arg-type]
    ]

    assert covering, f"{block} is not in seat_core.outbound.SPECIAL_PURPOSE"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://192.0.0.192/", "an IETF protocol assignment address (192.0.0.192)"),
        ("http://[::ffff:192.0.0.192]/", "an IETF protocol assignment address (192.0.0.192)"),
        ("http://[::ffff:c000:c0]/", "an IETF protocol assignment address (192.0.0.192)"),
        ("http://3221225664/", "an IETF protocol assignment address (192.0.0.192)"),
        ("http://192.88.99.1/", "a deprecated 6to4 relay anycast address (192.88.99.1)"),
        ("http://[64:ff9b::c000:c0]/", "an IETF protocol assignment address (64:ff9b::c000:c0"),
        ("http://[2002:c000:c0::]/", "an IETF protocol assignment address (2002:c000:c0::"),
        ("http://[5f00::1]/", "a segment routing address (5f00::1)"),
        ("http://[2001::1]/", "an IETF protocol assignment address (2001::1)"),
        ("http://[2002:808:808::]/", "a 6to4 address (2002:808:808::"),
    ],
)
def test_the_special_purpose_addresses_python_misses_are_refused_and_named(
    url: str, kind: str
) -> None:
    with pytest.raises(RefusedDestination) as refused:
        check_destination(url, PUBLIC_NAMES)

    assert refused.value.message.startswith(f"The webhook address is {kind}")


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "::ffff:8.8.8.8", "2606:4700::1", "192.0.1.1"]
)
def test_public_addresses_and_their_ipv6_forms_are_allowed(address: str) -> None:
    destination = check_destination(url_of(address), PUBLIC_NAMES)

    assert refusal_of(destination.addresses[0]) is None
