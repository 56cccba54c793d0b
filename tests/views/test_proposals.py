"""Proposal pages through the real app and database: who may propose, edit and
withdraw when; who sees hidden ideas; comments and replies; reports; moderation;
hostile text; CSRF, rate limits and query counts."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    Comment,
    Notification,
    NotificationKind,
    Phase,
    Proposal,
    ProposalStatus,
    Report,
    User,
    VotingMethod,
)
from participation.services import consultations, proposals
from participation.timeutil import utcnow
from tests import factories
from tests.pages import count, field_errors, fresh, text

LOGIN = "/compte/connexion"
IDEA = {"title": "Un local pour les vélos", "body": "Au rez-de-chaussée, fermé à clé."}


# --- helpers ----------------------------------------------------------------------


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(db.select(AuditEvent.action)))


def create_url(consultation) -> str:
    return f"/propositions/nouvelle/{consultation.id}"


def url(proposal, action: str = "") -> str:
    return f"/propositions/{proposal.id}" + (f"/{action}" if action else "")


def visitor(app):
    """A second browser, logged out."""
    return app.test_client()


def sign_in(browser, user, token: str | None = None):
    data = {"email": user.email, "password": factories.PASSWORD}
    if token:
        data["csrf_token"] = token
    response = browser.post(LOGIN, data=data)
    assert response.status_code == 302
    return browser


def comment(author, proposal, body="Bonne idée.", parent=None) -> Comment:
    return proposals.post_comment(author, proposal, body, utcnow(), parent=parent)


@pytest.fixture
def ideas(world):
    """« Vivre ensemble », collecting ideas in the residence."""
    return factories.consultation(world.residence, Phase.IDEAS, title="Vivre ensemble")


@pytest.fixture
def voting(world):
    return factories.consultation(world.residence, Phase.VOTING, title="On vote")


@pytest.fixture
def neighbour(world):
    """Another verified resident of the same building."""
    return factories.resident_of(world.dwellings[1], display_name="Nadia")


@pytest.fixture
def idea(world, ideas):
    """The resident's idea in the consultation collecting ideas."""
    return factories.proposal(ideas, world.resident, title="Des bancs")


# --- proposing --------------------------------------------------------------------

CREATE_MATRIX = [
    ("resident", 200),
    ("staff", 200),  # the "collected in person" variant
    ("admin", 200),
    ("other_resident", 403),
    ("newcomer", 403),
    ("partner", 403),
    ("other_staff", 403),
]


@pytest.mark.parametrize(("role", "status"), CREATE_MATRIX)
def test_only_residents_of_the_place_and_its_staff_open_the_idea_form(
    client, login, world, ideas, role, status
):
    login(getattr(world, role))
    assert client.get(create_url(ideas)).status_code == status


@pytest.mark.parametrize(
    "role", [role for role, status in CREATE_MATRIX if status == 403]
)
def test_a_refused_proposal_is_not_saved(client, login, world, ideas, role):
    login(getattr(world, role))
    assert client.post(create_url(ideas), data=IDEA).status_code == 403
    assert count(Proposal) == 0


def test_visitors_are_sent_to_the_login_page_to_propose(client, ideas):
    response = client.get(create_url(ideas))
    assert response.status_code == 302
    assert response.location.startswith(LOGIN)
    assert client.post(create_url(ideas), data=IDEA).status_code == 302
    assert count(Proposal) == 0


@pytest.mark.parametrize(
    ("phase", "role", "status"),
    [
        (Phase.DRAFT, "resident", 404),  # a draft is not revealed to residents
        (Phase.DRAFT, "staff", 200),  # staff prepare ideas gathered before opening
        (Phase.VOTING, "resident", 403),
        (Phase.VOTING, "staff", 403),
        (Phase.RESULTS, "resident", 403),
        (Phase.FOLLOW_UP, "staff", 403),
    ],
)
def test_ideas_are_proposed_only_before_voting(
    client, login, world, phase, role, status
):
    consultation = factories.consultation(world.residence, phase)
    login(getattr(world, role))
    assert client.get(create_url(consultation)).status_code == status
    response = client.post(create_url(consultation), data=IDEA)
    assert response.status_code == {200: 302}.get(status, status)


def test_a_resident_proposes_an_idea_with_a_cost_and_a_building(
    client, login, world, ideas
):
    login(world.resident)
    response = client.post(
        create_url(ideas),
        data={**IDEA, "estimated_cost": "1 500 €", "place": str(world.building.id)},
    )
    proposal = db.session.scalars(db.select(Proposal)).one()
    assert response.status_code == 302
    assert response.location.endswith(url(proposal))
    assert (proposal.author_id, proposal.estimated_cost) == (world.resident.id, 1500)
    assert proposal.place_id == world.building.id
    assert not proposal.collected_in_person
    page = text(client.get(response.location))
    assert "Votre idée est publiée" in page
    assert "Un local pour les vélos" in page
    assert world.resident.display_name in page
    assert "1 500 €" in page.replace("\u202f", " ").replace("\xa0", " ")


