"""Say why a delivery failed in a sentence an owner can read on the Alerts page."""

from __future__ import annotations

import errno
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator

import requests

from ..crypto import UnreadableSecret
from .mail import MailFailed

# A message that is only an exception's name and text, like "OSError: [Errno 101] ...".
TECHNICAL = re.compile(r"^[A-Za-z_.]+(Error|Exception|Exit|Interrupt)\b")
HTTP_STATUS = re.compile(r"^HTTP (\d{3})\b ?(.*)$")
UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}


def describe(error: BaseException) -> str:
    """Return a sentence that says why the delivery failed, without exception names."""
    target = "The mail server" if isinstance(error, MailFailed) else "The webhook endpoint"
    causes = list(_chain(error))
    for matches, sentence in _SENTENCES:
        found = next((cause for cause in causes if matches(cause)), None)
        if found is not None:
            return sentence(found, target)
    if isinstance(error, MailFailed) and (match := re.match(r"^SMTP (\d{3}) (.*)$", str(error))):
        return _refused_address(int(match[1]), match[2])
    if match := HTTP_STATUS.match(str(error)):
        return _http(int(match[1]), match[2])
    if TECHNICAL.match(str(error)) or not str(error):
        return "The delivery failed for an unexpected reason; the details are in the gateway's log."
    # Already a sentence, like "The endpoint was deleted".
    return str(error)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """Yield the error and what caused it, however it was wrapped (requests, urllib3)."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # `raise ... from None` hides the context from tracebacks but still keeps it.
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += [arg for arg in current.args if isinstance(arg, BaseException)]
        pending += [item for item in linked if isinstance(item, BaseException)]


def _refused_address(code: int, reason: str) -> str:
    reason = reason.strip().rstrip(".")
    detail = f" ({code} {reason})" if reason else f" ({code})"
    if 500 <= code < 600:
        return f"The mail server refused this address{detail}: check that it is spelled right."
    return f"The mail server could not take this address for now{detail}."


def _http(status: int, reason: str) -> str:
    answer = f"HTTP {status}{' ' + reason.strip() if reason.strip() else ''}"
    if 300 <= status < 400:
        return (
            f"The webhook endpoint answered with a redirect ({answer}), which is not "
            "followed: enter the URL it redirects to."
        )
    if status in (401, 403):
        return (
            f"The webhook endpoint refused the message ({answer}): check that it verifies "
            "signatures with the current signing secret."
        )
    if status in (404, 405, 410):
        return f"The webhook endpoint does not take messages at this URL ({answer}): check it."
    if status == 429:
        return f"The webhook endpoint asked to slow down ({answer})."
    if 500 <= status < 600:
        return f"The webhook endpoint had an error of its own ({answer})."
    return f"The webhook endpoint did not accept the message ({answer})."


def _smtp_answer(error: BaseException) -> str:
    code = getattr(error, "smtp_code", None)
    text = getattr(error, "smtp_error", b"")
    reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f" ({code} {reason.strip()})" if code else ""


def _is(*kinds: type[BaseException]) -> Callable[[BaseException], bool]:
    return lambda error: isinstance(error, kinds)


def _unreachable(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in UNREACHABLE


# In order of precedence: the first cause found anywhere in the chain names the failure.
_SENTENCES: list[tuple[Callable[[BaseException], bool], Callable[[BaseException, str], str]]] = [
    (
        _is(UnreadableSecret),
        lambda e, t: f"{t}'s signing secret can no longer be read: rotate the secret.",
    ),
    (
        _is(smtplib.SMTPAuthenticationError),
        lambda e, t: f"{t} did not accept the gateway's sign-in{_smtp_answer(e)}.",
    ),
    (
        _is(smtplib.SMTPSenderRefused),
        lambda e, t: f"{t} refused the sender address{_smtp_answer(e)}.",
    ),
    (
        _is(smtplib.SMTPNotSupportedError),
        lambda e, t: f"{t} does not offer an encrypted connection (STARTTLS).",
    ),
    (
        _is(ssl.SSLError, ssl.CertificateError, requests.exceptions.SSLError),
        lambda e, t: f"{t} could not be reached securely: its certificate was not accepted.",
    ),
    (_is(socket.gaierror), lambda e, t: f"{t}'s host name could not be found."),
    (
        _is(ConnectionRefusedError),
        lambda e, t: f"{t} refused the connection: it may be down or not listening.",
    ),
    (
        _is(TimeoutError, socket.timeout, requests.Timeout),
        lambda e, t: f"{t} did not answer in time.",
    ),
    (
        _is(ConnectionResetError, ConnectionAbortedError, smtplib.SMTPServerDisconnected),
        lambda e, t: f"{t} closed the connection before the message was sent.",
    ),
    (_unreachable, lambda e, t: f"{t} cannot be reached from the gateway's network."),
    (
        _is(smtplib.SMTPResponseException),
        lambda e, t: f"{t} did not accept the message{_smtp_answer(e)}.",
    ),
    (
        _is(requests.ConnectionError, smtplib.SMTPConnectError),
        lambda e, t: f"{t} could not be reached.",
    ),
]
