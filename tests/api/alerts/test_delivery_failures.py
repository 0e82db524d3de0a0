"""Delivery failures read as sentences an owner understands, not as exception names."""

import smtplib
import socket
from email.message import EmailMessage

import pytest

from scim_gateway.crypto import UnreadableSecret
from scim_gateway.outbox.failures import describe
from scim_gateway.outbox.mail import Mailer, MailFailed
from scim_gateway.outbox.options import Options
from scim_gateway.outbox.webhooks import WebhookFailed


def closed_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrapped(cause: Exception) -> MailFailed:
    """Return the MailFailed the mailer raises for cause, its context kept as Python keeps it."""
    try:
        try:
            raise cause
        except (smtplib.SMTPException, OSError) as error:
            raise MailFailed(f"{type(error).__name__}: {error}") from None
    except MailFailed as failed:
        return failed


def test_a_mail_server_that_is_down_reads_as_a_refused_connection():
    options = Options.from_config({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": closed_port()})
    message = EmailMessage()
    message.set_content("hello")

    with pytest.raises(MailFailed) as failed:
        Mailer(options).send(message, "ann@acme.test")

    assert "ConnectionRefusedError" in str(failed.value)
    assert describe(failed.value) == (
        "The mail server refused the connection: it may be down or not listening."
    )


@pytest.mark.parametrize(
    ("cause", "sentence"),
    [
        (
            smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"),
            "The mail server did not accept the gateway's sign-in (535 5.7.8 bad credentials).",
        ),
        (
            smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
            "The mail server closed the connection before the message was sent.",
        ),
        (TimeoutError("timed out"), "The mail server did not answer in time."),
        (
            socket.gaierror(-2, "Name or service not known"),
            "The mail server's host name could not be found.",
        ),
        (
            smtplib.SMTPDataError(552, b"message too big"),
            "The mail server did not accept the message (552 message too big).",
        ),
    ],
)
def test_smtp_failures_read_as_sentences(cause, sentence):
    assert describe(wrapped(cause)) == sentence


def test_a_refused_address_keeps_the_servers_reason():
    failed = MailFailed("SMTP 550 5.1.1 no such user", permanent=True)

    assert describe(failed) == (
        "The mail server refused this address (550 5.1.1 no such user): "
        "check that it is spelled right."
    )


@pytest.mark.parametrize(
    ("message", "sentence"),
    [
        (
            "Could not connect: 127.0.0.1: ConnectionRefusedError: [Errno 111] Connection refused",
            "The webhook endpoint refused the connection: it may be down or not listening.",
        ),
        (
            "Could not connect: 10.0.0.1: TimeoutError: timed out",
            "The webhook endpoint did not answer in time.",
        ),
        (
            "TLS with hooks.test failed: [SSL: CERTIFICATE_VERIFY_FAILED] verify failed",
            "The webhook endpoint could not be reached securely: "
            "its TLS certificate was not accepted.",
        ),
        (
            "Could not connect: 192.0.2.1: OSError: [Errno 101] Network is unreachable",
            "The webhook endpoint cannot be reached from the gateway's network.",
        ),
        (
            "HTTP 404 Not Found",
            "The webhook endpoint does not take messages at this URL (HTTP 404 Not Found).",
        ),
        (
            "HTTP 401 Unauthorized",
            "The webhook endpoint refused the message (HTTP 401 Unauthorized): check that it "
            "verifies signatures with the current signing secret.",
        ),
        ("HTTP 503", "The webhook endpoint had an error of its own (HTTP 503)."),
    ],
)
def test_webhook_failures_read_as_sentences(message, sentence):
    assert describe(WebhookFailed(message)) == sentence


def test_an_unreadable_secret_asks_for_a_new_one():
    error = UnreadableSecret("A stored secret cannot be decrypted with the key")

    assert describe(error) == (
        "The webhook endpoint's signing secret can no longer be read: rotate the secret."
    )


def test_an_unexpected_error_names_no_exception():
    sentence = describe(RuntimeError("KeyError: 'seats'"))

    assert "KeyError" not in sentence and sentence.startswith("The delivery failed")


def test_a_message_that_is_already_a_sentence_is_kept():
    assert describe(WebhookFailed("The endpoint was deleted")) == "The endpoint was deleted"