def test_bad_ideas_get_french_messages_next_to_the_fields_and_nothing_is_saved(
    client, login, world, ideas
):
    login(world.resident)
    response = client.post(
        create_url(ideas),
        data={"title": "Vélo", "body": "Court", "estimated_cost": "beaucoup"},
    )
    assert response.status_code == 200
    assert "entre 5 et 120 caractères" in field_errors(response, "title")
    assert "entre 10 et 5000 caractères" in field_errors(response, "body")
    assert "en chiffres" in field_errors(response, "estimated_cost")
    response = client.post(create_url(ideas), data={**IDEA, "estimated_cost": "-3"})
    assert "entre 0 et" in field_errors(response, "estimated_cost")
    response = client.post(create_url(ideas), data={**IDEA, "title": "x" * 121})
    assert "entre 5 et 120 caractères" in field_errors(response, "title")
    assert count(Proposal) == 0


def test_a_double_click_saves_one_idea(client, login, world, ideas):
    login(world.resident)
    first = client.post(create_url(ideas), data=IDEA)
    second = client.post(create_url(ideas), data=IDEA)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert count(Proposal) == 1


def test_the_building_is_asked_only_when_there_is_a_choice(client, login, world, ideas):
    login(world.resident)
    page = client.get(create_url(ideas)).get_data(as_text=True)
    assert 'name="place"' in page
    assert "Bâtiment A – Entrée 1" in html.unescape(page)
    small = factories.consultation(world.entrance, Phase.IDEAS)
    login(world.staff)
    assert 'name="place"' not in client.get(create_url(small)).get_data(as_text=True)


def test_a_budget_vote_says_a_cost_is_needed_to_be_chosen(client, login, world):
    budget = factories.consultation(
        world.residence, Phase.IDEAS, method=VotingMethod.BUDGET, budget=10_000
    )
    login(world.resident)
    assert "ne pourra pas être choisie au vote" in text(client.get(create_url(budget)))


@pytest.mark.parametrize("name", ["Mme Diallo", ""])
def test_staff_type_in_an_idea_collected_in_person_named_or_anonymous(
    app, client, login, world, ideas, name
):
    login(world.staff)
    form = text(client.get(create_url(ideas)))
    assert "Nom de la personne" in form
    assert "Idée recueillie en personne par l'équipe" in form
    response = client.post(create_url(ideas), data={**IDEA, "person_name": name})
    assert response.status_code == 302
    proposal = db.session.scalars(db.select(Proposal)).one()
    assert proposal.author_id is None
    assert proposal.entered_by_id == world.staff.id
    assert proposal.on_behalf_of == name
    assert "proposal.enter_on_behalf" in audit_actions()
    page = text(visitor(app).get(url(proposal)))
    assert "Idée recueillie en personne par l'équipe" in page
    assert ("auprès de Mme Diallo" in page) is bool(name)
    assert world.staff.display_name not in page  # the public sees the team, not who


def test_a_too_long_name_is_refused_with_the_other_errors(client, login, world, ideas):
    login(world.staff)
    response = client.post(
        create_url(ideas),
        data={"title": "Non", "body": IDEA["body"], "person_name": "x" * 81},
    )
    assert "80 caractères au plus" in field_errors(response, "person_name")
    assert "entre 5 et 120" in field_errors(response, "title")
    assert count(Proposal) == 0


# --- editing and withdrawing --------------------------------------------------------


def test_the_author_edits_their_idea_while_ideas_are_collected(
    client, login, world, idea
):
    login(world.resident)
    assert "Modifier" in text(client.get(url(idea)))
    form = client.get(url(idea, "modifier"))
    assert 'value="Des bancs"' in form.get_data(as_text=True)
    response = client.post(
        url(idea, "modifier"),
        data={"title": "Des bancs à l'ombre", "body": "Sous les tilleuls, svp."},
    )
    assert response.status_code == 302
    assert fresh(idea).title == "Des bancs à l'ombre"
    assert idea.body_html == "<p>Sous les tilleuls, svp.</p>"


def test_an_edit_with_bad_values_changes_nothing(client, login, world, idea):
    login(world.resident)
    response = client.post(url(idea, "modifier"), data={"title": "", "body": "x"})
    assert response.status_code == 200
    assert field_errors(response, "title")
    assert fresh(idea).title == "Des bancs"


@pytest.mark.parametrize("role", ["neighbour", "other_resident", "staff", "partner"])
def test_nobody_else_edits_or_withdraws_an_idea(
    client, login, world, idea, neighbour, role
):
    login(neighbour if role == "neighbour" else getattr(world, role))
    assert client.get(url(idea, "modifier")).status_code == 403
    assert client.post(url(idea, "modifier"), data=IDEA).status_code == 403
    assert client.post(url(idea, "retirer")).status_code == 403
    assert fresh(idea).title == "Des bancs"
    assert idea.status is ProposalStatus.PUBLISHED


