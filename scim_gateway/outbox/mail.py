"""Alert emails over SMTP, with a plain-text and an HTML part and a stable Message-ID."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from .options import Options


def sender_address(options: Options) -> str:
    """Return the bare address of MAIL_FROM, which may be like "Seats <seats@example.com>"."""
    return parseaddr(options.mail_from)[1] or options.mail_from


class MailFailed(Exception):
    """The SMTP server did not take the message; permanent when it refused the address."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def compose(
    options: Options,
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    at: datetime,
    event: str,
) -> EmailMessage:
    """Build the message; its Message-ID is the alert's, so a resend can be told apart."""
    message = EmailMessage()
    message["From"] = options.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    domain = sender_address(options).rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{message_id}@{domain}>"
    # RFC 3834: tells mail servers and people's rules this is no reply to anyone.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Seat-Alert"] = event
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Mailer:
    """One SMTP connection, opened on first use and reused for a batch."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Send the message to one recipient.

        :raises MailFailed: when the server cannot be reached or does not accept it.
        """
        try:
            smtp = self._connect()
            smtp.send_message(message, from_addr=sender_address(self.options), to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, reason = next(iter(error.recipients.values()))
            raise MailFailed(
                f"SMTP {code} {reason.decode(errors='replace')}", permanent=500 <= code < 600
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise MailFailed(f"{type(error).__name__}: {error}") from None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is None:
            options = self.options
            smtp = smtplib.SMTP(
                options.smtp_host, options.smtp_port, timeout=options.send_timeout_seconds
            )
            try:
                if options.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if options.smtp_username:
                    smtp.login(options.smtp_username, options.smtp_password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None
