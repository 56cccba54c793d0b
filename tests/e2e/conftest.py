"""Browser fixtures: Debian's Chromium driving the demo app served from a thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from participation.services.demo import seed_demo
from participation.timeutil import utcnow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(
        encoding="utf-8"
    )


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator:
    """One headless Chromium for the whole run (skipped when it is not installed)."""
    if not CHROMIUM.exists():
        reason = (
            f"browser tests need Debian's Chromium at {CHROMIUM}"
            " (apt-get install -y chromium; never `playwright install`)"
        )
        if os.environ.get("PARTICIPATION_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PARTICIPATION_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(playwright_browser) -> Iterator:
    """A fresh browser context (no cookies) per test, in French."""
    ctx = playwright_browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context) -> Iterator:
    """A tab that fails the test on a server error, a script error or a CSP report."""
    problems: list[str] = []
    tab = context.new_page()
    tab.on(
        "response",
        lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"),
    )
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on(
        "console",
        lambda message: (
            message.type == "error"
            and "Content Security Policy" in message.text
            and problems.append(f"CSP: {message.text}")
        ),
    )
    yield tab
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class LiveServer:
    url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(make_app) -> Iterator[LiveServer]:
    """The demo data served over HTTP on a free port, CSRF switched on."""
    from werkzeug.serving import make_server

    from participation.extensions import db

    app = make_app(SERVER_NAME=None, WTF_CSRF_ENABLED=True)
    with app.app_context():
        seed_demo(utcnow())
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def axe_source() -> str:
    return _axe_source()


@pytest.fixture
def axe_check(axe_source):
    """Check the current page against WCAG 2.1 A/AA with axe-core."""

    def check(page) -> None:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(axe_source)
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            WCAG_TAGS,
        )
        violations = results["violations"]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — "
            f"{v['nodes'][0]['target'] if v['nodes'] else '?'} "
            f"[{len(v['nodes'])} node(s)]"
            for v in violations
        )
        assert not violations, f"axe violations on {page.url}:\n{report}"

    return check


@pytest.fixture
def screenshot():
    """Save a full-page screenshot into screenshots/ (git-ignored) to look at.

    Only with PARTICIPATION_SCREENSHOTS=1: pictures are for people, and they slow
    the suite down.
    """

    def shoot(page, name: str) -> None:
        if os.environ.get("PARTICIPATION_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)

    return shoot