def test_the_author_may_not_edit_or_withdraw_once_voting_has_started(
    client, login, world, voting
):
    idea = factories.proposal(voting, world.resident, title="Des bancs")
    login(world.resident)
    page = client.get(url(idea))
    assert f'href="/propositions/{idea.id}/modifier"' not in page.get_data(as_text=True)
    assert "Retirer ma proposition" not in text(page)
    assert client.get(url(idea, "modifier")).status_code == 403
    assert client.post(url(idea, "modifier"), data=IDEA).status_code == 403
    assert client.post(url(idea, "retirer")).status_code == 403
    assert fresh(idea).status is ProposalStatus.PUBLISHED


def test_staff_edit_an_idea_they_typed_in_for_someone(client, login, world, ideas):
    typed = proposals.submit_on_behalf(
        world.staff,
        ideas,
        proposals.ProposalValues(
            title="Plus de lumière", body="Dans le hall, le soir."
        ),
        "M. Martin",
        utcnow(),
    )
    login(world.staff)
    response = client.post(
        url(typed, "modifier"),
        data={"title": "Plus de lumière le soir", "body": "Dans le hall d'entrée."},
    )
    assert response.status_code == 302
    assert fresh(typed).title == "Plus de lumière le soir"
    assert typed.on_behalf_of == "M. Martin"
    assert "proposal.edit_on_behalf" in audit_actions()


def test_the_author_withdraws_after_a_confirmation(app, client, login, world, idea):
    login(world.resident)
    page = text(client.get(url(idea)))
    assert "Voulez-vous vraiment la retirer ?" in page
    response = client.post(url(idea, "retirer"))
    assert response.status_code == 302
    assert fresh(idea).status is ProposalStatus.WITHDRAWN
    assert "Retirée par son auteur" in text(client.get(url(idea)))
    assert visitor(app).get(url(idea)).status_code == 404
    assert client.post(url(idea, "retirer")).status_code == 403  # only once


# --- who sees what ------------------------------------------------------------------


def moderate(status: str, idea, world):
    now = utcnow()
    if status == "hidden":
        idea.hide(world.staff, "Propos injurieux.", now)
    elif status == "withdrawn":
        idea.withdraw(now)
    else:
        original = factories.proposal(idea.consultation, title="La première idée")
        idea.mark_duplicate(original, world.staff, now)
    db.session.commit()


BANNERS = {
    "hidden": ["Masquée par la modération", "Propos injurieux."],
    "withdrawn": ["Retirée par son auteur"],
    "duplicate": ["Doublon", "Proposition d'origine : La première idée"],
}


@pytest.mark.parametrize("status", BANNERS)
@pytest.mark.parametrize("role", ["resident", "staff", "admin"])
def test_the_author_and_staff_see_a_set_aside_idea_with_a_banner(
    client, login, world, idea, status, role
):
    moderate(status, idea, world)
    login(getattr(world, role))
    response = client.get(url(idea))
    assert response.status_code == 200
    page = text(response)
    for words in BANNERS[status]:
        assert words in page


@pytest.mark.parametrize("status", BANNERS)
@pytest.mark.parametrize(
    "role", ["anonymous", "neighbour", "partner", "other_resident", "other_staff"]
)
def test_the_public_gets_404_for_a_set_aside_idea(
    client, login, world, idea, neighbour, status, role
):
    moderate(status, idea, world)
    if role != "anonymous":
        login(neighbour if role == "neighbour" else getattr(world, role))
    assert client.get(url(idea)).status_code == 404


def test_the_duplicate_banner_links_to_the_original(client, login, world, idea):
    moderate("duplicate", idea, world)
    login(world.resident)
    page = client.get(url(idea)).get_data(as_text=True)
    assert f'href="/propositions/{fresh(idea).duplicate_of_id}"' in page


def test_an_idea_of_a_draft_consultation_is_hidden_from_the_public(
    app, client, login, world
):
    draft = factories.consultation(world.residence, Phase.DRAFT)
    idea = factories.proposal(draft, title="En préparation")
    assert visitor(app).get(url(idea)).status_code == 404
    login(world.staff)
    assert client.get(url(idea)).status_code == 200


def test_the_page_shows_the_idea_its_building_cost_and_a_way_back(app, world, ideas):
    idea = factories.proposal(
        ideas,
        world.resident,
        title="Des bancs",
        estimated_cost=800,
        place=world.building,
    )
    response = visitor(app).get(url(idea))
    page = text(response)
    assert "Des bancs" in page and "Bâtiment A" in page and "Publiée" in page
    assert "800 €" in page
    assert f'href="/consultations/{ideas.id}"' in response.get_data(as_text=True)
    assert "Résultat du vote" not in page  # not before results are shown


