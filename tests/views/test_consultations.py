"""Consultation pages through the real app: the public list and page, the staff's
form, phase changes, poster and moderation queue; who sees and may do what."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    Comment,
    Consultation,
    Organisation,
    Phase,
    Place,
    ProposalStatus,
    Report,
    Role,
    Theme,
    User,
    VotingMethod,
)
from participation.timeutil import PARIS, utcnow
from tests import factories

LOGIN = "/compte/connexion"
PHASES = list(Phase)


# --- helpers ----------------------------------------------------------------------


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_errors(response, field: str) -> str:
    """The error list shown next to a field (empty when there is none)."""
    page = response.get_data(as_text=True)
    found = re.search(
        rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', page, re.S
    )
    return html.unescape(found.group(1)) if found else ""


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id))
    )


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(
        db.select(db.func.count()).select_from(model).where(*where)
    )


def reload(consultation: Consultation) -> Consultation:
    db.session.rollback()
    return db.session.get(Consultation, consultation.id)


def local(moment: datetime) -> str:
    """A UTC instant as a ``datetime-local`` input sends it (Paris time)."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def proposal_titles(response) -> list[str]:
    """The proposal titles listed on a consultation page, in order."""
    page = response.get_data(as_text=True)
    listing = page.split('id="propositions"', 1)[1]
    return [
        html.unescape(t)
        for t in re.findall(r'<h3><a href="/propositions/\d+">(.*?)</a></h3>', listing)
    ]


def new_form(place, **changes) -> dict:
    """What the creation form sends, valid unless changed."""
    now = utcnow()
    data = {
        "place": str(place.id),
        "title": "Que faire des encombrants ?",
        "summary": "Vos idées pour un hall propre.",
        "body": "Depuis des mois, des meubles restent dans le hall.",
        "theme": "waste",
        "opens_at": local(now),
        "voting_opens_at": local(now + timedelta(days=21)),
        "voting_closes_at": local(now + timedelta(days=35)),
        "follow_up_at": local(now + timedelta(days=42)),
        "method": "approval",
        "max_choices": "3",
        "budget": "",
        "voter_unit": "dwelling",
        "quorum_percent": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_form(consultation: Consultation, locked=(), **changes) -> dict:
    """What a browser sends from the edit form: every field but the disabled ones."""
    data = {
        "title": consultation.title,
        "summary": consultation.summary,
        "body": consultation.body,
        "theme": consultation.theme.value,
        "opens_at": local(consultation.opens_at),
        "voting_opens_at": local(consultation.voting_opens_at),
        "voting_closes_at": local(consultation.voting_closes_at),
        "follow_up_at": local(consultation.follow_up_at),
        "method": consultation.method.value,
        "max_choices": str(consultation.max_choices),
        "budget": str(consultation.budget or ""),
        "voter_unit": consultation.voter_unit.value,
        "quorum_percent": str(consultation.quorum_percent or ""),
    }
    if consultation.live_results:
        data["live_results"] = "y"
    for name in locked:
        data.pop(name, None)
    data.update(changes)
    return data


VOTING_LOCKED = (
    "opens_at",
    "voting_opens_at",
    "method",
    "max_choices",
    "budget",
    "voter_unit",
    "quorum_percent",
    "live_results",
)


# --- the list -----------------------------------------------------------------------


def test_visitors_see_published_consultations_but_never_drafts(client, world):
    factories.consultation(world.building, Phase.IDEAS, title="Ouverte aux idées")
    factories.consultation(world.building, Phase.DRAFT, title="Encore en brouillon")
    page = text(client.get("/consultations/"))
    assert "Ouverte aux idées" in page
    assert "Encore en brouillon" not in page
    assert "Nouvelle consultation" not in page


def test_residents_do_not_see_drafts_either(client, login, world):
    factories.consultation(world.building, Phase.DRAFT, title="Encore en brouillon")
    login(world.resident)
    assert "Encore en brouillon" not in text(client.get("/consultations/"))


def test_staff_see_their_landlords_drafts_but_not_another_landlords(
    client, login, world
):
    factories.consultation(world.building, Phase.DRAFT, title="Notre brouillon")
    factories.consultation(world.other_building, Phase.DRAFT, title="Leur brouillon")
    factories.consultation(world.other_building, Phase.VOTING, title="Leur vote")
    login(world.staff)
    page = text(client.get("/consultations/"))
    assert "Notre brouillon" in page
    assert "Leur brouillon" not in page
    assert "Leur vote" in page  # published: public for everyone
    assert "Nouvelle consultation" in page


def test_each_item_shows_place_theme_phase_in_words_and_listed_proposals(client, world):
    consultation = factories.consultation(
        world.building, Phase.VOTING, theme=Theme.GREEN_SPACES
    )
    factories.proposal(consultation, world.resident)
    factories.proposal(consultation, world.resident)
    factories.proposal(consultation, world.resident, status=ProposalStatus.HIDDEN)
    page = text(client.get("/consultations/"))
    assert "Bâtiment A" in page
    assert "Espaces verts" in page
    assert '<span class="badge phase-badge phase-voting">Vote</span>' in page
    assert "2 propositions" in page
    assert "du " in page and " au " in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", {"Idées déchets", "Vote travaux", "Suivi déchets"}),
        ("?theme=waste", {"Idées déchets", "Suivi déchets"}),
        ("?phase=voting", {"Vote travaux"}),
        ("?theme=waste&phase=follow_up", {"Suivi déchets"}),
        ("?theme=works&phase=ideas", set()),
        (
            "?theme=nonsense&phase=42",
            {"Idées déchets", "Vote travaux", "Suivi déchets"},
        ),
    ],
)
def test_the_list_filters_by_theme_and_phase(client, world, query, shown):
    factories.consultation(
        world.building, Phase.IDEAS, title="Idées déchets", theme=Theme.WASTE
    )
    factories.consultation(
        world.building, Phase.VOTING, title="Vote travaux", theme=Theme.WORKS
    )
    factories.consultation(
        world.building, Phase.FOLLOW_UP, title="Suivi déchets", theme=Theme.WASTE
    )
    page = text(client.get(f"/consultations/{query}"))
    for title in ("Idées déchets", "Vote travaux", "Suivi déchets"):
        assert (title in page) == (title in shown), title


