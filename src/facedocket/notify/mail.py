"""One notice as a mail, sent through the configured SMTP server (the standard library's
``smtplib``, which speaks STARTTLS, implicit TLS and AUTH; nothing else is needed).

The mail says what the notice says and links to the page: nothing from the case.
"""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from email.message import EmailMessage

from facedocket.settings import Settings

SUBJECT = "FaceDocket: {text}"
BODY = """{text}

Open it, signed in: {url}

This notice carries no case details; they are on the page, for those who may see them.
"""


# A subject is one line of fixed words, well inside SMTP's 998; folded at the usual 78 it
# came out of some parsers with a leading space.
POLICY = email.policy.SMTP.clone(max_line_length=998)


def message(settings: Settings, to: str, text: str, link: str) -> EmailMessage:
    mail = EmailMessage(policy=POLICY)
    mail["From"] = settings.smtp_sender
    mail["To"] = to
    mail["Subject"] = SUBJECT.format(text=text)
    mail.set_content(BODY.format(text=text, url=settings.public_url.rstrip("/") + link))
    return mail


def send(settings: Settings, mail: EmailMessage) -> None:
    """Hand the mail to the server; an ``OSError`` or ``smtplib.SMTPException`` if not."""
    if settings.smtp_host is None:
        raise smtplib.SMTPException("FACEDOCKET_SMTP_HOST is not set")
    context = ssl.create_default_context()
    timeout = settings.smtp_timeout_seconds
    server = (
        smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout, context=context)
        if settings.smtp_security == "tls"
        else smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    )
    with server:
        if settings.smtp_security == "starttls":
            server.starttls(context=context)
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            server.login(settings.smtp_username, password)
        server.send_message(mail)