def test_support_counts_show_only_once_results_are_visible(app, world):
    closed = factories.consultation(world.residence, Phase.RESULTS)
    idea = factories.proposal(closed, world.resident, support_count=7)
    assert "7 soutiens" in text(visitor(app).get(url(idea)))
    live = factories.consultation(world.residence, Phase.VOTING, live_results=True)
    hidden = factories.consultation(world.residence, Phase.VOTING)
    assert "4 soutiens" in text(
        visitor(app).get(url(factories.proposal(live, support_count=4)))
    )
    assert "soutiens" not in text(
        visitor(app).get(url(factories.proposal(hidden, support_count=4)))
    )


# --- comments -----------------------------------------------------------------------


def test_residents_comment_and_reply_one_level_deep(
    client, login, world, idea, neighbour
):
    login(neighbour)
    response = client.post(url(idea, "commentaires"), data={"body": "Oui, **vite** !"})
    assert response.status_code == 302
    first = db.session.scalars(db.select(Comment)).one()
    assert response.location.endswith(f"#commentaire-{first.id}")
    login(world.resident)
    response = client.post(
        url(idea, "commentaires"),
        data={"body": "Merci Nadia.", "parent_id": str(first.id)},
    )
    assert response.status_code == 302
    reply = db.session.scalars(db.select(Comment).filter_by(parent_id=first.id)).one()
    assert fresh(idea).comment_count == 2
    page = client.get(url(idea)).get_data(as_text=True)
    thread = re.search(
        rf'<article class="comment" id="commentaire-{first.id}">.*</article>',
        page,
        re.S,
    ).group(0)
    assert f'<article class="comment reply" id="commentaire-{reply.id}">' in thread
    assert "<strong>vite</strong>" in thread
    assert "Nadia" in thread
    # replies are not answered in turn: only the top-level comment has the button
    assert thread.count("<summary>Répondre") == 1


def test_a_double_click_posts_one_comment(client, login, world, idea, neighbour):
    login(neighbour)
    for _ in range(2):
        response = client.post(url(idea, "commentaires"), data={"body": "Oui !"})
        assert response.status_code == 302
    assert count(Comment) == 1
    assert fresh(idea).comment_count == 1
    assert count(Notification) == 1  # the author hears of it once


def test_a_reply_to_a_reply_is_refused_and_nothing_is_saved(
    client, login, world, idea, neighbour
):
    first = comment(neighbour, idea)
    reply = comment(world.resident, idea, "Merci.", parent=first)
    login(neighbour)
    response = client.post(
        url(idea, "commentaires"), data={"body": "Et encore…", "parent_id": reply.id}
    )
    assert response.status_code == 422
    assert "On ne répond qu'à un commentaire visible." in text(response)
    assert count(Comment) == 2


def test_a_reply_to_a_comment_of_another_idea_is_refused(
    client, login, world, idea, neighbour
):
    other = factories.proposal(idea.consultation, neighbour)
    elsewhere = comment(world.resident, other)
    login(neighbour)
    response = client.post(
        url(idea, "commentaires"),
        data={"body": "Hors sujet", "parent_id": elsewhere.id},
    )
    assert response.status_code == 422
    assert count(Comment) == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner", 302),
        ("staff", 302),
        ("resident", 302),
        ("other_resident", 403),
        ("newcomer", 403),
        ("other_staff", 403),
    ],
)
def test_residents_of_the_place_staff_and_partners_comment_others_may_not(
    client, login, world, idea, role, status
):
    login(getattr(world, role))
    response = client.post(url(idea, "commentaires"), data={"body": "Mon avis."})
    assert response.status_code == status
    assert count(Comment) == (1 if status == 302 else 0)
    page = text(client.get(url(idea)))
    assert ("Ajouter un commentaire" in page) is (status == 302)
    if status == 403:
        assert "peuvent commenter" in page


def test_visitors_are_invited_to_log_in_to_comment(client, idea):
    page = text(client.get(url(idea)))
    assert "Connectez-vous pour commenter" in page
    response = client.post(url(idea, "commentaires"), data={"body": "Anonyme"})
    assert response.status_code == 302
    assert response.location.startswith(LOGIN)
    assert count(Comment) == 0


def test_the_discussion_opens_with_the_ideas(client, login, world):
    draft = factories.consultation(world.residence, Phase.DRAFT)
    idea = factories.proposal(draft, title="En préparation")
    login(world.staff)
    assert "La discussion s'ouvrira" in text(client.get(url(idea)))
    response = client.post(url(idea, "commentaires"), data={"body": "Tôt"})
    assert response.status_code == 403


def test_the_discussion_closes_with_the_follow_up(client, login, world):
    later = factories.consultation(world.residence, Phase.FOLLOW_UP)
    idea = factories.proposal(later, world.resident)
    login(world.resident)
    assert (
        client.post(url(idea, "commentaires"), data={"body": "Tard"}).status_code == 403
    )
    assert "elle est close" in text(client.get(url(idea)))


