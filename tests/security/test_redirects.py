"""``next`` parameters never send people to another site, as a browser reads the
Location header (backslashes as slashes, tabs and newlines dropped)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests import factories

TRICKS = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    " //evil.example/",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
]


def as_a_browser_goes(location: str) -> str:
    """The host a browser would go to from ``location`` on https://faireavec.test."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00- ").replace("\\", "/")
    return urlsplit(urljoin("https://faireavec.test/page", cleaned)).netloc


def test_the_browser_model_sees_the_classic_escapes():
    assert as_a_browser_goes("/\\evil.example/") == "evil.example"
    assert as_a_browser_goes("/consultations/") == "faireavec.test"


@pytest.mark.parametrize("target", TRICKS)
def test_the_language_switch_stays_on_the_site(client, target):
    response = client.post("/langue", data={"language": "fr", "next": target})
    assert response.status_code == 302
    assert as_a_browser_goes(response.headers["Location"]) == "faireavec.test"


@pytest.mark.parametrize("target", TRICKS)
def test_logging_in_stays_on_the_site(client, world, target):
    response = client.post(
        "/compte/connexion",
        query_string={"next": target},
        data={"email": world.staff.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert as_a_browser_goes(response.headers["Location"]) == "faireavec.test"
