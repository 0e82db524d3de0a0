"""Decide where the gateway may send a request: public addresses only (see docs/alerts.md).

A URL an owner gives us is refused unless every address its host stands for is public, or
in a network the operator allowed. Numeric hosts are read the way browsers and the C
library read them (``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` are all 127.0.0.1), names
are resolved, and the addresses checked are the ones the caller must connect to: resolving
again at connection time would let a name point elsewhere by then (DNS rebinding).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import quote, urlsplit

from .errors import SeatError

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
# A resolver returns every address a host name stands for, as text; it raises OSError when
# the name does not resolve. Tests inject one; the gateway uses the system's.
Resolver = Callable[[str, int], Sequence[str]]

DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ip_network("64:ff9b::/96")
_MAPPED = ip_network("::ffff:0:0/96")

# Every block of IANA's IPv4 and IPv6 Special-Purpose Address Registries that is not
# globally reachable (registry columns "Globally Reachable" False or N/A; docs/alerts.md),
# plus multicast and the deprecated site-local block, each with what a refusal calls it.
# Python's ipaddress.is_global misses some (192.0.0.0/24, 192.88.99.0/24, 5f00::/16), so
# the table is the rule; is_global is only a net under it. Where the registry marks a few
# addresses inside a refused block as reachable (the PCP and TURN anycast 192.0.0.9 and
# 192.0.0.10, AMT and ORCHIDv2 inside 2001::/23), the whole block is still refused: they
# are protocol anycast addresses and identifiers, never a webhook receiver.
# The first block that holds an address names it, so narrower blocks come first.
SPECIAL_PURPOSE: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ip_network(block), kind)
    for block, kind in (
        # IPv4 (RFC 6890 and its updates)
        ("0.0.0.0/32", "an unspecified address"),  # "this host on this network"
        ("0.0.0.0/8", "a 'this network' address"),
        ("10.0.0.0/8", "a private network address"),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private network address"),
        ("192.0.0.0/24", "an IETF protocol assignment address"),  # incl. 192.0.0.192
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a deprecated 6to4 relay anycast address"),
        ("192.168.0.0/16", "a private network address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "a reserved address"),  # limited broadcast
        ("240.0.0.0/4", "a reserved address"),
        # IPv6 (RFC 6890 and its updates)
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::ffff:0:0/96", "an IPv4-mapped address"),
        ("64:ff9b:1::/48", "a local-use IPv4/IPv6 translation address"),
        ("100::/64", "a discard-only address"),
        ("100:0:0:1::/64", "a dummy IPv6 address"),
        ("2001:db8::/32", "a documentation address"),
        ("2001::/23", "an IETF protocol assignment address"),  # Teredo, benchmarking, ORCHID
        ("2002::/16", "a 6to4 address"),  # one carrying a refused IPv4 address is named by it
        ("3fff::/20", "a documentation address"),
        ("5f00::/16", "a segment routing address"),
        ("fc00::/7", "a unique-local address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    )
)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_DIGITS = {16: re.compile(r"^[0-9a-f]*$"), 8: re.compile(r"^[0-7]*$"), 10: re.compile(r"^[0-9]+$")}
_HEX = re.compile(r"^0x[0-9a-f]*$")


class RefusedDestination(SeatError):
    """The URL may not be requested: a scheme, credentials or an address that is refused."""


class HostNotFound(SeatError):
    """The URL's host name does not resolve to any address (now: it may later)."""


def resolve_host(host: str, port: int) -> list[str]:
    """Return every address the system resolver gives for host.

    :raises OSError: (socket.gaierror) when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class OutboundPolicy:
    """Networks the operator allows besides public addresses, and how names are resolved."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    resolve: Resolver = field(default=resolve_host)


