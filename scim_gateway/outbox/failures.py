"""Say why a delivery failed in a sentence an owner can read on the Alerts page."""

from __future__ import annotations

import errno
import http.client
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..crypto import UnreadableSecret
from .mail import MailFailed


@dataclass(frozen=True)
class Failure:
    """A kind of failure: the exceptions that are it, or their text, and what to say."""

    kinds: tuple[type[BaseException], ...]
    text: str
    sentence: Callable[[str, str], str]

    def mentioned_in(self, error: BaseException) -> bool:
        """Tell whether the error's message names this kind of failure."""
        # Senders often keep only the text ("Could not connect: ... ConnectionRefusedError").
        return bool(re.search(self.text, str(error)))


def _smtp_answer(error: BaseException) -> str:
    code = getattr(error, "smtp_code", None)
    text = getattr(error, "smtp_error", b"")
    reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f" ({code} {reason.strip()})" if isinstance(code, int) and code > 0 else ""


UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}
NEVER = r"(?!)"

# In order of precedence: the first one found anywhere in the error's chain names it.
FAILURES = [
    Failure(
        (UnreadableSecret,),
        r"cannot be decrypted",
        lambda t, _: f"{t}'s signing secret can no longer be read: rotate the secret.",
    ),
    Failure(
        (smtplib.SMTPAuthenticationError,),
        r"SMTPAuthenticationError",
        lambda t, answer: f"{t} did not accept the gateway's sign-in{answer}.",
    ),
    Failure(
        (smtplib.SMTPSenderRefused,),
        r"SMTPSenderRefused",
        lambda t, answer: f"{t} refused the sender address{answer}.",
    ),
    Failure(
        (smtplib.SMTPNotSupportedError,),
        r"STARTTLS extension not supported",
        lambda t, _: f"{t} does not offer an encrypted connection (STARTTLS).",
    ),
    Failure(
        (ssl.SSLError, ssl.CertificateError),
        r"CERTIFICATE_VERIFY_FAILED|SSLCertVerificationError|SSLError|TLS with .* failed",
        lambda t, _: f"{t} could not be reached securely: its TLS certificate was not accepted.",
    ),
    Failure(
        (socket.gaierror,),
        r"gaierror|Name or service not known|Temporary failure in name resolution"
        r"|nodename nor servname",
        lambda t, _: f"{t}'s host name could not be found.",
    ),
    Failure(
        (ConnectionRefusedError,),
        r"ConnectionRefusedError|Connection refused",
        lambda t, _: f"{t} refused the connection: it may be down or not listening.",
    ),
    Failure(
        (TimeoutError, socket.timeout),
        r"TimeoutError|timed out",
        lambda t, _: f"{t} did not answer in time.",
    ),
    Failure(
        (
            ConnectionResetError,
            ConnectionAbortedError,
            smtplib.SMTPServerDisconnected,
            http.client.RemoteDisconnected,
        ),
        r"ConnectionResetError|RemoteDisconnected|SMTPServerDisconnected|Connection reset",
        lambda t, _: f"{t} closed the connection before the message was sent.",
    ),
    Failure(
        (),
        r"Network is unreachable|No route to host|\[Errno ("
        + "|".join(str(n) for n in sorted(UNREACHABLE))
        + r")\]",
        lambda t, _: f"{t} cannot be reached from the gateway's network.",
    ),
    Failure(
        (smtplib.SMTPResponseException,),
        NEVER,
        lambda t, answer: f"{t} did not accept the message{answer}.",
    ),
]

# A message that is only an exception's name and text, like "OSError: [Errno 5] ...".
TECHNICAL = re.compile(r"^[A-Za-z_.]+(Error|Exception)\b|\[Errno \d+\]|Traceback")
SMTP_STATUS = re.compile(r"^SMTP (\d{3}) ?(.*)$", re.DOTALL)
HTTP_STATUS = re.compile(r"^HTTP (\d{3})(?: ([^:]*))?$")


def describe(error: BaseException) -> str:
    """Return a sentence that says why the delivery failed, without exception names."""
    target = "The mail server" if isinstance(error, MailFailed) else "The webhook endpoint"
    causes = list(_chain(error))
    for failure in FAILURES:
        # An exception of the kind, with its SMTP code, rather than a message that names it.
        found = next((c for c in causes if isinstance(c, failure.kinds)), None)
        if found is not None or any(failure.mentioned_in(cause) for cause in causes):
            return failure.sentence(target, _smtp_answer(found) if found else "")
    message = str(error).strip()
    if isinstance(error, MailFailed) and (match := SMTP_STATUS.match(message)):
        return _refused_address(int(match[1]), match[2])
    if match := HTTP_STATUS.match(message):
        return _http(int(match[1]), match[2] or "")
    if not message or TECHNICAL.search(message):
        return "The delivery failed for an unexpected reason; the details are in the gateway's log."
    # Already a sentence, like "The endpoint was deleted".
    return message


def _chain(error: BaseException) -> Iterator[BaseException]:
    """Yield the error and what caused it, however deeply it was wrapped."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # `raise ... from None` hides the context from tracebacks, but keeps it.
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += list(current.args)
        pending += [item for item in linked if isinstance(item, BaseException)]


def _refused_address(code: int, reason: str) -> str:
    reason = reason.strip().rstrip(".")
    detail = f" ({code} {reason})" if reason else f" ({code})"
    if 500 <= code < 600:
        return f"The mail server refused this address{detail}: check that it is spelled right."
    return f"The mail server could not take mail for this address for now{detail}."


def _http(status: int, reason: str) -> str:
    answer = f"HTTP {status} {reason.strip()}".strip()
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
        return f"The webhook endpoint does not take messages at this URL ({answer})."
    if status == 429:
        return f"The webhook endpoint asked to slow down ({answer})."
    if 500 <= status < 600:
        return f"The webhook endpoint had an error of its own ({answer})."
    return f"The webhook endpoint did not accept the message ({answer})."