def test_the_list_is_paginated_by_twenty_and_keeps_its_filters(client, world):
    for n in range(23):
        factories.consultation(
            world.building, Phase.IDEAS, title=f"Sujet {n:02}", theme=Theme.SAFETY
        )
    page = text(client.get("/consultations/?theme=safety"))
    assert page.count('<li class="card">') == 20
    assert "/consultations/?theme=safety&page=2" in page
    second = text(client.get("/consultations/?theme=safety&page=2"))
    assert second.count('<li class="card">') == 3


# --- the page -----------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "resident", "other_resident", "other_staff"])
def test_a_draft_is_not_found_by_anyone_but_its_landlords_staff(
    client, login, world, who
):
    draft = factories.consultation(world.building, Phase.DRAFT)
    if who:
        login(getattr(world, who))
    assert client.get(f"/consultations/{draft.id}").status_code == 404


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_staff_read_their_draft_with_a_notice(client, login, world, who):
    draft = factories.consultation(world.building, Phase.DRAFT, title="Brouillon A")
    login(getattr(world, who))
    page = text(client.get(f"/consultations/{draft.id}"))
    assert "Brouillon A" in page
    assert "n'est visible que par l'équipe du bailleur" in page


def test_an_unknown_consultation_is_not_found(client, world):
    assert client.get("/consultations/999999").status_code == 404


def test_the_page_shows_the_place_chain_theme_text_timeline_and_rules(client, world):
    consultation = factories.consultation(
        world.entrance,
        Phase.VOTING,
        title="Hall propre",
        summary="Un résumé clair.",
        body_html="<p>Le corps du texte.</p>",
        theme=Theme.WASTE,
        method=VotingMethod.BUDGET,
        budget=15000,
        quorum_percent=20,
    )
    response = client.get(f"/consultations/{consultation.id}")
    page = text(response)
    assert re.search(r"Tilleuls \d+ › Résidence › Bâtiment A › Entrée 1", page)
    assert "Encombrants et propreté" in page
    assert "Un résumé clair." in page
    assert "<p>Le corps du texte.</p>" in page
    timeline = page.split('<ol class="consultation-timeline">', 1)[1].split("</ol>", 1)[
        0
    ]
    assert timeline.count("<li") == 4
    assert timeline.count('aria-current="step"') == 1
    current = timeline.split('aria-current="step"', 1)[1].split("</li>", 1)[0]
    assert "Vote" in current and "étape en cours" in current
    assert "(terminée)" in timeline  # the ideas phase
    assert "Budget participatif" in page and "15\u202f000\xa0€" in page
    assert "Une voix par logement" in page
    assert "au moins 20 % des votants possibles" in page
    assert "Les résultats restent cachés jusqu'à la fin du vote." in page


# Call-to-action labels on the page, by who looks and when.
PROPOSE, VOTE, RESULTS = "Proposer une idée", "Voter</a>", "Voir les résultats"
LOGIN_INVITE = "Connectez-vous pour proposer vos idées et voter"
NOT_ELIGIBLE = "Cette consultation est réservée aux habitant·es"
CTA_MATRIX = [
    ("resident", Phase.IDEAS, {PROPOSE}),
    ("resident", Phase.VOTING, {VOTE}),
    ("resident", Phase.RESULTS, {RESULTS}),
    ("resident", Phase.FOLLOW_UP, {RESULTS}),
    ("other_resident", Phase.IDEAS, {NOT_ELIGIBLE}),
    ("other_resident", Phase.VOTING, {NOT_ELIGIBLE}),
    ("other_resident", Phase.RESULTS, {RESULTS}),
    ("newcomer", Phase.VOTING, {NOT_ELIGIBLE}),
    (None, Phase.IDEAS, {LOGIN_INVITE}),
    (None, Phase.VOTING, {LOGIN_INVITE}),
    (None, Phase.RESULTS, {RESULTS}),
    ("partner", Phase.IDEAS, set()),
    ("staff", Phase.IDEAS, set()),
    ("staff", Phase.RESULTS, {RESULTS}),
]


@pytest.mark.parametrize(("who", "phase", "expected"), CTA_MATRIX)
def test_calls_to_action_follow_role_and_phase(
    client, login, world, who, phase, expected
):
    consultation = factories.consultation(world.building, phase)
    if who:
        login(getattr(world, who))
    page = text(client.get(f"/consultations/{consultation.id}"))
    for label in (PROPOSE, VOTE, RESULTS, LOGIN_INVITE, NOT_ELIGIBLE):
        assert (label in page) == (label in expected), label


def test_the_call_to_action_links_go_to_the_right_pages(client, login, world):
    ideas = factories.consultation(world.building, Phase.IDEAS)
    voting = factories.consultation(world.building, Phase.VOTING)
    login(world.resident)
    assert f'href="/propositions/nouvelle/{ideas.id}"' in text(
        client.get(f"/consultations/{ideas.id}")
    )
    page = text(client.get(f"/consultations/{voting.id}"))
    assert f'href="/consultations/{voting.id}/vote"' in page
    assert f"/consultations/{voting.id}/resultats" not in page


def test_live_results_are_offered_while_voting(client, world):
    consultation = factories.consultation(
        world.building, Phase.VOTING, live_results=True
    )
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert f'href="/consultations/{consultation.id}/resultats"' in page
    assert "Les résultats s'affichent en direct pendant le vote." in page


STAFF_TOOLS = {
    "edit": "Modifier</a>",
    "poster": "Imprimer l'affiche",
    "reports": "Signalements à traiter",
    "on_behalf": "Saisir une idée recueillie en personne",
    "paper": "Saisir des bulletins papier",
    "export": "/export/bulletins.csv",
    "outcome": "Publier le résultat",
    "close": "Passer à l'étape suivante",
    "extend": "Prolonger l'étape",
}
STAFF_MATRIX = {
    # The anonymous ballots are exported once results are visible.
    Phase.DRAFT: {"edit", "poster", "reports", "on_behalf", "close", "extend"},
    Phase.IDEAS: {"edit", "poster", "reports", "on_behalf", "close", "extend"},
    Phase.VOTING: {"edit", "poster", "reports", "paper", "close", "extend"},
    Phase.RESULTS: {
        "edit",
        "poster",
        "reports",
        "export",
        "outcome",
        "close",
        "extend",
    },
    Phase.FOLLOW_UP: {"edit", "poster", "reports", "export", "outcome"},
}


