"""The core loop in a real browser: staff open a consultation, a resident proposes,
another votes, staff close and publish, everybody sees the results. Every page is
scanned with axe (WCAG 2.1 A/AA) and, at 360 px, must not scroll sideways."""

from __future__ import annotations

import re

import pytest

from participation.services.demo import DOMAIN
from tests.e2e.test_journey import DESKTOP, PHONE, log_in, log_out, visit

pytestmark = pytest.mark.e2e

TITLE = "Local vélos : vos idées"
IDEA = "Un abri vélos fermé près du bâtiment A"


def close_current_phase(page) -> None:
    page.get_by_role("button", name=re.compile("^Terminer l'étape")).click()
    page.locator(".flash, [role=status], [role=alert]").first.wait_for()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_from_consultation_to_published_results(
    page, live_server, axe_check, screenshot, viewport
):
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        visit(page, axe_check, screenshot, f"journey-{name}")

    # Staff open a consultation for the neighbourhood (ideas open at once).
    log_in(page, live_server, f"equipe@{DOMAIN}")
    page.goto(live_server("/consultations/"))
    check("consultations-staff")
    page.get_by_role("link", name="Nouvelle consultation").click()
    check("consultation-new")
    page.get_by_label("Titre", exact=True).fill(TITLE)
    page.get_by_label("Résumé").fill("Où ranger vélos et poussettes ?")
    page.get_by_label("Présentation détaillée").fill("Nous voulons **vos idées**.")
    page.get_by_role("button", name="Créer la consultation").click()
    page.get_by_role("heading", level=1, name=TITLE).wait_for()
    check("consultation-staff")
    consultation_url = page.url.split("#")[0]
    page.get_by_role("link", name="Imprimer l'affiche").click()
    check("poster")
    log_out(page)

    # A resident of the neighbourhood proposes an idea.
    log_in(page, live_server, f"habitant1@{DOMAIN}")
    page.goto(consultation_url)
    check("consultation-resident")
    page.get_by_role("link", name="Proposer une idée").click()
    check("proposal-new")
    page.get_by_label("Titre de l'idée").fill(IDEA)
    page.get_by_label("Description").fill(
        "Un abri avec des arceaux, fermé par badge, pour 20 vélos."
    )
    page.get_by_role("button", name="Publier mon idée").click()
    page.get_by_role("heading", level=1, name=IDEA).wait_for()
    check("proposal")
    log_out(page)

    # Staff end the idea collection: voting opens.
    log_in(page, live_server, f"equipe@{DOMAIN}")
    page.goto(consultation_url)
    close_current_phase(page)
    log_out(page)

    # Another resident votes for the idea.
    log_in(page, live_server, f"habitant2@{DOMAIN}")
    page.goto(consultation_url)
    page.get_by_role("link", name="Voter").click()
    check("ballot")
    page.get_by_role("checkbox", name=re.compile(re.escape(IDEA))).check()
    page.get_by_role("button", name="Enregistrer mon vote").click()
    page.get_by_text("Votre vote est enregistré").wait_for()
    check("ballot-cast")
    log_out(page)

    # Staff close the vote and publish the outcome.
    log_in(page, live_server, f"equipe@{DOMAIN}")
    page.goto(consultation_url)
    close_current_phase(page)
    page.get_by_role("link", name="Publier le résultat").click()
    check("outcome")
    page.get_by_label("Ce qui a été décidé et la suite").fill(
        "L'abri sera installé au printemps ; un atelier de réparation suivra."
    )
    page.get_by_role("button", name="Publier").click()
    page.get_by_text("L'abri sera installé au printemps").wait_for()
    check("results-staff")
    log_out(page)

    # Everybody, visitors included, sees the results.
    page.goto(consultation_url)
    page.get_by_role("link", name="Voir les résultats").click()
    check("results-public")
    main = page.get_by_role("main")
    assert IDEA in main.inner_text()
    assert "L'abri sera installé au printemps" in main.inner_text()
    assert page.locator("svg[role=img]").count() >= 1
    assert page.locator("table").count() >= 1


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_visitor_reads_the_demo_consultations_results_and_proposals(
    page, live_server, axe_check, screenshot, viewport
):
    """Without an account: the list, a consultation in its vote (results hidden),
    a finished one with its majority-judgment results, and a proposal."""
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        visit(page, axe_check, screenshot, f"visitor-{name}")

    page.goto(live_server("/consultations/"))
    check("consultations")
    page.get_by_role("link", name=re.compile("^Encombrants")).first.click()
    check("voting-consultation")
    assert page.get_by_role("link", name="Voir les résultats").count() == 0
    page.goto(live_server("/consultations/"))
    page.get_by_role("link", name=re.compile("^Aire de jeux")).first.click()
    check("finished-consultation")
    page.get_by_role("link", name="Voir les résultats").click()
    check("results")
    assert page.locator("svg[role=img]").count() >= 1
    page.go_back()
    page.locator("main a[href*='/propositions/']").first.click()
    page.get_by_role("heading", level=1).wait_for()
    check("proposal")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_resident_votes_in_the_demo_and_reads_notifications(
    page, live_server, axe_check, screenshot, viewport
):
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        visit(page, axe_check, screenshot, f"resident-{name}")

    log_in(page, live_server, f"habitant1@{DOMAIN}")
    page.get_by_role("link", name=re.compile("^Encombrants")).first.click()
    check("consultation")
    page.get_by_role("link", name="Voter").click()
    check("ballot")
    boxes = page.get_by_role("checkbox")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Enregistrer mon vote").click()
    page.get_by_text("Votre vote est enregistré").wait_for()
    check("ballot-cast")
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    check("notifications")
