"""Journeys through the demo in a real browser; every page passes WCAG 2.1 AA (axe)."""

from __future__ import annotations

import re

import pytest

from participation.services.demo import CODES, DOMAIN, PASSWORD

pytestmark = pytest.mark.e2e

NEWCOMER_PASSWORD = "une phrase facile à retenir"
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def at(live_server, path: str) -> re.Pattern:
    """The URL of a page, whatever fragment it carries (the skip link adds one)."""
    return re.compile(re.escape(live_server(path)) + r"(#.*)?$")


def visit(page, axe_check, screenshot, name: str) -> None:
    """Check the page the browser is on, and keep a picture of it."""
    page.wait_for_load_state()
    axe_check(page)
    width = page.viewport_size["width"]
    if width <= PHONE["width"]:
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px"
    screenshot(page, name)


def log_in(page, live_server, email: str, password: str = PASSWORD) -> None:
    page.goto(live_server("/compte/connexion"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(at(live_server, "/"))


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Vous êtes déconnecté·e").wait_for()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_newcomer_registers_with_a_code_and_logs_in_again(
    page, live_server, axe_check, screenshot, viewport
):
    """A newcomer signs up with the code of their letter and finds their home."""
    page.set_viewport_size(viewport)
    page.goto(live_server("/"))
    visit(page, axe_check, screenshot, "home")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Créer un compte"
    ).click()
    page.wait_for_url(at(live_server, "/compte/inscription"))
    visit(page, axe_check, screenshot, "register")

    page.get_by_label("Prénom ou pseudonyme").fill("Léa")
    page.get_by_label("Adresse e-mail").fill("lea@exemple.fr")
    page.get_by_label("Mot de passe", exact=True).fill(NEWCOMER_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEWCOMER_PASSWORD)
    page.get_by_label("Code d'invitation").fill(CODES["TIL-B-0402"])
    page.get_by_role("button", name="Créer mon compte").click()

    page.wait_for_url(at(live_server, "/"))
    assert page.get_by_text("Logement TIL-B-0402").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Léa"
    visit(page, axe_check, screenshot, "home-resident")

    log_out(page)
    visit(page, axe_check, screenshot, "logged-out")
    log_in(page, live_server, "lea@exemple.fr", NEWCOMER_PASSWORD)
    assert page.get_by_text("Logement TIL-B-0402").is_visible()
    log_out(page)
    assert page.get_by_role("link", name="Se connecter").first.is_visible()


def test_registration_errors_are_announced_and_tied_to_fields(
    page, live_server, axe_check, screenshot
):
    """A wrong form shows a summary and each error next to its field, accessibly."""
    page.goto(live_server("/compte/inscription"))
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_role("button", name="Créer mon compte").click()
    assert page.get_by_role("alert").is_visible()
    name = page.get_by_label("Prénom ou pseudonyme")
    assert name.get_attribute("aria-invalid") == "true"
    assert "display_name-errors" in name.get_attribute("aria-describedby")
    visit(page, axe_check, screenshot, "register-errors")


