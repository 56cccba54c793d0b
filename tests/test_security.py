"""Security from day one: CSRF everywhere, headers, cookies, rate limits, errors."""

from __future__ import annotations

import base64
import os
import re
import uuid

import pytest
import redis

from participation import mail
from tests import factories

REDIS_URL = "redis://127.0.0.1:6379/0"


def post_rules(app):
    """Every (endpoint, URL) that accepts POST, with ids filled in."""
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            url = re.sub(r"<(?:int:)?(\w+)>", "1", rule.rule)
            yield rule.endpoint, url


def test_every_post_route_refuses_a_missing_csrf_token(make_app):
    """With CSRF on (as in production), a POST without its token gets the French
    400 page, on every route of the URL map, before any view runs."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    routes = list(post_rules(app))
    assert len(routes) >= 20
    for endpoint, url in routes:
        response = client.post(url, data={"email": "x@example.fr"})
        assert response.status_code == 400, endpoint
        assert "Le formulaire a expiré" in response.get_data(as_text=True), endpoint


def test_a_post_with_a_valid_csrf_token_goes_through(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/compte/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the login form carries a CSRF token"
    response = client.post(
        "/compte/connexion",
        data={"csrf_token": token.group(1), "email": "a@b.fr", "password": "x"},
    )
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(
        as_text=True
    )


def test_security_headers_on_every_page(client):
    response = client.get("/")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only in production


def test_pages_carry_no_inline_script_or_style(client, world, login):
    """The CSP forbids them, so the HTML must not need them."""
    login(world.staff)
    for url in ["/", "/lieux/", f"/lieux/{world.building.id}", "/logements/"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html, url
        assert " style=" not in html, url


def test_session_cookie_is_http_only_and_same_site(client, world):
    response = client.post(
        "/compte/connexion",
        data={"email": world.staff.email, "password": factories.PASSWORD},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_unknown_page_gets_the_french_404_page(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_a_crash_shows_the_french_500_page_without_a_stack_trace(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Erreur du serveur" in html
    assert "secret internals" not in html
    assert "Traceback" not in html


def test_wrong_method_gets_the_french_405_page(client):
    response = client.get("/compte/deconnexion")
    assert response.status_code == 405
    assert "Action impossible" in response.get_data(as_text=True)


def _login_attempts(app, count):
    client = app.test_client()
    return [
        client.post(
            "/compte/connexion", data={"email": "a@b.fr", "password": "wrong"}
        ).status_code
        for _ in range(count)
    ]


def test_login_is_rate_limited_with_a_french_page(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    assert _login_attempts(app, 4) == [200, 200, 200, 429]
    response = app.test_client().post("/compte/connexion", data={})
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_password_reset_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PASSWORD_RESET="2 per minute")
    client = app.test_client()
    codes = [
        client.post("/compte/mot-de-passe-oublie", data={"email": "a@b.fr"}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]


def test_rate_limits_are_shared_through_redis(make_app):
    """Two app instances on the same Redis share one budget (as two gunicorn
    workers or two machines would)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("PARTICIPATION_REQUIRE_REDIS") == "1":
            pytest.fail("no Redis on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_LOGIN": "3 per minute",
    }
    try:
        first, second = make_app(**config), make_app(**config)
        assert _login_attempts(first, 2) == [200, 200]
        assert _login_attempts(second, 2) == [200, 429]
    finally:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)


def _attempts_from(app, addresses):
    client = app.test_client()
    return [
        client.post(
            "/compte/connexion",
            data={"email": "a@b.fr", "password": "wrong"},
            headers={"X-Forwarded-For": address},
        ).status_code
        for address in addresses
    ]


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(make_app):
    """With TRUSTED_PROXIES=1 the limit follows X-Forwarded-For, not the proxy."""
    app = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="1 per minute", TRUSTED_PROXIES=1
    )
    assert _attempts_from(app, ["203.0.113.1", "203.0.113.2", "203.0.113.1"]) == [
        200,
        200,
        429,
    ]


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(make_app):
    """Otherwise anyone could dodge the limit by inventing X-Forwarded-For."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="1 per minute")
    assert _attempts_from(app, ["203.0.113.1", "203.0.113.2"]) == [200, 429]


def test_reset_links_ignore_a_forged_host_header(make_app):
    """The link in the mail is on PUBLIC_BASE_URL, whatever Host the request had."""
    app = make_app(SERVER_NAME=None, PUBLIC_BASE_URL="https://faireavec.example.org")
    with app.app_context():
        user = factories.user(email="cible@example.fr")
        login_token = user.login_token
        app.test_client().post(
            "/compte/mot-de-passe-oublie",
            data={"email": "cible@example.fr"},
            headers={"Host": "evil.example", "X-Forwarded-Host": "evil2.example"},
        )
        [path] = mail.outbox_dir().iterdir()
    body = path.read_text()
    assert "https://faireavec.example.org/compte/mot-de-passe/" in body
    assert "evil" not in body
    token = re.search(r"/compte/mot-de-passe/(\S+)", body).group(1)
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    assert '"u"' in payload  # the signed payload is readable by anyone...
    assert login_token not in payload  # ...so it carries only a digest


def test_an_oversized_upload_gets_the_french_413_page(client, world, login):
    """Flask stops reading past MAX_CONTENT_LENGTH: nothing is imported."""
    login(world.staff)
    response = client.post(
        "/logements/import",
        data=b"file=" + b"x" * (7 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "Fichier trop lourd" in response.get_data(as_text=True)


def test_a_refusal_raised_by_a_service_is_a_403_or_409_page(make_app):
    """Services check permissions and states themselves; if a view did not
    pre-check, people still get the French page, never a 500."""
    from participation.services import InvalidTransition, PermissionDenied

    app = make_app()

    @app.get("/refus")
    def refused():
        raise PermissionDenied()

    @app.get("/etat")
    def wrong_state():
        raise InvalidTransition("Cette demande a déjà été traitée.")

    client = app.test_client()
    assert client.get("/refus").status_code == 403
    response = client.get("/etat")
    assert response.status_code == 409
    assert "Cette demande a déjà été traitée." in response.get_data(as_text=True)