@pytest.mark.parametrize("phase", PHASES)
def test_the_staff_panel_offers_the_tools_of_the_phase(client, login, world, phase):
    consultation = factories.consultation(world.building, phase)
    login(world.staff)
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "Gestion de la consultation" in page
    for tool, label in STAFF_TOOLS.items():
        assert (label in page) == (tool in STAFF_MATRIX[phase]), tool


@pytest.mark.parametrize("who", [None, "resident", "partner", "other_staff"])
def test_only_the_landlords_staff_get_the_staff_panel(client, login, world, who):
    consultation = factories.consultation(world.building, Phase.VOTING)
    if who:
        login(getattr(world, who))
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "Gestion de la consultation" not in page
    assert "/etape/terminer" not in page


def test_the_close_button_says_what_will_happen(client, login, world):
    consultation = factories.consultation(world.building, Phase.VOTING)
    login(world.staff)
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "Le vote s'arrête maintenant" in page
    assert "Terminer l'étape « Vote » maintenant" in page


def test_the_published_outcome_is_shown(client, world):
    consultation = factories.consultation(
        world.building,
        Phase.RESULTS,
        outcome="Nous installons un local.",
        outcome_html="<p>Nous installons un local.</p>",
        outcome_published_at=utcnow(),
    )
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "Ce qui a été décidé" in page
    assert "<p>Nous installons un local.</p>" in page


# --- the proposal list ----------------------------------------------------------------