def test_wrong_password_is_refused_accessibly(page, live_server, axe_check):
    """A failed login says so in an alert, and the page stays accessible."""
    page.goto(live_server("/compte/connexion"))
    page.get_by_label("Adresse e-mail").fill(f"equipe@{DOMAIN}")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Adresse e-mail ou mot de passe incorrect."
    axe_check(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_reviews_places_dwellings_and_approves_a_request(
    page, live_server, axe_check, screenshot, viewport
):
    """The landlord's team browses its places and verifies Samira Ouali."""
    page.set_viewport_size(viewport)
    log_in(page, live_server, f"equipe@{DOMAIN}")
    visit(page, axe_check, screenshot, "home-staff")
    nav = page.get_by_role("navigation", name="Menu principal")

    nav.get_by_role("link", name="Lieux").click()
    page.get_by_role("heading", name="Lieux", level=1).wait_for()
    visit(page, axe_check, screenshot, "places")
    page.get_by_role("link", name="Bâtiment B").click()
    page.get_by_role("heading", name=re.compile("Bâtiment B"), level=1).wait_for()
    visit(page, axe_check, screenshot, "place-detail")

    nav.get_by_role("link", name="Logements").click()
    page.get_by_role("heading", name="Logements", level=1).wait_for()
    visit(page, axe_check, screenshot, "dwellings")

    nav.get_by_role("link", name="Habitants").click()
    page.get_by_role("heading", name="Habitants", level=1).wait_for()
    visit(page, axe_check, screenshot, "residents")

    page.get_by_role("link", name="Examiner Samira Ouali").click()
    page.get_by_role("heading", name="Demande de Samira Ouali").wait_for()
    visit(page, axe_check, screenshot, "review")
    page.get_by_label("Logement", exact=True).select_option(
        label="TIL-B-0302 — 3e étage, porte 2"
    )
    page.get_by_role("button", name="Accepter pour ce logement").click()

    page.wait_for_url(at(live_server, "/habitants/"))
    page.get_by_text(
        "Samira Ouali est vérifié·e pour le logement TIL-B-0302"
    ).wait_for()
    assert page.get_by_text("Aucune demande en attente.").is_visible()
    visit(page, axe_check, screenshot, "residents-after")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_visits_organisations_accounts_and_csv_import(
    page, live_server, axe_check, screenshot, viewport
):
    """The administrator reaches every organisation, account and the import."""
    page.set_viewport_size(viewport)
    log_in(page, live_server, f"admin@{DOMAIN}")
    visit(page, axe_check, screenshot, "home-admin")
    nav = page.get_by_role("navigation", name="Menu principal")
    for link, name in [
        ("Organisations", "organisations"),
        ("Comptes", "users"),
        ("Lieux", "places-admin"),
    ]:
        nav.get_by_role("link", name=link).click()
        page.get_by_role("heading", name=link, level=1).wait_for()
        visit(page, axe_check, screenshot, name)
    page.get_by_role("link", name="Importer des logements (CSV)").click()
    page.get_by_role("heading", name="Importer des logements").wait_for()
    visit(page, axe_check, screenshot, "import")


def test_unknown_page_shows_an_accessible_404(page, live_server, axe_check, screenshot):
    response = page.goto(live_server("/cette-page-n-existe-pas"))
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    visit(page, axe_check, screenshot, "404")


PUBLIC_PAGES = [
    "/",
    "/consultations/",
    "/compte/connexion",
    "/compte/inscription",
    "/compte/mot-de-passe-oublie",
    "/nope",
]
SIGNED_IN_PAGES = {
    "equipe": [
        "/compte/",
        "/compte/mot-de-passe",
        "/logements/nouveau",
        "/consultations/",
        "/consultations/nouvelle",
    ],
    "admin": [
        "/",
        "/utilisateurs/nouveau",
        "/organisations/nouvelle",
        "/lieux/nouveau",
    ],
    "habitant1": [
        "/",
        "/compte/",
        "/consultations/",
        "/notifications/",
        "/notifications/preferences",
    ],
    "nouvelle.habitante": ["/", "/compte/", "/compte/verification"],
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_accessible_and_fit_a_phone(
    page, live_server, axe_check, screenshot, path, viewport
):
    """Every public page passes axe; at 360 px wide nothing scrolls sideways."""
    page.set_viewport_size(viewport)
    page.goto(live_server(path))
    visit(page, axe_check, screenshot, path.strip("/").replace("/", "-") or "home")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("who", list(SIGNED_IN_PAGES))
def test_signed_in_pages_are_accessible_and_fit_a_phone(
    page, live_server, axe_check, screenshot, who, viewport
):
    """Account and creation pages of each role pass axe, at both widths."""
    page.set_viewport_size(viewport)
    log_in(page, live_server, f"{who}@{DOMAIN}")
    for path in SIGNED_IN_PAGES[who]:
        page.goto(live_server(path))
        name = f"{who}-" + (path.strip("/").replace("/", "-") or "home")
        visit(page, axe_check, screenshot, name)


def test_login_and_register_work_with_the_keyboard_only(page, live_server, axe_check):
    """Tab from the skip link through the forms; Enter submits."""
    page.goto(live_server("/compte/inscription"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    values = {
        "display_name": "Clavier",
        "email": "clavier@exemple.fr",
        "password": NEWCOMER_PASSWORD,
        "password_confirm": NEWCOMER_PASSWORD,
        "code": CODES["TIL-C-0503"],
    }
    seen = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused in values:
            page.keyboard.type(values[focused])
            seen.append(focused)
        if focused == "code":
            break
    assert seen == list(values)
    page.keyboard.press("Enter")
    page.wait_for_url(at(live_server, "/"))
    assert page.get_by_text("Logement TIL-C-0503").is_visible()

    # Log out from the keyboard: focus the button, press Enter.
    page.get_by_role("button", name="Se déconnecter").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Vous êtes déconnecté·e").wait_for()

    page.goto(live_server("/compte/connexion"))
    page.locator("#contenu").focus()
    for field, value in [("email", "clavier@exemple.fr"), ("password", None)]:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == field
        page.keyboard.type(value or NEWCOMER_PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "remember"
    page.keyboard.press("Space")
    assert page.locator("#remember").is_checked()
    page.keyboard.press("Enter")
    page.wait_for_url(at(live_server, "/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Clavier"
    axe_check(page)


def test_focus_is_visible_on_links_and_buttons(page, live_server):
    """Keyboard focus draws an outline (WCAG 2.4.7)."""
    page.goto(live_server("/compte/connexion"))
    page.locator("#contenu").focus()
    page.keyboard.press("Tab")
    for _ in range(6):
        page.keyboard.press("Tab")
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert style[0] != "none" and style[1] != "0px", style


def test_axe_check_catches_a_broken_page(page, axe_check):
    """The checker itself works: an image without text and an unlabelled field fail."""
    page.set_content(
        '<html lang="fr"><head><title>T</title></head><body><main>'
        '<h1>T</h1><img src="data:,"><input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(page)
    assert "image-alt" in str(failure.value)
    assert "label" in str(failure.value)


def test_admin_imports_prints_letters_and_a_resident_signs_up_with_one(
    page, live_server, axe_check, screenshot, tmp_path
):
    """The whole loop of the foundation: a CSV of new dwellings, their letters
    printed with codes and QR codes, and a new resident using one of them."""
    csv_file = tmp_path / "logements.csv"
    csv_file.write_text(
        "reference;territory;residence;building;entrance\n"
        "ACA-F-0101;Quartier des Tilleuls;Résidence Les Acacias;Bâtiment F;\n"
        "ACA-F-0102;Quartier des Tilleuls;Résidence Les Acacias;Bâtiment F;\n",
        encoding="utf-8",
    )
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, f"admin@{DOMAIN}")
    page.goto(live_server("/logements/import"))
    page.get_by_label("Fichier CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Importer").click()
    page.get_by_text("2 logements et 2 lieux importés.").wait_for()
    visit(page, axe_check, screenshot, "import-done")

    page.get_by_role("link", name="Bâtiment F").click()
    page.get_by_role("button", name="Générer les codes et imprimer").click()
    page.get_by_text("2 codes viennent d'être créés.").wait_for()
    visit(page, axe_check, screenshot, "letters")
    assert page.locator("svg.qr-code").count() == 2
    codes = page.locator(".code-display").all_inner_texts()
    assert len(codes) == 2
    log_out(page)

    page.goto(live_server(f"/compte/inscription?code={codes[1]}"))
    assert page.get_by_label("Code d'invitation").input_value() == codes[1]
    page.get_by_label("Prénom ou pseudonyme").fill("Nouvel habitant")
    page.get_by_label("Adresse e-mail").fill("acacias@example.fr")
    page.get_by_label("Mot de passe", exact=True).fill(NEWCOMER_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEWCOMER_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(at(live_server, "/"))
    page.get_by_text("Logement ACA-F-0102").wait_for()
    page.get_by_text("Résidence Les Acacias").wait_for()
    visit(page, axe_check, screenshot, "home-acacias")
