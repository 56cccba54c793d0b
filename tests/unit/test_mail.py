"""Outgoing mail: outbox in development, SMTP off the request path, never a crash."""

from __future__ import annotations

import smtplib
import threading
from pathlib import Path

from participation import mail


class FakeSMTP:
    sent: list = []
    fail = False
    done = threading.Event()

    def __init__(self, host, port, timeout):
        self.address = (host, port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        FakeSMTP.done.set()

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        if FakeSMTP.fail:
            raise smtplib.SMTPServerDisconnected("down")
        FakeSMTP.sent.append(message)


def test_development_mail_lands_in_the_outbox(app):
    message = mail.send("a@example.fr", "Sujet", "Corps é")
    [path] = mail.outbox_dir().iterdir()
    assert path.read_bytes() == bytes(message)


def test_smtp_mail_is_sent_in_the_background(make_app, monkeypatch):
    app = make_app(MAIL_BACKEND="smtp", MAIL_USE_TLS=True, MAIL_USERNAME="u")
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], False
    FakeSMTP.done.clear()
    with app.app_context():
        mail.send("a@example.fr", "Sujet", "Corps")
    assert FakeSMTP.done.wait(5)
    assert [m["To"] for m in FakeSMTP.sent] == ["a@example.fr"]
    assert not (Path(app.instance_path) / "outbox").exists()


def test_a_failing_mail_server_is_logged_not_raised(make_app, monkeypatch, caplog):
    app = make_app(MAIL_BACKEND="smtp")
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], True
    FakeSMTP.done.clear()
    with app.app_context():
        mail.send("a@example.fr", "Sujet", "Corps")
    assert FakeSMTP.done.wait(5)
    for _ in range(50):
        if "Could not send mail" in caplog.text:
            break
        threading.Event().wait(0.05)
    assert "Could not send mail" in caplog.text
    assert FakeSMTP.sent == []