@pytest.mark.parametrize("body", ["x", " x ", "x" * 2001])
def test_comment_length_limits_show_a_french_message_and_save_nothing(
    client, login, world, idea, body
):
    login(world.resident)
    response = client.post(url(idea, "commentaires"), data={"body": body})
    assert response.status_code == 422
    assert "Le commentaire fait entre 2 et 2000 caractères." in field_errors(
        response, "body"
    )
    assert count(Comment) == 0
    assert fresh(idea).comment_count == 0


def test_a_failed_reply_shows_its_error_under_its_own_form(
    client, login, world, idea, neighbour
):
    first = comment(neighbour, idea)
    login(world.resident)
    response = client.post(
        url(idea, "commentaires"), data={"body": "x", "parent_id": first.id}
    )
    assert response.status_code == 422
    assert "entre 2 et 2000" in field_errors(response, f"reply-{first.id}-body")
    assert field_errors(response, "body") == ""
    page = response.get_data(as_text=True)
    assert '<details class="proposal-details" open>' in page
    assert count(Comment) == 1


# --- reports ------------------------------------------------------------------------


def test_a_logged_in_person_reports_an_idea_once(client, login, world, idea):
    login(world.partner)
    data = {"reason": "Propos déplacés."}
    response = client.post(url(idea, "signaler"), data=data, follow_redirects=True)
    assert "Merci : l'équipe va examiner votre signalement." in text(response)
    again = client.post(url(idea, "signaler"), data=data, follow_redirects=True)
    assert again.status_code == 200
    assert "Vous l'avez déjà signalé ; merci." in text(again)
    assert count(Report) == 1


def test_a_comment_is_reported_with_its_own_form(client, login, world, idea, neighbour):
    first = comment(neighbour, idea)
    login(world.resident)
    page = client.get(url(idea)).get_data(as_text=True)
    assert f'name="comment_id" value="{first.id}"' in page
    response = client.post(
        url(idea, "signaler"), data={"reason": "Insultant.", "comment_id": first.id}
    )
    assert response.status_code == 302
    flag = db.session.scalars(db.select(Report)).one()
    assert (flag.comment_id, flag.target) == (first.id, f"comment:{first.id}")


def test_a_report_needs_a_reason(client, login, world, idea, neighbour):
    first = comment(neighbour, idea)
    login(world.resident)
    response = client.post(
        url(idea, "signaler"), data={"reason": "", "comment_id": first.id}
    )
    assert response.status_code == 422
    assert "Indiquez la raison" in field_errors(response, f"report-{first.id}-reason")
    assert count(Report) == 0


def test_nobody_reports_their_own_text_and_visitors_must_log_in(
    client, login, world, idea
):
    assert client.post(url(idea, "signaler"), data={"reason": "Moi"}).status_code == 302
    login(world.resident)
    assert "Signaler cette proposition" not in text(client.get(url(idea)))
    assert client.post(url(idea, "signaler"), data={"reason": "Moi"}).status_code == 403
    assert count(Report) == 0


def test_a_comment_of_another_idea_cannot_be_reported_here(
    client, login, world, idea, neighbour
):
    other = factories.proposal(idea.consultation, neighbour)
    elsewhere = comment(neighbour, other)
    login(world.resident)
    response = client.post(
        url(idea, "signaler"), data={"reason": "Pas ici", "comment_id": elsewhere.id}
    )
    assert response.status_code == 404
    assert count(Report) == 0


def test_staff_see_reports_and_dismiss_them(client, login, world, idea):
    proposals.report(world.partner, idea, "Douteux.", utcnow())
    login(world.staff)
    page = text(client.get(url(idea)))
    assert "Signalements à examiner" in page and "Douteux." in page
    flag = db.session.scalars(db.select(Report)).one()
    response = client.post(
        f"/propositions/signalements/{flag.id}/classer", data={"next": url(idea)}
    )
    assert response.status_code == 302
    assert response.location.endswith(url(idea))
    assert fresh(flag).handled_at is not None
    assert "report.dismiss" in audit_actions()
    assert "Aucun signalement en attente." in text(client.get(url(idea)))


@pytest.mark.parametrize("role", ["resident", "partner", "other_staff"])
def test_only_the_landlords_staff_dismiss_reports(client, login, world, idea, role):
    proposals.report(world.partner, idea, "Douteux.", utcnow())
    flag = db.session.scalars(db.select(Report)).one()
    login(getattr(world, role))
    assert (
        client.post(f"/propositions/signalements/{flag.id}/classer").status_code == 403
    )
    assert fresh(flag).handled_at is None


# --- moderation ---------------------------------------------------------------------