def test_proposals_show_author_status_comments_and_cost(client, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    factories.proposal(
        consultation,
        world.resident,
        title="Un local vélos",
        comment_count=4,
        estimated_cost=2500,
        status=ProposalStatus.UNDER_STUDY,
    )
    factories.proposal(
        consultation,
        entered_by=world.staff,
        on_behalf_of="Mme Diallo",
        title="Des bancs",
    )
    factories.proposal(consultation, entered_by=world.staff, title="Un composteur")
    factories.proposal(
        consultation,
        world.resident,
        title="Masquée",
        status=ProposalStatus.HIDDEN,
    )
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert world.resident.display_name in page
    assert "À l'étude" in page
    assert "4 commentaires" in page
    assert "Coût estimé : 2\u202f500\xa0€" in page
    assert "Recueillie en personne auprès de Mme Diallo" in page
    assert "Recueillie en personne\n" in page or "Recueillie en personne ·" in page
    assert "Masquée" not in page
    assert "3 propositions" in page


def test_support_counts_and_order_stay_hidden_until_results_are_visible(client, world):
    consultation = factories.consultation(world.building, Phase.VOTING)
    factories.proposal(consultation, title="Peu soutenue", support_count=1)
    factories.proposal(consultation, title="Très soutenue", support_count=9)
    factories.proposal(consultation, title="La plus récente", support_count=0)
    response = client.get(f"/consultations/{consultation.id}?tri=support")
    page = text(response)
    assert "soutien" not in page
    assert 'value="support"' not in page
    assert proposal_titles(response)[0] == "La plus récente"  # fell back to recent


def test_once_results_show_proposals_sort_by_support(client, world):
    consultation = factories.consultation(world.building, Phase.RESULTS)
    factories.proposal(consultation, title="Peu soutenue", support_count=1)
    factories.proposal(consultation, title="Très soutenue", support_count=9)
    factories.proposal(consultation, title="La plus récente", support_count=0)
    response = client.get(f"/consultations/{consultation.id}?tri=support")
    assert proposal_titles(response) == [
        "Très soutenue",
        "Peu soutenue",
        "La plus récente",
    ]
    assert "9 soutiens" in text(response)


def test_proposals_are_searched_and_filtered_by_status(client, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    factories.proposal(consultation, title="Un local vélos")
    factories.proposal(consultation, title="Des vélos partagés")
    factories.proposal(consultation, title="Un potager", status=ProposalStatus.SELECTED)
    url = f"/consultations/{consultation.id}"
    assert set(proposal_titles(client.get(f"{url}?q=vélos"))) == {
        "Un local vélos",
        "Des vélos partagés",
    }
    assert proposal_titles(client.get(f"{url}?q=local+VÉLOS")) == ["Un local vélos"]
    assert proposal_titles(client.get(f"{url}?statut=selected")) == ["Un potager"]
    # Hidden proposals cannot be asked for; the filter is ignored.
    assert len(proposal_titles(client.get(f"{url}?statut=hidden"))) == 3
    page = text(client.get(f"{url}?q=piscine"))
    assert "Aucune proposition ne correspond à votre recherche." in page


def test_a_random_order_is_stable_for_a_seed_and_changes_with_another(client, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    for n in range(15):
        factories.proposal(consultation, title=f"Idée {n:02}")
    url = f"/consultations/{consultation.id}?tri=random"
    first = proposal_titles(client.get(f"{url}&graine=17"))
    assert proposal_titles(client.get(f"{url}&graine=17")) == first
    assert sorted(first) == [f"Idée {n:02}" for n in range(15)]
    others = [proposal_titles(client.get(f"{url}&graine={s}")) for s in (18, 99, 4242)]
    assert any(order != first for order in others)


def test_without_a_seed_the_random_order_is_kept_in_the_session_and_the_links(
    client, world
):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    for n in range(25):
        factories.proposal(consultation, title=f"Idée {n:02}")
    url = f"/consultations/{consultation.id}?tri=random"
    first = client.get(url)
    assert proposal_titles(client.get(url)) == proposal_titles(first)
    link = re.search(r'href="([^"]*page=2[^"]*)"', first.get_data(as_text=True))
    target = html.unescape(link.group(1))
    assert "tri=random" in target and "graine=" in target
    assert "#propositions" in target
    second = proposal_titles(client.get(target))
    assert len(second) == 5
    assert not set(second) & set(proposal_titles(first))


def test_the_proposal_list_is_paginated_by_twenty(client, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    for n in range(21):
        factories.proposal(consultation, title=f"Idée {n:02}")
    response = client.get(f"/consultations/{consultation.id}?q=Idée")
    assert len(proposal_titles(response)) == 20
    assert "q=Idée" in text(response) and "page=2" in text(response)


# --- creating and editing -----------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_to_create(client, world):
    response = client.get("/consultations/nouvelle")
    assert response.status_code == 302
    assert LOGIN in response.headers["Location"]


@pytest.mark.parametrize("who", ["resident", "partner"])
def test_only_staff_open_consultations(client, login, world, who):
    login(getattr(world, who))
    assert client.get("/consultations/nouvelle").status_code == 403
    response = client.post("/consultations/nouvelle", data=new_form(world.building))
    assert response.status_code == 403
    assert count(Consultation) == 0


def test_staff_cannot_open_one_for_another_landlords_place(client, login, world):
    login(world.staff)
    url = f"/consultations/nouvelle?place_id={world.other_building.id}"
    assert client.get(url).status_code == 403
    response = client.post(
        "/consultations/nouvelle", data=new_form(world.other_building)
    )
    assert response.status_code == 200
    assert field_errors(response, "place")
    assert count(Consultation) == 0


def test_the_new_form_proposes_the_place_and_sensible_dates(client, login, world):
    login(world.staff)
    page = text(client.get(f"/consultations/nouvelle?place_id={world.building.id}"))
    assert re.search(
        rf'<option selected value="{world.building.id}">Tilleuls \d+ › Résidence › '
        r"Bâtiment A</option>",
        page,
    )
    assert f'value="{world.other_building.id}"' not in page
    assert "Ailleurs" not in page
    now = utcnow()
    for name, days in [
        ("opens_at", 0),
        ("voting_opens_at", 21),
        ("voting_closes_at", 35),
        ("follow_up_at", 42),
    ]:
        value = re.search(rf'name="{name}"[^>]*value="([^"]+)"', page) or re.search(
            rf'value="([^"]+)"[^>]*name="{name}"', page
        )
        shown = datetime.fromisoformat(value.group(1)).replace(tzinfo=PARIS)
        assert abs(shown - (now + timedelta(days=days))) < timedelta(minutes=2), name
    assert 'type="datetime-local"' in page


def test_the_place_page_links_to_a_new_consultation_there(client, login, world):
    login(world.staff)
    page = text(client.get(f"/lieux/{world.building.id}"))
    assert f'href="/consultations/nouvelle?place_id={world.building.id}"' in page


def test_staff_open_a_consultation(client, login, world):
    login(world.staff)
    response = client.post(
        "/consultations/nouvelle",
        data=new_form(
            world.building,
            method="majority_judgment",
            quorum_percent="25",
            live_results="y",
        ),
    )
    assert response.status_code == 302
    consultation = db.session.scalars(db.select(Consultation)).one()
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}")
    assert consultation.place_id == world.building.id
    assert consultation.landlord_id == world.landlord.id
    assert consultation.theme is Theme.WASTE
    assert consultation.method is VotingMethod.MAJORITY_JUDGMENT
    assert consultation.quorum_percent == 25 and consultation.live_results
    assert consultation.phase(utcnow()) is Phase.IDEAS
    assert "<p>Depuis des mois" in consultation.body_html
    # Paris wall time, stored in UTC: three weeks from now, to the minute.
    expected = utcnow() + timedelta(days=21)
    assert abs(consultation.voting_opens_at - expected) < timedelta(minutes=2)
    assert "consultation.create" in audit_actions()
    follow = client.get(response.headers["Location"])
    assert "La consultation « Que faire des encombrants ? » est créée." in text(follow)


def test_a_consultation_opening_later_is_a_draft(client, login, world):
    login(world.staff)
    now = utcnow()
    client.post(
        "/consultations/nouvelle",
        data=new_form(world.building, opens_at=local(now + timedelta(days=2))),
    )
    consultation = db.session.scalars(db.select(Consultation)).one()
    assert consultation.phase(utcnow()) is Phase.DRAFT


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"voting_closes_at": local(utcnow() + timedelta(days=10))},
            "voting_opens_at",
            "Les dates doivent se suivre",
        ),
        (
            {"method": "budget", "budget": ""},
            "budget",
            "Indiquez le budget disponible",
        ),
        (
            {
                "opens_at": local(utcnow() - timedelta(days=3)),
                "voting_opens_at": local(utcnow() - timedelta(days=1)),
            },
            "voting_opens_at",
            "Cette date est déjà passée.",
        ),
        ({"title": ""}, "title", "Donnez un titre."),
        ({"title": "Abc"}, "title", "au moins 5 caractères"),
        ({"summary": "x" * 401}, "summary", "400 caractères au maximum."),
        ({"follow_up_at": "demain"}, "follow_up_at", "date et une heure valides"),
        ({"follow_up_at": ""}, "follow_up_at", "Indiquez une date et une heure."),
        ({"max_choices": "0"}, "max_choices", "Entre 1 et 20."),
        ({"max_choices": ""}, "max_choices", "Entre 1 et 20 choix."),
        ({"quorum_percent": "150"}, "quorum_percent", "entre 1 et 100"),
        ({"theme": "piscine"}, "theme", ""),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    client, login, world, changes, field, message
):
    login(world.staff)
    response = client.post(
        "/consultations/nouvelle", data=new_form(world.building, **changes)
    )
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and message in errors
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert count(Consultation) == 0
    assert "consultation.create" not in audit_actions()


def test_after_success_the_form_redirects_so_a_reload_cannot_post_it_again(
    client, login, world
):
    login(world.staff)
    response = client.post("/consultations/nouvelle", data=new_form(world.building))
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    assert count(Consultation) == 1