@dataclass(frozen=True)
class Destination:
    """A checked URL: where to connect (addresses, port) and what to ask for (host, target)."""

    scheme: str
    host: str
    port: int
    target: str
    addresses: tuple[IPAddress, ...]
    explicit_port: bool

    @property
    def host_header(self) -> str:
        """Return the Host header value: the host as named, with the port if the URL gave it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host


def parse_networks(text: str | Iterable[str | IPNetwork] | None) -> tuple[IPNetwork, ...]:
    """Return networks from text like "10.20.0.0/16, 127.0.0.1/32" (an address is a /32).

    :raises ValueError: naming the entry that is not a network.
    """
    if text is None:
        return ()
    entries = text.replace(";", ",").split(",") if isinstance(text, str) else text
    networks: list[IPNetwork] = []
    for entry in entries:
        if isinstance(entry, (IPv4Network, IPv6Network)):
            networks.append(entry)
            continue
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ip_network(entry, strict=True))
        except ValueError:
            raise ValueError(
                f"{entry!r} is not a network: write it like 10.20.0.0/16 or 127.0.0.1/32"
            ) from None
    return tuple(networks)


def check_destination(url: str, policy: OutboundPolicy) -> Destination:
    """Return where to send a request for url, after checking every address it stands for.

    :raises RefusedDestination: for a scheme other than http(s), credentials, a malformed
        host, or any address that is neither public nor in an allowed network.
    :raises HostNotFound: when the host name resolves to nothing.
    """
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise RefusedDestination("A webhook URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        explicit_port = parts.port
    except ValueError:
        raise RefusedDestination(f"{url!r} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise RefusedDestination(
            f"{url!r} is not a web address: use https://host/path (or http:// for tests)"
        )
    # "https://example.com@127.0.0.1/" is a request to 127.0.0.1 for user "example.com".
    if "@" in parts.netloc:
        raise RefusedDestination("Put no user name or password in a webhook URL")
    if explicit_port == 0:
        raise RefusedDestination(f"{url!r} has no valid port")
    port = explicit_port or DEFAULT_PORTS[scheme]
    host, literal = _host_of(parts.hostname)
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
        verb = "is"
    else:
        addresses = _resolved(host, port, policy.resolve)
        verb = "resolves to"
    checked = tuple(_checked(address, policy.allowed_networks, verb) for address in addresses)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return Destination(
        scheme=scheme,
        host=host,
        port=port,
        target=f"{path}?{query}" if query else path,
        addresses=tuple(dict.fromkeys(checked)),
        explicit_port=explicit_port is not None,
    )


def refusal_of(address: IPAddress) -> str | None:
    """Return what kind of non-public address this is ("a loopback address"), or None."""
    carried = _carried_v4(address)
    if carried is not None and (kind := refusal_of(carried)) is not None:
        return kind
    if address in _MAPPED:
        # The connection goes to the IPv4 address it maps, checked just above.
        return None
    for network, kind in SPECIAL_PURPOSE:
        if address.version == network.version and address in network:
            return kind
    if address.is_reserved or address.is_private or not address.is_global:
        return "a reserved address"
    return None


def _carried_v4(address: IPAddress) -> IPv4Address | None:
    """Return the IPv4 address an IPv6 one carries (IPv4-mapped, NAT64 or 6to4), if any."""
    if not isinstance(address, IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _checked(address: IPAddress, allowed: Sequence[IPNetwork], verb: str) -> IPAddress:
    """Return the address to connect to, or refuse it with a sentence an owner can read."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == n.version and address in n for n in allowed):
        return address
    kind = refusal_of(address)
    if kind is None:
        return address
    carried = _carried_v4(address)
    shown = f"{address}, which carries {carried}" if carried is not None else str(address)
    raise RefusedDestination(f"The webhook address {verb} {kind} ({shown}), which is refused.")


def _host_of(hostname: str) -> tuple[str, IPAddress | None]:
    """Return the host as sent (ASCII, no trailing dot) and its address if it is numeric."""
    if ":" in hostname:
        try:
            return hostname, ip_address(hostname)
        except ValueError:
            raise RefusedDestination(f"{hostname!r} is not a valid IPv6 address") from None
    host = hostname[:-1] if hostname.endswith(".") else hostname
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise RefusedDestination(f"{hostname!r} is not a valid host name") from None
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise RefusedDestination(f"{hostname!r} is not a valid host name")
    numeric = _ipv4_of(labels)
    return (str(numeric), numeric) if numeric is not None else (host, None)


def _ipv4_of(labels: list[str]) -> IPv4Address | None:
    """Read a numeric host as the URL standard and inet_aton do, or return None for a name.

    A host whose last label is a number is an IPv4 address in one to four parts, each in
    decimal, octal (leading 0) or hex (0x): "127.1", "0x7f000001" and "0177.0.0.1" are all
    127.0.0.1. One that is not a valid such address is refused rather than resolved.
    """
    if not (_DIGITS[10].match(labels[-1]) or _HEX.match(labels[-1])):
        return None
    invalid = RefusedDestination(f"{'.'.join(labels)!r} is not a valid IPv4 address")
    numbers: list[int] = []
    for label in labels:
        if _HEX.match(label):
            digits, base = label[2:] or "0", 16
        elif len(label) > 1 and label.startswith("0"):
            digits, base = label[1:], 8
        else:
            digits, base = label, 10
        # Checked first: int() would also take "+1", " 1" and "1_0".
        if not _DIGITS[base].match(digits):
            raise invalid
        numbers.append(int(digits or "0", base))
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]):
        raise invalid
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        raise invalid
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return IPv4Address(value)


def _resolved(host: str, port: int, resolve: Resolver) -> tuple[IPAddress, ...]:
    """Return every address host resolves to, without a scope (fe80::1%eth0 is fe80::1)."""
    try:
        found = [ip_address(text.split("%", 1)[0]) for text in resolve(host, port)]
    except (OSError, UnicodeError, ValueError):
        found = []
    if not found:
        raise HostNotFound(f"The webhook host {host} does not resolve to any address")
    return tuple(found)