def test_staff_hide_an_idea_with_a_reason_and_its_author_is_told(
    app, client, login, world, idea
):
    login(world.staff)
    response = client.post(url(idea, "masquer"), data={"reason": "Hors sujet."})
    assert response.status_code == 302
    assert fresh(idea).status is ProposalStatus.HIDDEN
    assert idea.moderation_reason == "Hors sujet."
    assert "proposal.hide" in audit_actions()
    told = db.session.scalars(
        db.select(Notification).filter_by(user_id=world.resident.id)
    ).all()
    assert [n.kind for n in told] == [NotificationKind.PROPOSAL_MODERATED]
    assert visitor(app).get(url(idea)).status_code == 404


def test_hiding_needs_a_reason(client, login, world, idea):
    login(world.staff)
    response = client.post(url(idea, "masquer"), data={"reason": ""})
    assert response.status_code == 422
    assert "Indiquez la raison" in field_errors(response, "hide-reason")
    assert fresh(idea).status is ProposalStatus.PUBLISHED
    assert count(Notification) == 0


@pytest.mark.parametrize("role", ["resident", "neighbour", "partner", "other_staff"])
def test_only_the_landlords_staff_moderate(client, login, world, idea, neighbour, role):
    other = factories.proposal(idea.consultation, neighbour)
    first = comment(neighbour, idea)
    login(neighbour if role == "neighbour" else getattr(world, role))
    assert "Modération" not in text(client.get(url(idea)))
    posts = [
        (url(idea, "masquer"), {"reason": "Non."}),
        (url(idea, "doublon"), {"original": other.id}),
        (url(idea, "reponse"), {"status": "selected", "answer": "Oui."}),
        (f"/propositions/commentaires/{first.id}/masquer", {"reason": "Non."}),
    ]
    for target, data in posts:
        assert client.post(target, data=data).status_code == 403, target
    assert client.get(url(idea, "reponse")).status_code == 403
    assert fresh(idea).status is ProposalStatus.PUBLISHED
    assert fresh(first).hidden_at is None


def test_staff_mark_a_duplicate_of_another_idea(client, login, world, idea, neighbour):
    original = factories.proposal(
        idea.consultation, neighbour, title="Des bancs partout"
    )
    elsewhere = factories.proposal(
        factories.consultation(world.residence), title="Ailleurs"
    )
    login(world.staff)
    page = client.get(url(idea)).get_data(as_text=True)
    assert f'<option value="{original.id}">Des bancs partout</option>' in page
    assert "Ailleurs" not in page  # only ideas of the same consultation
    response = client.post(url(idea, "doublon"), data={"original": original.id})
    assert response.status_code == 302
    assert fresh(idea).status is ProposalStatus.DUPLICATE
    assert idea.duplicate_of_id == original.id
    assert "proposal.duplicate" in audit_actions()
    refused = client.post(url(original, "doublon"), data={"original": elsewhere.id})
    assert refused.status_code == 422
    assert fresh(original).status is ProposalStatus.PUBLISHED


def test_duplicates_are_not_merged_once_voting_has_started(
    client, login, world, voting
):
    first, second = factories.proposal(voting), factories.proposal(voting)
    login(world.staff)
    assert "Marquer comme doublon" not in text(client.get(url(second)))
    assert (
        client.post(url(second, "doublon"), data={"original": first.id}).status_code
        == 422
    )
    assert fresh(second).status is ProposalStatus.PUBLISHED


def test_not_retained_needs_a_reason(client, login, world, idea):
    login(world.staff)
    form = client.get(url(idea, "reponse"))
    assert "<legend>Statut</legend>" in form.get_data(as_text=True)
    response = client.post(url(idea, "reponse"), data={"status": "not_retained"})
    assert response.status_code == 200
    assert "Expliquez pourquoi la proposition n'est pas retenue." in field_errors(
        response, "answer"
    )
    assert fresh(idea).status is ProposalStatus.PUBLISHED
    assert count(Notification) == 0
    response = client.post(url(idea, "reponse"), data={"status": "published"})
    assert field_errors(response, "status")


def test_staff_answer_officially_and_the_author_is_told(
    app, client, login, world, idea
):
    login(world.staff)
    response = client.post(
        url(idea, "reponse"),
        data={
            "status": "not_retained",
            "answer": "Le budget ne le permet pas cette année.",
        },
    )
    assert response.status_code == 302
    assert fresh(idea).status is ProposalStatus.NOT_RETAINED
    told = db.session.scalars(db.select(Notification)).one()
    assert (told.user_id, told.kind) == (
        world.resident.id,
        NotificationKind.PROPOSAL_ANSWERED,
    )
    page = text(visitor(app).get(url(idea)))
    assert "Réponse officielle" in page
    assert "Non retenue" in page
    assert "Le budget ne le permet pas cette année." in page
    # the form shows the current answer when staff come back to it
    again = client.get(url(idea, "reponse")).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="not_retained"', again)
    assert "Le budget ne le permet pas cette année." in again