def test_staff_edit_the_text_and_future_dates(client, login, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    login(world.staff)
    page = text(client.get(f"/consultations/{consultation.id}/modifier"))
    assert re.search(r'<input[^>]*disabled[^>]*name="opens_at"', page) or re.search(
        r'<input[^>]*name="opens_at"[^>]*disabled', page
    )
    assert "Cette date est passée" in page
    later = consultation.follow_up_at + timedelta(days=7)
    response = client.post(
        f"/consultations/{consultation.id}/modifier",
        data=edit_form(
            consultation,
            locked=["opens_at"],
            title="Un titre plus clair",
            follow_up_at=local(later),
            method="single",
        ),
    )
    assert response.status_code == 302, field_errors(response, "opens_at")
    saved = reload(consultation)
    assert saved.title == "Un titre plus clair"
    assert saved.method is VotingMethod.SINGLE
    assert abs(saved.follow_up_at - later) < timedelta(minutes=1)
    assert saved.opens_at == consultation.opens_at  # to the microsecond
    assert "consultation.edit" in audit_actions()


def test_once_voting_started_the_rules_are_shown_locked(client, login, world):
    consultation = factories.consultation(world.building, Phase.VOTING)
    login(world.staff)
    page = text(client.get(f"/consultations/{consultation.id}/modifier"))
    assert "Le vote a commencé : ces règles ne peuvent plus changer" in page
    assert re.search(r'<select[^>]*disabled[^>]*name="method"', page) or re.search(
        r'<select[^>]*name="method"[^>]*disabled', page
    )
    assert page.count('name="voter_unit"') == 2
    assert (
        len(re.findall(r'<input[^>]*disabled[^>]*name="voter_unit"', page))
        + len(re.findall(r'<input[^>]*name="voter_unit"[^>]*disabled', page))
        == 2
    )


def test_once_voting_started_the_text_still_changes(client, login, world):
    consultation = factories.consultation(
        world.building, Phase.VOTING, live_results=True
    )
    login(world.staff)
    response = client.post(
        f"/consultations/{consultation.id}/modifier",
        data=edit_form(consultation, locked=VOTING_LOCKED, summary="Nouveau résumé"),
    )
    assert response.status_code == 302
    saved = reload(consultation)
    assert saved.summary == "Nouveau résumé"
    assert saved.live_results is True  # the disabled checkbox is not sent


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"method": "budget", "budget": "5000"}, "method"),
        ({"max_choices": "5"}, "max_choices"),
        ({"voter_unit": "person"}, "voter_unit"),
        ({"quorum_percent": "10"}, "quorum_percent"),
        ({"live_results": "y"}, "live_results"),
    ],
)
def test_a_crafted_request_cannot_change_the_rules_once_voting_started(
    client, login, world, changes, field
):
    consultation = factories.consultation(world.building, Phase.VOTING)
    login(world.staff)
    locked = [name for name in VOTING_LOCKED if name not in changes]
    response = client.post(
        f"/consultations/{consultation.id}/modifier",
        data=edit_form(consultation, locked=locked, title="Changé", **changes),
    )
    assert response.status_code == 200
    page = text(response)
    assert "Le vote a commencé : les règles du vote ne peuvent plus changer." in page
    saved = reload(consultation)
    assert saved.title != "Changé"
    assert saved.method is VotingMethod.APPROVAL and saved.quorum_percent is None
    assert "consultation.edit" not in audit_actions()


def test_a_crafted_request_cannot_move_a_past_date(client, login, world):
    consultation = factories.consultation(world.building, Phase.VOTING)
    login(world.staff)
    earlier = consultation.opens_at - timedelta(days=5)
    response = client.post(
        f"/consultations/{consultation.id}/modifier",
        data=edit_form(consultation, opens_at=local(earlier)),
    )
    assert response.status_code == 200
    assert "Une date passée ne se modifie pas" in field_errors(response, "opens_at")
    assert reload(consultation).opens_at == consultation.opens_at


@pytest.mark.parametrize("who", ["resident", "other_staff", "partner"])
def test_only_the_landlords_staff_edit(client, login, world, who):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    login(getattr(world, who))
    url = f"/consultations/{consultation.id}/modifier"
    assert client.get(url).status_code == 403
    response = client.post(url, data=edit_form(consultation, title="Piraté"))
    assert response.status_code == 403
    assert reload(consultation).title != "Piraté"


# --- closing and extending phases -------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Phase.DRAFT, Phase.IDEAS),
        (Phase.IDEAS, Phase.VOTING),
        (Phase.VOTING, Phase.RESULTS),
        (Phase.RESULTS, Phase.FOLLOW_UP),
    ],
)
def test_staff_close_the_current_phase(client, login, world, before, after):
    consultation = factories.consultation(world.building, before)
    login(world.staff)
    response = client.post(f"/consultations/{consultation.id}/etape/terminer")
    assert response.status_code == 302
    assert reload(consultation).phase(utcnow()) is after
    assert audit_actions()[-1] == "consultation.close_phase"
    follow = text(client.get(response.headers["Location"]))
    assert "Nouvelle étape" in follow


