"""Outgoing mail: written to instance/outbox/ in development, SMTP in production."""

from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


def send(to: str, subject: str, body: str) -> EmailMessage:
    """Send a plain-text message with the configured backend and return it.

    Sending never fails the caller: the change that triggered the mail is already
    committed, so an error is logged instead. SMTP runs in a background thread, so
    that a page answers as fast whether or not it sent a mail (no account
    enumeration through timing) and a slow mail server does not hold a worker.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="faireavec.fr")
    message.set_content(body)
    if config["MAIL_BACKEND"] == "smtp":
        settings = {key: config[key] for key in config if key.startswith("MAIL_")}
        threading.Thread(
            target=_send_smtp, args=(message, settings), daemon=True
        ).start()
    else:
        _write_outbox(message, outbox_dir())
    return message


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def _write_outbox(message: EmailMessage, folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_") + ".eml"
        path = folder / name
        path.write_bytes(bytes(message))
    except OSError:
        log.exception("Could not write mail %s to the outbox", message["Message-ID"])
        return
    log.info("Mail to the outbox: %s (%s)", path, message["Subject"])


def _send_smtp(message: EmailMessage, settings: dict) -> None:
    try:
        with smtplib.SMTP(
            settings["MAIL_SERVER"], settings["MAIL_PORT"], timeout=30
        ) as smtp:
            if settings["MAIL_USE_TLS"]:
                smtp.starttls()
            if settings["MAIL_USERNAME"]:
                smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send mail %s", message["Message-ID"])
        return
    log.info("Mail sent: %s", message["Message-ID"])