def test_staff_hide_a_comment_which_leaves_the_page_and_the_count(
    app, client, login, world, idea, neighbour
):
    kept = comment(neighbour, idea, "Je suis pour.")
    rude = comment(world.partner, idea, "Texte injurieux")
    assert fresh(idea).comment_count == 2
    login(world.staff)
    response = client.post(
        f"/propositions/commentaires/{rude.id}/masquer", data={"reason": "Injures."}
    )
    assert response.status_code == 302
    assert fresh(idea).comment_count == 1
    assert "comment.hide" in audit_actions()
    public = text(visitor(app).get(url(idea)))
    assert "Je suis pour." in public and "Texte injurieux" not in public
    staff_page = text(client.get(url(idea)))
    assert "Texte injurieux" in staff_page and "Masqué par la modération" in staff_page
    assert kept.hidden_at is None
    # twice is refused without changing the count
    client.post(
        f"/propositions/commentaires/{rude.id}/masquer", data={"reason": "Encore."}
    )
    assert fresh(idea).comment_count == 1


def test_a_hidden_comment_takes_its_replies_out_of_the_page_and_count(
    app, client, login, world, idea, neighbour
):
    rude = comment(neighbour, idea, "Texte injurieux")
    comment(world.resident, idea, "Réponse au texte", parent=rude)
    comment(world.partner, idea, "Un autre avis.")
    assert fresh(idea).comment_count == 3
    login(world.staff)
    client.post(
        f"/propositions/commentaires/{rude.id}/masquer", data={"reason": "Injures."}
    )
    assert fresh(idea).comment_count == 1
    public = text(visitor(app).get(url(idea)))
    assert "Réponse au texte" not in public and "Un autre avis." in public


def test_moderating_from_the_reports_page_goes_back_there(
    client, login, world, idea, neighbour
):
    rude = comment(neighbour, idea)
    back = f"/consultations/{idea.consultation_id}/signalements"
    login(world.staff)
    response = client.post(
        f"/propositions/commentaires/{rude.id}/masquer",
        data={"reason": "Injures.", "next": back},
    )
    assert response.location.endswith(back)
    response = client.post(
        url(idea, "masquer"),
        data={"reason": "Hors sujet.", "next": "https://ailleurs.example/"},
    )
    assert response.location.endswith(url(idea))  # never off the site


def test_hiding_a_comment_needs_a_reason(client, login, world, idea, neighbour):
    rude = comment(neighbour, idea)
    login(world.staff)
    response = client.post(
        f"/propositions/commentaires/{rude.id}/masquer", data={"reason": " "}
    )
    assert response.status_code == 422
    assert "Indiquez la raison" in field_errors(response, f"hide-{rude.id}-reason")
    assert fresh(rude).hidden_at is None


def test_hidden_ideas_leave_the_consultations_counts(
    client, login, world, idea, neighbour
):
    factories.proposal(idea.consultation, neighbour)
    consultation_id = idea.consultation_id
    assert consultations.proposal_counts([consultation_id]) == {consultation_id: 2}
    login(world.staff)
    client.post(url(idea, "masquer"), data={"reason": "Hors sujet."})
    assert consultations.proposal_counts([consultation_id]) == {consultation_id: 1}


# --- hostile text -------------------------------------------------------------------

XSS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">clic</a>',
    "<svg onload=alert(1)><circle r=9></svg>",
    "[cliquez ici](javascript:alert(1))",
    '"><script>alert(1)</script><input value="',
    "' onmouseover='alert(1)' x='",
    '<iframe src="https://evil.example/"></iframe>',
    '<div style="width: expression(alert(1))">style</div>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    "[data](data:text/html,<script>alert(1)</script>)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    "<<script>script>alert(1)<</script>/script>",
    "<body onload=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
]
SCHEMES = ("javascript:", "data:", "vbscript:")
LINKS = {"href", "src", "action", "formaction", "data", "xlink:href"}
FORBIDDEN_TAGS = {
    "script",
    "img",
    "svg",
    "iframe",
    "object",
    "embed",
    "math",
    "style",
    "body",
}


class ActiveMarkup(HTMLParser):
    """Collects whatever in a page could run: dangerous tags, event handlers,
    style attributes and links to ``javascript:`` or ``data:`` URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            scheme = re.sub(r"[\s\x00-\x1f]", "", html.unescape(value or "")).lower()
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag}[{name}]")
            if name in LINKS and scheme.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.found.append(f"{tag}[{name}={value}]")


def main_html(response) -> str:
    """The page's own content, where user text goes (the header has a logo)."""
    page = response.get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")]


def active_markup(response) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(main_html(response))
    return parser.found