def test_a_second_click_does_not_close_the_next_phase_too(client, login, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    login(world.staff)
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert re.search(r'<input name="phase" type="hidden" value="ideas">', page)
    url = f"/consultations/{consultation.id}/etape/terminer"
    assert client.post(url, data={"phase": "ideas"}).status_code == 302
    response = client.post(url, data={"phase": "ideas"}, follow_redirects=True)
    assert "Cette étape est déjà terminée" in text(response)
    assert "à l'étape « Vote »" in text(response)
    assert reload(consultation).phase(utcnow()) is Phase.VOTING
    assert audit_actions().count("consultation.close_phase") == 1


def test_the_follow_up_cannot_be_closed(client, login, world):
    consultation = factories.consultation(world.building, Phase.FOLLOW_UP)
    login(world.staff)
    response = client.post(
        f"/consultations/{consultation.id}/etape/terminer", follow_redirects=True
    )
    assert "Le suivi n'a pas de date de fin." in text(response)
    assert "consultation.close_phase" not in audit_actions()


@pytest.mark.parametrize("who", ["resident", "other_staff", "partner"])
def test_only_the_landlords_staff_change_phases(client, login, world, who):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    end = consultation.voting_opens_at
    login(getattr(world, who))
    base = f"/consultations/{consultation.id}/etape"
    assert client.post(f"{base}/terminer").status_code == 403
    until = local(end + timedelta(days=3))
    assert client.post(f"{base}/prolonger", data={"until": until}).status_code == 403
    assert reload(consultation).voting_opens_at == end
    assert audit_actions() == []


def test_anonymous_visitors_are_sent_to_log_in_to_change_phases(client, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    response = client.post(f"/consultations/{consultation.id}/etape/terminer")
    assert response.status_code == 302 and LOGIN in response.headers["Location"]
    assert reload(consultation).phase(utcnow()) is Phase.IDEAS


def test_phase_changes_only_by_post(client, login, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    login(world.staff)
    assert (
        client.get(f"/consultations/{consultation.id}/etape/terminer").status_code
        == 405
    )


def test_staff_extend_the_current_phase_and_later_ones_move_along(client, login, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    voting, closing = consultation.voting_opens_at, consultation.voting_closes_at
    login(world.staff)
    until = (voting + timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(
        f"/consultations/{consultation.id}/etape/prolonger",
        data={"until": local(until)},
    )
    assert response.status_code == 302
    saved = reload(consultation)
    assert saved.voting_opens_at == until
    assert saved.voting_closes_at == closing + (until - voting)
    assert saved.phase(utcnow()) is Phase.IDEAS
    assert audit_actions()[-1] == "consultation.extend_phase"


def test_the_same_extension_sent_twice_extends_once(client, login, world):
    consultation = factories.consultation(world.building, Phase.VOTING)
    closing = consultation.voting_closes_at
    login(world.staff)
    until = local(closing + timedelta(days=2))
    url = f"/consultations/{consultation.id}/etape/prolonger"
    assert client.post(url, data={"until": until}).status_code == 302
    response = client.post(url, data={"until": until}, follow_redirects=True)
    assert "après la fin actuelle" in text(response)
    assert audit_actions().count("consultation.extend_phase") == 1
    assert reload(consultation).voting_closes_at - closing < timedelta(
        days=2, minutes=1
    )


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (
            lambda c: local(c.voting_opens_at - timedelta(hours=2)),
            "après la fin actuelle",
        ),
        (lambda c: "", "Indiquez une date et une heure."),
        (lambda c: "n'importe quand", "date et une heure valides"),
    ],
)
def test_a_bad_extension_is_refused_with_a_message(
    client, login, world, until, message
):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    login(world.staff)
    response = client.post(
        f"/consultations/{consultation.id}/etape/prolonger",
        data={"until": until(consultation)},
        follow_redirects=True,
    )
    assert message in text(response)
    assert reload(consultation).voting_opens_at == consultation.voting_opens_at
    assert "consultation.extend_phase" not in audit_actions()


def test_phase_buttons_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = factories.build_world()
        consultation = factories.consultation(world.building, Phase.IDEAS)
        client = app.test_client()
        page = client.get(LOGIN).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
        client.post(
            LOGIN,
            data={
                "email": world.staff.email,
                "password": factories.PASSWORD,
                "csrf_token": token.group(1),
            },
        )
        url = f"/consultations/{consultation.id}/etape/terminer"
        assert client.post(url).status_code == 400
        assert reload(consultation).phase(utcnow()) is Phase.IDEAS
        page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
        form = page.split(f'action="{url}"', 1)[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        token = token or re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert client.post(url, data={"csrf_token": token.group(1)}).status_code == 302
        assert reload(consultation).phase(utcnow()) is Phase.VOTING


# --- poster and reports ---------------------------------------------------------------


def test_staff_print_a_poster_with_a_qr_code_and_the_link(client, login, world):
    consultation = factories.consultation(
        world.building, Phase.IDEAS, title="Hall propre", summary="Vos idées."
    )
    login(world.staff)
    response = client.get(f"/consultations/{consultation.id}/affiche")
    assert response.status_code == 200
    page = text(response)
    link = f"http://faireavec.test/consultations/{consultation.id}"
    assert link in page
    assert '<svg role="img"' in page and "qr-code" in page
    assert "Code QR vers la page de la consultation" in page
    assert "Hall propre" in page and "Vos idées." in page
    assert "Recueil des idées" in page and "Vote" in page
    assert 'class="poster"' in page and 'class="no-print"' in page
    assert page.count("<h1") == 1


@pytest.mark.parametrize("who", ["resident", "other_staff"])
def test_only_the_landlords_staff_print_the_poster(client, login, world, who):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    login(getattr(world, who))
    assert client.get(f"/consultations/{consultation.id}/affiche").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_for_the_poster(client, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    response = client.get(f"/consultations/{consultation.id}/affiche")
    assert response.status_code == 302 and LOGIN in response.headers["Location"]


def _reports(world, consultation):
    """An open report on a proposal, one on a comment, and a handled one."""
    proposal = factories.proposal(
        consultation, world.resident, title="Idée signalée", body="Un texte grossier."
    )
    comment = Comment(
        proposal=proposal,
        author=world.resident,
        body="Un commentaire blessant.",
        body_html="<p>Un commentaire blessant.</p>",
    )
    db.session.add(comment)
    db.session.flush()
    reporter = factories.resident_of(world.dwellings[1], display_name="Voisine Alice")
    items = [
        Report(
            reporter=reporter,
            target=f"proposal:{proposal.id}",
            proposal=proposal,
            reason="Propos insultants",
        ),
        Report(
            reporter=reporter,
            target=f"comment:{comment.id}",
            proposal=proposal,
            comment=comment,
            reason="Attaque personnelle",
        ),
        Report(
            reporter=world.staff,
            target=f"proposal:{proposal.id}",
            proposal=proposal,
            reason="Déjà traité",
            handled_at=utcnow(),
        ),
    ]
    db.session.add_all(items)
    db.session.commit()
    return proposal, comment, items


def test_staff_see_the_open_reports_with_what_was_reported(client, login, world):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    proposal, comment, items = _reports(world, consultation)
    login(world.staff)
    assert "Signalements à traiter : 2" in text(
        client.get(f"/consultations/{consultation.id}")
    )
    response = client.get(f"/consultations/{consultation.id}/signalements")
    assert response.status_code == 200
    page = text(response)
    assert "2 signalements" in page
    assert "Un texte grossier." in page and "Un commentaire blessant." in page
    assert "Propos insultants" in page and "Attaque personnelle" in page
    assert "Déjà traité" not in page
    assert "Voisine Alice" in page
    assert f'href="/propositions/{proposal.id}"' in page
    assert f'action="/propositions/{proposal.id}/masquer"' in page
    assert f'action="/propositions/commentaires/{comment.id}/masquer"' in page
    assert f'action="/propositions/signalements/{items[0].id}/classer"' in page
    assert f'action="/propositions/signalements/{items[1].id}/classer"' in page
    assert page.count('name="reason"') == 2


@pytest.mark.parametrize("who", ["resident", "other_staff", "partner"])
def test_only_the_landlords_staff_see_the_reports(client, login, world, who):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    login(getattr(world, who))
    url = f"/consultations/{consultation.id}/signalements"
    assert client.get(url).status_code == 403


# --- home page and navigation ---------------------------------------------------


def test_residents_see_the_consultations_where_they_live_on_their_home(
    client, login, world
):
    factories.consultation(world.territory, Phase.VOTING, title="Tout le quartier")
    factories.consultation(world.building, Phase.IDEAS, title="Mon bâtiment")
    factories.consultation(world.building, Phase.DRAFT, title="Pas encore")
    factories.consultation(world.building, Phase.FOLLOW_UP, title="Déjà en suivi")
    factories.consultation(world.other_building, Phase.IDEAS, title="Ailleurs")
    login(world.resident)
    page = text(client.get("/"))
    assert "Consultations près de chez vous" in page
    assert "Tout le quartier" in page and "Mon bâtiment" in page
    for title in ("Pas encore", "Déjà en suivi", "Ailleurs"):
        assert title not in page
    assert 'href="/consultations/"' in page


def test_everyone_finds_the_consultations_in_the_main_menu(client, world):
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/consultations/">Consultations</a>' in page
    page = client.get("/consultations/").get_data(as_text=True)
    assert '<a href="/consultations/" aria-current="page">Consultations</a>' in page


# --- user text stays inert ------------------------------------------------------------


def test_markup_typed_by_staff_comes_back_inert(client, login, world):
    login(world.staff)
    client.post(
        "/consultations/nouvelle",
        data=new_form(
            world.building,
            title='<b onmouseover="alert(1)">Titre</b> piégé',
            summary="<script>alert('résumé')</script>Résumé",
            body="Texte <script>alert(1)</script> et "
            '<img src=x onerror="alert(2)"> [lien](javascript:alert(3))',
        ),
    )
    consultation = db.session.scalars(db.select(Consultation)).one()
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    page = page.split("<main", 1)[1]
    assert "<script>alert" not in page
    assert not re.search(r"<img\b", page)
    assert not re.search(r"<[^>]+\son\w+=", page)  # no event handler attribute
    assert "onmouseover" not in page
    assert 'href="javascript:' not in page
    assert "Titre piégé" in page


def test_a_title_stored_with_markup_is_escaped(client, world):
    consultation = factories.consultation(
        world.building, Phase.IDEAS, title="<script>alert(1)</script>"
    )
    factories.proposal(consultation, title='<img src=x onerror="alert(2)">')
    for url in ("/consultations/", f"/consultations/{consultation.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img src=x" not in page


# --- working groups born from the consultation -------------------------------------


def group_links(response) -> dict[str, str | None]:
    """Each group listed as born from the consultation, with where its title
    links (None for a title without a link)."""
    page = response.get_data(as_text=True)
    if 'id="groupes-de-travail"' not in page:
        return {}
    section = page.split('id="groupes-de-travail"', 1)[1].split("</section>", 1)[0]
    found = {}
    for item in re.findall(r"<li>(.*?)</li>", section, re.S):
        link = re.search(r'<a href="([^"]+)">(.*?)</a>', item, re.S)
        if link:
            found[html.unescape(link[2])] = link[1]
        else:
            title = html.unescape(re.sub(r"<[^>]+>.*", "", item, flags=re.S))
            found[" ".join(title.split())] = None
    return found


@pytest.fixture
def born(world):
    """A consultation in follow-up with two groups born from it: a published one
    of the building, and an unpublished one where an association takes part."""
    consultation = factories.consultation(world.building, Phase.FOLLOW_UP)
    association = factories.organisation(name="Asso Tri")
    published = factories.group(
        world.building,
        consultation=consultation,
        title="Halls propres",
        published_at=utcnow(),
    )
    private = factories.group(
        world.building,
        consultation=consultation,
        title="Tri au pied des immeubles",
        partners=[association],
    )
    factories.group(world.building, title="Sans consultation")
    return consultation, published, private, association


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, {"Halls propres": "showcase", "Tri au pied des immeubles": None}),
        (
            "other_resident",
            {"Halls propres": "showcase", "Tri au pied des immeubles": None},
        ),
        ("resident", {"Halls propres": "group", "Tri au pied des immeubles": "group"}),
        ("staff", {"Halls propres": "group", "Tri au pied des immeubles": "group"}),
        (
            "other_staff",
            {"Halls propres": "showcase", "Tri au pied des immeubles": None},
        ),
    ],
)
def test_the_page_shows_the_groups_born_from_it_linked_as_each_may_read_them(
    client, login, world, born, who, expected
):
    consultation, published, private, _ = born
    ids = {"Halls propres": published.id, "Tri au pied des immeubles": private.id}
    if who:
        login(getattr(world, who))
    response = client.get(f"/consultations/{consultation.id}")
    assert "Groupes de travail nés de cette consultation" in text(response)
    wanted = {
        title: None
        if kind is None
        else (
            f"/groupes/{ids[title]}"
            if kind == "group"
            else f"/initiatives/{ids[title]}"
        )
        for title, kind in expected.items()
    }
    assert group_links(response) == wanted


def test_a_partner_taking_part_and_a_member_who_moved_away_reach_the_group(
    client, login, world, born
):
    consultation, _, private, association = born
    agent = factories.user(Role.PARTNER, association)
    login(agent)
    links = group_links(client.get(f"/consultations/{consultation.id}"))
    assert links["Tri au pied des immeubles"] == f"/groupes/{private.id}"
    client.post("/compte/deconnexion")
    moved = factories.user(Role.RESIDENT)  # lives nowhere here any more
    factories.member(private, moved)
    login(moved)
    links = group_links(client.get(f"/consultations/{consultation.id}"))
    assert links == {
        "Halls propres": f"/initiatives/{born[1].id}",
        "Tri au pied des immeubles": f"/groupes/{private.id}",
    }


def test_without_groups_the_page_has_no_group_section(client, world):
    consultation = factories.consultation(world.building, Phase.FOLLOW_UP)
    response = client.get(f"/consultations/{consultation.id}")
    assert "Groupes de travail nés" not in text(response)


# --- query counts ---------------------------------------------------------------


def measure(client, count_queries, url: str) -> int:
    """Statements run by one GET, starting from an empty session like production."""
    db.session.remove()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    assert statements, "the listener must see the page's queries"
    return len(statements)


@pytest.mark.parametrize("who", [None, "resident", "staff"])
def test_the_list_costs_the_same_queries_whatever_the_number_of_consultations(
    client, login, world, count_queries, who
):
    building_id, other_id = world.building.id, world.other_building.id
    resident_id = world.resident.id
    for phase in (Phase.IDEAS, Phase.VOTING, Phase.DRAFT):
        factories.consultation(world.building, phase)
    if who:
        login(getattr(world, who))
    small = measure(client, count_queries, "/consultations/")
    db.session.remove()
    building = db.session.get(Place, building_id)
    other = db.session.get(Place, other_id)
    author = db.session.get(User, resident_id)
    for n in range(40):
        consultation = factories.consultation(
            building if n % 2 else other, PHASES[n % len(PHASES)]
        )
        factories.proposal(consultation, author)
    assert measure(client, count_queries, "/consultations/") == small
    assert measure(client, count_queries, "/consultations/?theme=other&phase=ideas")


@pytest.mark.parametrize("who", [None, "resident", "staff"])
@pytest.mark.parametrize(
    ("phase", "query"),
    [
        (Phase.IDEAS, ""),
        (Phase.IDEAS, "?tri=random&q=Idée"),
        (Phase.RESULTS, "?tri=support&statut=published"),
    ],
)
def test_the_page_costs_the_same_queries_whatever_the_number_of_proposals(
    client, login, world, count_queries, who, phase, query
):
    consultation = factories.consultation(world.building, phase)
    ids = {"consultation": consultation.id, "resident": world.resident.id}
    ids["staff"], ids["building"] = world.staff.id, world.building.id
    for n in range(3):
        factories.proposal(consultation, world.resident, title=f"Idée {n}")
    if who:
        login(getattr(world, who))
    url = f"/consultations/{consultation.id}{query}"
    small = measure(client, count_queries, url)
    db.session.remove()
    consultation = db.session.get(Consultation, ids["consultation"])
    staff = db.session.get(User, ids["staff"])
    building = db.session.get(Place, ids["building"])
    for n in range(40):
        author = factories.user(Role.RESIDENT)
        factories.proposal(
            consultation,
            author if n % 3 else None,
            entered_by=None if n % 3 else staff,
            title=f"Idée {n + 3}",
            place=building,
            estimated_cost=n * 100,
            comment_count=n,
            support_count=n,
        )
        report_target = factories.proposal(consultation, author, title=f"Autre {n}")
        db.session.add(
            Report(
                reporter=staff,
                target=f"proposal:{report_target.id}",
                proposal=report_target,
                reason="Test",
            )
        )
    db.session.commit()
    assert measure(client, count_queries, url) == small


def test_the_reports_page_costs_the_same_queries_whatever_the_number_of_reports(
    client, login, world, count_queries
):
    consultation = factories.consultation(world.building, Phase.IDEAS)
    _reports(world, consultation)
    ids = {"consultation": consultation.id, "resident": world.resident.id}
    login(world.staff)
    url = f"/consultations/{consultation.id}/signalements"
    small = measure(client, count_queries, url)
    db.session.remove()
    consultation = db.session.get(Consultation, ids["consultation"])
    for n in range(30):
        author = factories.user(Role.RESIDENT)
        reporter = factories.user(Role.RESIDENT)
        proposal = factories.proposal(consultation, author, title=f"Idée {n}")
        comment = Comment(proposal=proposal, author=author, body="Hum", body_html="")
        db.session.add(comment)
        db.session.flush()
        db.session.add_all(
            [
                Report(
                    reporter=reporter,
                    target=f"proposal:{proposal.id}",
                    proposal=proposal,
                ),
                Report(
                    reporter=reporter,
                    target=f"comment:{comment.id}",
                    proposal=proposal,
                    comment=comment,
                ),
            ]
        )
    db.session.commit()
    assert measure(client, count_queries, url) == small


@pytest.mark.parametrize("who", [None, "resident", "partner", "staff"])
def test_the_page_costs_the_same_queries_whatever_the_number_of_groups_born_from_it(
    client, login, world, count_queries, who
):
    consultation = factories.consultation(world.building, Phase.FOLLOW_UP)
    ids = {"consultation": consultation.id, "building": world.building.id}
    ids["partner_org"] = world.partner_org.id
    ids["who"] = getattr(world, who).id if who else None
    factories.group(world.building, consultation=consultation, title="Groupe 0")
    if who:
        login(getattr(world, who))
    url = f"/consultations/{consultation.id}"
    small = measure(client, count_queries, url)
    db.session.remove()
    consultation = db.session.get(Consultation, ids["consultation"])
    building = db.session.get(Place, ids["building"])
    city = db.session.get(Organisation, ids["partner_org"])
    for n in range(1, 25):
        item = factories.group(
            building,
            consultation=consultation,
            title=f"Groupe {n}",
            published_at=utcnow() if n % 2 else None,
            partners=[city, factories.organisation(name=f"Asso {n}")] if n % 3 else [],
        )
        if who and n % 4 == 0:
            factories.member(item, db.session.get(User, ids["who"]))
    assert measure(client, count_queries, url) == small