@pytest.mark.parametrize("payload", XSS)
def test_no_hostile_text_survives_as_markup(app, client, login, world, ideas, payload):
    """Titles are plain text, bodies and comments are cleaned Markdown: whatever is
    typed, the page contains no script, handler, style or dangerous link."""
    login(world.resident)
    response = client.post(
        create_url(ideas),
        data={"title": f"Une idée {payload}"[:120], "body": f"Mon idée : {payload}"},
    )
    assert response.status_code == 302, text(response)
    proposal = db.session.scalars(db.select(Proposal)).one()
    response = client.post(url(proposal, "commentaires"), data={"body": payload})
    assert response.status_code == 302
    assert count(Comment) == 1
    for page in (client.get(url(proposal)), visitor(app).get(url(proposal))):
        assert page.status_code == 200
        assert active_markup(page) == []
        part = main_html(page).lower()
        assert "<script" not in part
        assert "<iframe" not in part and "<svg" not in part and "<img" not in part
        assert not re.search(r"<[^>]*\son\w+\s*=", part)  # no handler in any tag
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|data):""", part)
    edit = client.get(url(proposal, "modifier"))
    assert active_markup(edit) == []


def test_the_xss_corpus_is_large_enough():
    assert len(XSS) >= 10


# --- CSRF and rate limits ----------------------------------------------------------


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)


def test_posts_without_a_csrf_token_are_refused_and_nothing_is_saved(
    make_app, world, idea
):
    browser = make_app(WTF_CSRF_ENABLED=True).test_client()
    sign_in(
        browser, world.resident, token_of(browser.get(LOGIN).get_data(as_text=True))
    )
    ideas = idea.consultation
    assert browser.post(create_url(ideas), data=IDEA).status_code == 400
    assert (
        browser.post(url(idea, "commentaires"), data={"body": "Sans jeton"}).status_code
        == 400
    )
    assert browser.post(url(idea, "retirer")).status_code == 400
    assert count(Proposal) == 1 and count(Comment) == 0
    assert fresh(idea).status is ProposalStatus.PUBLISHED
    page = browser.get(url(idea)).get_data(as_text=True)
    forms = re.findall(r'<form method="post".*?</form>', page, re.S)
    assert len(forms) >= 3  # logout, withdraw, comment (and the language switch)
    assert all('name="csrf_token"' in form for form in forms)
    response = browser.post(
        url(idea, "commentaires"),
        data={"body": "Avec jeton", "csrf_token": token_of(page)},
    )
    assert response.status_code == 302
    assert count(Comment) == 1


def test_proposals_are_rate_limited(make_app, world, ideas):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PROPOSAL="2 per minute")
    browser = sign_in(limited.test_client(), world.resident)
    codes = [
        browser.post(
            create_url(ideas), data={**IDEA, "title": f"Idée numéro {n}"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert count(Proposal) == 2
    assert browser.get(create_url(ideas)).status_code == 200  # reading is free


def test_comments_and_reports_are_rate_limited(make_app, world, idea, neighbour):
    limited = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_COMMENT="1 per minute",
        RATELIMIT_REPORT="1 per minute",
    )
    browser = sign_in(limited.test_client(), neighbour)
    codes = [
        browser.post(url(idea, "commentaires"), data={"body": f"Avis {n}"}).status_code
        for n in range(2)
    ]
    assert codes == [302, 429]
    codes = [
        browser.post(url(idea, "signaler"), data={"reason": "Douteux."}).status_code
        for _ in range(2)
    ]
    assert codes == [302, 429]
    assert count(Comment) == 1 and count(Report) == 1


# --- query counts -------------------------------------------------------------------


def add_comments(proposal_id: int, authors: list[int], total: int) -> None:
    """Bring the proposal to ``total`` comments, every third one a reply, some
    of them reported."""
    proposal = db.session.get(Proposal, proposal_id)
    people = [db.session.get(User, user_id) for user_id in authors]
    last = None
    for n in range(count(Comment), total):
        author = people[n % len(people)]
        parent = last if n % 3 == 2 else None
        posted = comment(author, proposal, f"Commentaire {n}", parent=parent)
        last = posted if parent is None else last
        if n % 5 == 0:
            reporter = people[(n + 1) % len(people)]
            proposals.report(reporter, proposal, "Douteux.", utcnow(), posted)


def measure(client, count_queries, target: str) -> int:
    db.session.remove()
    with count_queries() as statements:
        response = client.get(target)
    assert response.status_code == 200
    assert statements
    return len(statements)


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff", "partner"])
def test_the_page_runs_as_many_queries_with_3_or_30_comments(
    client, login, count_queries, world, idea, neighbour, role
):
    authors = [neighbour.id, world.partner.id, world.staff.id, world.resident.id]
    proposal_id = idea.id
    if role != "anonymous":
        login(getattr(world, role))
    add_comments(proposal_id, authors, 3)
    few = measure(client, count_queries, f"/propositions/{proposal_id}")
    add_comments(proposal_id, authors, 30)
    many = measure(client, count_queries, f"/propositions/{proposal_id}")
    assert count(Comment) == 30
    assert few == many
