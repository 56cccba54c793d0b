"""Working group pages through the real app and database: who sees and does what,
forms and their French messages, CSRF, and query counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from participation.extensions import db
from participation.models import (
    GroupMember,
    GroupPartner,
    HandVote,
    Meeting,
    MembershipStatus,
    Notification,
    NotificationKind,
    OrganisationKind,
    Party,
    Phase,
    ProposalStatus,
    Role,
    WorkingGroup,
)
from participation.services import groups
from participation.timeutil import PARIS, utcnow
from tests import factories
from tests.pages import count, field_errors, fresh, text

LOGIN = "/compte/connexion"
CHARTER = {
    "title": "Moins d'encombrants",
    "purpose": "Réduire les dépôts dans les halls.",
    "method": "",
    "rhythm": "Une fois par mois",
}


# --- helpers ----------------------------------------------------------------------


def url(group, action: str = "") -> str:
    return f"/groupes/{group.id}" + (f"/{action}" if action else "")


def meeting_url(meeting, action: str = "") -> str:
    base = f"/groupes/{meeting.group_id}/reunions/{meeting.id}"
    return base + (f"/{action}" if action else "")


def paris(moment) -> str:
    """A ``datetime-local`` value, as the browser sends it."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def login(client):
    """Log a user in through the real login form, after logging out whoever was
    (the tests switch between people)."""

    def do(user):
        client.post("/compte/deconnexion")
        response = client.post(
            LOGIN, data={"email": user.email, "password": factories.PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def group(world):
    """A group of the residence (where the resident lives), run by the staff, with
    the city taking part."""
    item = factories.group(
        world.residence, partners=[world.partner_org], title="Halls propres"
    )
    factories.member(item, world.staff, facilitator=True)
    return item


@pytest.fixture
def neighbour(world):
    return factories.resident_of(world.dwellings[1], display_name="Nadia Voisine")


@pytest.fixture
def past_meeting(group):
    return factories.meeting(
        group, utcnow() - timedelta(hours=2), attendance=12, location="Salle A"
    )


# --- who may see what -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/groupes/", "/groupes/nouveau", "GROUP"])
def test_visitors_are_sent_to_the_login_page(client, group, path):
    response = client.get(url(group) if path == "GROUP" else path)
    assert response.status_code == 302
    assert LOGIN in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("resident", 200),
        ("partner", 200),
        ("staff", 200),
        ("admin", 200),
        ("other_resident", 403),
        ("other_staff", 403),
        ("newcomer", 403),
    ],
)
def test_the_group_page_is_for_staff_residents_of_the_place_and_partners(
    client, login, world, group, role, status
):
    login(getattr(world, role))
    assert client.get(url(group)).status_code == status


def test_unknown_groups_and_meetings_answer_404(client, login, world, group):
    other = factories.group(world.building)
    elsewhere = factories.meeting(other, utcnow())
    login(world.staff)
    assert client.get("/groupes/999999").status_code == 404
    assert client.get(f"{url(group)}/reunions/999999").status_code == 404
    # A meeting of another group, under this group's address.
    assert client.get(f"{url(group)}/reunions/{elsewhere.id}").status_code == 404
    assert client.post(f"{url(group)}/membres/999999/retirer").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["modifier", "membres", "reunions/nouvelle"],
)
@pytest.mark.parametrize("role", ["resident", "partner", "other_staff"])
def test_running_pages_are_for_staff_and_facilitators(
    client, login, world, group, path, role
):
    login(getattr(world, role))
    assert client.get(url(group, path)).status_code == 403


def test_the_create_page_is_for_staff(client, login, world):
    login(world.resident)
    assert client.get("/groupes/nouveau").status_code == 403
    login(world.staff)
    elsewhere = factories.consultation(world.other_building, Phase.FOLLOW_UP)
    assert (
        client.get(f"/groupes/nouveau?place_id={world.other_building.id}").status_code
        == 403
    )
    assert (
        client.get(f"/groupes/nouveau?consultation_id={elsewhere.id}").status_code
        == 403
    )
    assert client.get("/groupes/nouveau?consultation_id=999999").status_code == 404


def test_the_main_menu_links_to_the_groups_once_logged_in(client, login, world):
    assert 'href="/groupes/"' not in client.get("/").get_data(as_text=True)
    login(world.resident)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/groupes/"' in page


# --- the list ------------------------------------------------------------------------


def test_the_list_shows_each_groups_place_members_and_objectives(
    client, login, world, group
):
    factories.member(group, world.resident)
    objective = factories.objective(group)
    factories.measurement(objective, date(2026, 2, 1), 12.0)
    factories.objective(group)
    factories.group(world.other_building, title="Chez l'autre bailleur")
    login(world.resident)
    page = text(client.get("/groupes/"))
    assert "Halls propres" in page
    assert "Résidence" in page
    assert "2 membres" in page
    assert "2 objectifs, 1 en bonne voie ou atteint" in page
    assert "Chez l'autre bailleur" not in page


def test_staff_filter_the_list_by_place(client, login, world, group):
    _, _, elsewhere, _, _ = factories.tree(world.landlord, "Ailleurs")
    factories.group(elsewhere, title="Groupe d'ailleurs")
    login(world.staff)
    page = text(client.get("/groupes/"))
    assert "Halls propres" in page and "Groupe d'ailleurs" in page
    page = text(client.get(f"/groupes/?place_id={world.residence.id}"))
    assert "Halls propres" in page and "Groupe d'ailleurs" not in page
    assert (
        client.get(f"/groupes/?place_id={world.other_building.id}").status_code == 403
    )


# --- creating and editing -------------------------------------------------------------


@pytest.fixture
def consultation(world):
    item = factories.consultation(world.residence, Phase.FOLLOW_UP, title="Propreté")
    item.extra = {
        "selected": factories.proposal(
            item, title="Un local à encombrants", status=ProposalStatus.SELECTED
        ),
        "done": factories.proposal(
            item, title="Des affiches", status=ProposalStatus.DONE
        ),
        "published": factories.proposal(item, title="Une idée en cours"),
    }
    return item


def test_the_consultation_offers_staff_to_start_a_group_from_its_selection(
    client, login, world, consultation
):
    plain = factories.consultation(world.residence, Phase.IDEAS)
    link = "Créer un groupe de travail à partir de cette consultation"
    login(world.resident)
    assert link not in text(client.get(f"/consultations/{consultation.id}"))
    login(world.staff)
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert f"/groupes/nouveau?consultation_id={consultation.id}" in page
    assert link not in text(client.get(f"/consultations/{plain.id}"))


def test_a_group_is_created_from_a_consultations_selected_proposals(
    client, login, world, consultation
):
    login(world.staff)
    target = f"/groupes/nouveau?consultation_id={consultation.id}"
    page = client.get(target)
    assert page.status_code == 200
    shown = text(page)
    assert "Un local à encombrants" in shown and "Des affiches" in shown
    assert "Une idée en cours" not in shown
    body = page.get_data(as_text=True)
    assert f'<option selected value="{world.residence.id}">' in body
    selected = consultation.extra["selected"].id
    response = client.post(
        target,
        data={
            **CHARTER,
            "place": world.residence.id,
            "consultation_id": consultation.id,
            "proposals": [selected],
        },
    )
    assert response.status_code == 302
    created = db.session.scalars(db.select(WorkingGroup)).one()
    assert response.headers["Location"].endswith(f"/groupes/{created.id}")
    assert [p.id for p in created.proposals] == [selected]
    detail = text(client.get(url(created)))
    assert "Ce groupe est né de la consultation : Propreté" in detail
    assert "Un local à encombrants" in detail and "Des affiches" not in detail


def test_a_tampered_proposal_is_refused_with_a_message(
    client, login, world, consultation
):
    login(world.staff)
    response = client.post(
        f"/groupes/nouveau?consultation_id={consultation.id}",
        data={
            **CHARTER,
            "place": world.residence.id,
            "consultation_id": consultation.id,
            "proposals": [consultation.extra["published"].id],
        },
    )
    assert response.status_code == 200
    assert "retenues ou réalisées" in field_errors(response, "proposals")
    assert count(WorkingGroup) == 0


def test_a_bad_charter_shows_messages_next_to_the_fields(client, login, world):
    login(world.staff)
    response = client.post(
        f"/groupes/nouveau?place_id={world.residence.id}",
        data={"title": "Ab", "purpose": "", "place": world.residence.id},
    )
    assert response.status_code == 200
    assert "entre 5 et 160 caractères" in field_errors(response, "title")
    assert "entre 10 et 5000 caractères" in field_errors(response, "purpose")
    assert count(WorkingGroup) == 0


def test_staff_edit_the_charter(client, login, world, group):
    login(world.staff)
    assert client.get(url(group, "modifier")).status_code == 200
    response = client.post(
        url(group, "modifier"),
        data={**CHARTER, "title": "Halls vraiment propres", "open_to_residents": "y"},
        follow_redirects=True,
    )
    assert "Modifications enregistrées." in text(response)
    group = fresh(group)
    assert group.title == "Halls vraiment propres" and group.open_to_residents


# --- the group page -------------------------------------------------------------------


def test_residents_names_are_shown_to_members_and_staff_only(
    client, login, world, group, neighbour
):
    factories.member(group, neighbour)
    login(world.resident)  # lives here, not a member
    page = text(client.get(url(group)))
    assert "Nadia Voisine" not in page
    assert "1 habitant·e" in page
    factories.member(group, world.resident)
    assert "Nadia Voisine" in text(client.get(url(group)))
    login(world.staff)
    assert "Nadia Voisine" in text(client.get(url(group)))


def test_the_page_shows_partners_objectives_and_meetings(client, login, world, group):
    partner = db.session.get(GroupPartner, (group.id, world.partner_org.id))
    partner.role = "Collecte des encombrants"
    db.session.commit()
    factories.member(group, world.partner)
    objective = factories.objective(group, title="Moins de dépôts")
    factories.measurement(objective, date(2026, 2, 1), 12.0)
    factories.meeting(group, utcnow() + timedelta(days=3), location="Local vélo")
    factories.meeting(group, utcnow() - timedelta(days=3), location="Salle des fêtes")
    login(world.resident)
    response = client.get(url(group))
    page = text(response)
    assert "Ville Test — Collecte des encombrants" in page
    assert "Représenté par : " + world.partner.display_name in page
    assert "Moins de dépôts" in page and "en bonne voie" in page
    assert "20 % du chemin parcouru" in page
    body = response.get_data(as_text=True)
    assert f'href="/objectifs/{objective.id}"' in body
    assert f'href="/groupes/{group.id}/engagements"' in body
    assert "/objectifs/nouveau" not in body  # for staff only
    upcoming, past = page.split("À venir", 1)[1].split("Passées", 1)
    assert "Local vélo" in upcoming and "Salle des fêtes" in past
    login(world.staff)
    body = client.get(url(group)).get_data(as_text=True)
    assert f'href="/groupes/{group.id}/objectifs/nouveau"' in body


# --- joining and leaving --------------------------------------------------------------


def test_a_resident_asks_to_join_then_is_told_the_request_waits(
    client, login, world, group
):
    login(world.resident)
    assert "Demander à rejoindre le groupe" in text(client.get(url(group)))
    response = client.post(
        url(group, "rejoindre"),
        data={"message": "Je veux aider"},
        follow_redirects=True,
    )
    assert "Votre demande est envoyée" in text(response)
    assert "attend la réponse de l'équipe d'animation" in text(response)
    again = client.post(url(group, "rejoindre"), follow_redirects=True)
    assert "Vous avez déjà demandé à rejoindre ce groupe" in text(again)
    assert count(GroupMember, GroupMember.user_id == world.resident.id) == 1


def test_a_refused_resident_is_told_and_cannot_ask_again(client, login, world, group):
    member = groups.join(world.resident, group, utcnow())
    groups.decide_membership(world.staff, member, False, utcnow())
    login(world.resident)
    assert "Demander à rejoindre" not in text(client.get(url(group)))
    response = client.post(url(group, "rejoindre"), follow_redirects=True)
    assert "Votre demande pour ce groupe a été refusée" in text(response)
    assert fresh(member).status is MembershipStatus.REFUSED


def test_a_too_long_message_is_shown_next_to_the_field(client, login, world, group):
    login(world.resident)
    response = client.post(url(group, "rejoindre"), data={"message": "x" * 301})
    assert response.status_code == 422
    assert "300 caractères au plus" in field_errors(response, "message")
    assert count(GroupMember, GroupMember.user_id == world.resident.id) == 0


def test_an_open_group_is_joined_at_once_and_left(client, login, world, group):
    group.open_to_residents = True
    db.session.commit()
    login(world.resident)
    response = client.post(url(group, "rejoindre"), follow_redirects=True)
    assert "Bienvenue dans le groupe" in text(response)
    assert "Vous faites partie de ce groupe." in text(response)
    response = client.post(url(group, "quitter"), follow_redirects=True)
    assert "Vous avez quitté le groupe." in text(response)
    member = groups.membership_of(world.resident, group)
    assert member.status is MembershipStatus.LEFT


@pytest.mark.parametrize("role", ["other_resident", "partner", "newcomer"])
def test_others_may_not_join(client, login, world, group, role):
    login(getattr(world, role))
    assert client.post(url(group, "rejoindre")).status_code == 403
    assert client.post(url(group, "quitter")).status_code == 403
    assert count(GroupMember) == 1


# --- members and partners -------------------------------------------------------------


def test_a_facilitator_accepts_a_request_and_the_resident_hears_of_it(
    client, login, world, group
):
    member = groups.join(world.resident, group, utcnow(), "Je veux aider")
    login(world.staff)
    page = text(client.get(url(group, "membres")))
    assert "Je veux aider" in page
    response = client.post(
        url(group, f"membres/{member.id}/decision"),
        data={"accept": "1"},
        follow_redirects=True,
    )
    assert "fait maintenant partie du groupe" in text(response)
    assert fresh(member).is_active
    note = db.session.scalars(
        db.select(Notification).where(Notification.user_id == world.resident.id)
    ).one()
    assert note.kind is NotificationKind.GROUP_MEMBERSHIP
    assert note.details == {"accepted": True, "title": group.title}
    again = client.post(
        url(group, f"membres/{member.id}/decision"),
        data={"accept": "0"},
        follow_redirects=True,
    )
    assert "Cette demande a déjà été traitée." in text(again)
    assert fresh(member).is_active
    assert client.post(url(group, f"membres/{member.id}/decision")).status_code == 400


def test_a_resident_facilitator_answers_requests_but_manages_nothing_else(
    client, login, world, group, neighbour
):
    factories.member(group, neighbour, facilitator=True)
    member = groups.join(world.resident, group, utcnow())
    login(neighbour)
    page = text(client.get(url(group, "membres")))
    assert "Demandes en attente" in page
    assert "Ajouter une organisation partenaire" not in page
    response = client.post(
        url(group, f"membres/{member.id}/decision"), data={"accept": "0"}
    )
    assert response.status_code == 302
    assert fresh(member).status is MembershipStatus.REFUSED
    staff_row = groups.membership_of(world.staff, group)
    assert (
        client.post(
            url(group, f"membres/{staff_row.id}/animation"), data={"on": "0"}
        ).status_code
        == 403
    )
    assert client.post(url(group, f"membres/{staff_row.id}/retirer")).status_code == 403
    assert client.get(url(group, "modifier")).status_code == 403


def test_staff_name_facilitators_and_remove_members(client, login, world, group):
    member = factories.member(group, world.resident)
    login(world.staff)
    client.post(url(group, f"membres/{member.id}/animation"), data={"on": "1"})
    assert fresh(member).facilitator
    response = client.post(
        url(group, f"membres/{member.id}/retirer"), follow_redirects=True
    )
    assert "ne fait plus partie du groupe" in text(response)
    assert fresh(member).status is MembershipStatus.REFUSED


def test_staff_add_a_partner_organisation_with_its_representatives(
    client, login, world, group
):
    association = factories.organisation(OrganisationKind.ASSOCIATION, name="Asso")
    lea = factories.user(Role.PARTNER, association, display_name="Léa Asso")
    factories.user(Role.PARTNER, world.partner_org, display_name="Autre Ville")
    login(world.staff)
    page = text(client.get(url(group, f"membres?organisation_id={association.id}")))
    assert "Léa Asso" in page and "Autre Ville" not in page
    response = client.post(
        url(group, "partenaires"),
        data={
            "organisation": association.id,
            "role": "Réemploi",
            "representatives": [lea.id],
        },
        follow_redirects=True,
    )
    assert "Asso participe au groupe." in text(response)
    member = groups.membership_of(lea, group)
    assert member.is_active and member.party is Party.PARTNER
    # Someone of another organisation, slipped into the form, is refused.
    response = client.post(
        url(group, "partenaires"),
        data={"organisation": association.id, "representatives": [world.partner.id]},
    )
    assert response.status_code == 422
    assert "comptes partenaires actifs de Asso" in field_errors(
        response, "representatives"
    )
    # A landlord is no partner.
    response = client.post(
        url(group, "partenaires"), data={"organisation": world.landlord.id}
    )
    assert response.status_code == 422
    assert "Un bailleur ne peut pas être partenaire" in text(response)
    response = client.post(
        url(group, f"partenaires/{association.id}/retirer"), follow_redirects=True
    )
    assert "Asso ne participe plus au groupe." in text(response)
    assert groups.membership_of(lea, group).status is MembershipStatus.LEFT


def test_removing_a_partner_still_needed_is_refused_with_the_reason(
    client, login, world, group
):
    aim = factories.objective(
        group, title="Encombrants", source_organisation=world.partner_org
    )
    factories.commitment(aim, world.partner_org, title="Collectes")
    factories.member(group, world.partner)
    login(world.staff)
    response = client.post(
        url(group, f"partenaires/{world.partner_org.id}/retirer"),
        follow_redirects=True,
    )
    page = text(response)
    assert (
        "Ville Test est la source des mesures de l'objectif « Encombrants » : "
        "choisissez d'abord une autre source." in page
    )
    assert "Ville Test a encore un engagement en cours dans ce groupe" in page
    assert "ne participe plus au groupe" not in page
    assert count(GroupPartner, GroupPartner.group_id == group.id) == 1
    assert groups.membership_of(world.partner, group).is_active


def test_staff_add_a_colleague_and_only_a_colleague(client, login, world, group):
    colleague = factories.user(Role.STAFF, world.landlord, display_name="Chloé")
    login(world.staff)
    assert "Chloé" in text(client.get(url(group, "membres")))
    response = client.post(
        url(group, "equipe"), data={"staff_user": world.other_staff.id}
    )
    assert response.status_code == 422
    response = client.post(url(group, "equipe"), data={"staff_user": ""})
    assert response.status_code == 422
    assert "Choisissez un membre de l'équipe." in field_errors(response, "staff_user")
    response = client.post(
        url(group, "equipe"),
        data={"staff_user": colleague.id, "facilitator": "y"},
        follow_redirects=True,
    )
    assert "Chloé fait partie du groupe." in text(response)
    member = groups.membership_of(colleague, group)
    assert member.is_active and member.facilitator


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("partenaires", {"organisation": "ORG"}),
        ("partenaires/ORG/retirer", {}),
        ("equipe", {"staff_user": "STAFF"}),
    ],
)
def test_only_the_landlords_staff_manage_partners_and_staff(
    client, login, world, group, path, data
):
    replace = {"ORG": str(world.partner_org.id), "STAFF": str(world.staff.id)}
    path = re.sub("ORG|STAFF", lambda m: replace[m.group()], path)
    data = {k: replace.get(v, v) for k, v in data.items()}
    for role in ("other_staff", "partner", "resident"):
        login(getattr(world, role))
        assert client.post(url(group, path), data=data).status_code == 403
    assert count(GroupPartner) == 1


# --- meetings and hand votes ----------------------------------------------------------


def test_a_facilitator_schedules_a_meeting_and_members_hear_of_it(
    client, login, world, group
):
    factories.member(group, world.resident)
    login(world.staff)
    starts = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0)
    assert client.get(url(group, "reunions/nouvelle")).status_code == 200
    response = client.post(
        url(group, "reunions/nouvelle"),
        data={
            "starts_at": paris(starts),
            "location": "Local commun",
            "agenda": "Bilan",
        },
    )
    assert response.status_code == 302
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert meeting.starts_at == starts
    note = db.session.scalars(
        db.select(Notification).where(Notification.user_id == world.resident.id)
    ).one()
    assert note.kind is NotificationKind.MEETING_SCHEDULED
    assert note.details["starts_at"] == starts.isoformat()
    page = text(client.get(meeting_url(meeting)))
    assert "Local commun" in page and "Bilan" in page
    assert "à venir" in page and "Saisir un vote à main levée" not in page


def test_minutes_of_a_meeting_to_come_are_refused(client, login, world, group):
    meeting = factories.meeting(group, utcnow() + timedelta(days=2))
    login(world.staff)
    response = client.post(
        meeting_url(meeting, "modifier"),
        data={"starts_at": paris(meeting.starts_at), "minutes": "Déjà ?"},
    )
    assert response.status_code == 200
    assert "pas encore eu lieu" in field_errors(response, "minutes")
    assert fresh(meeting).minutes == ""


def test_the_minutes_are_recorded_after_the_meeting(
    client, login, world, group, past_meeting
):
    login(world.staff)
    response = client.post(
        meeting_url(past_meeting, "modifier"),
        data={
            "starts_at": paris(past_meeting.starts_at),
            "location": "Salle A",
            "minutes": "On a parlé **des halls**.",
            "decisions": "- Un panneau",
            "attendance": "15",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "<strong>des halls</strong>" in page
    assert fresh(past_meeting).attendance == 15
    response = client.post(
        meeting_url(past_meeting, "modifier"),
        data={"starts_at": paris(past_meeting.starts_at), "attendance": "beaucoup"},
    )
    assert "nombre entier entre 0 et 10 000" in field_errors(response, "attendance")
    assert fresh(past_meeting).attendance == 15


def test_a_hand_vote_is_entered_and_shown_with_who_entered_it(
    client, login, world, group, past_meeting
):
    factories.member(group, world.resident)
    login(world.staff)
    response = client.post(
        meeting_url(past_meeting, "votes"),
        data={
            "question": "Un panneau ?",
            "votes_for": "7",
            "votes_against": "3",
            "abstentions": "0",
        },
        follow_redirects=True,
    )
    assert "Le vote à main levée est enregistré." in text(response)
    login(world.resident)
    page = text(client.get(meeting_url(past_meeting)))
    assert "Un panneau ? 7 3 0 10 adoptée" in page
    assert world.staff.display_name in page
    assert "Saisir un vote à main levée" not in page  # not a facilitator
    assert (
        client.post(
            meeting_url(past_meeting, "votes"),
            data={
                "question": "Moi ?",
                "votes_for": "1",
                "votes_against": "0",
                "abstentions": "0",
            },
        ).status_code
        == 403
    )
    assert count(HandVote) == 1


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ({"votes_for": "-2"}, "votes_for", "0 ou plus"),
        ({"votes_against": "trois"}, "votes_against", "0 ou plus"),
        ({"abstentions": ""}, "abstentions", "0 ou plus"),
        ({"votes_for": "0", "votes_against": "0"}, None, "au moins une voix"),
        (
            {"votes_for": "10", "votes_against": "3"},
            None,
            "13 voix (pour, contre et abstentions) pour 12 personnes présentes",
        ),
    ],
)
def test_bad_hand_votes_get_a_french_message_and_nothing_is_saved(
    client, login, world, group, past_meeting, data, where, message
):
    login(world.staff)
    form = {
        "question": "Un panneau ?",
        "votes_for": "1",
        "votes_against": "0",
        "abstentions": "0",
        **data,
    }
    response = client.post(meeting_url(past_meeting, "votes"), data=form)
    assert response.status_code == 422
    if where:
        assert message in field_errors(response, where)
    else:
        assert message in text(response)
    assert count(HandVote) == 0


def test_no_hand_vote_before_the_meeting(client, login, world, group):
    meeting = factories.meeting(group, utcnow() + timedelta(hours=3))
    login(world.staff)
    response = client.post(
        meeting_url(meeting, "votes"),
        data={
            "question": "Tôt ?",
            "votes_for": "1",
            "votes_against": "0",
            "abstentions": "0",
        },
        follow_redirects=True,
    )
    assert "un vote à main levée se saisit pendant ou après la réunion" in text(
        response
    )
    assert count(HandVote) == 0


# --- CSRF --------------------------------------------------------------------------


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)


def test_posts_without_a_csrf_token_are_refused_and_nothing_is_saved(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = factories.build_world()
        group = factories.group(world.residence, open_to_residents=True)
        factories.member(group, world.staff, facilitator=True)
        meeting = factories.meeting(group, utcnow() - timedelta(hours=1))
        browser = app.test_client()
        login_page = browser.get(LOGIN).get_data(as_text=True)
        browser.post(
            LOGIN,
            data={
                "email": world.resident.email,
                "password": factories.PASSWORD,
                "csrf_token": token_of(login_page),
            },
        )
        assert browser.post(url(group, "rejoindre")).status_code == 400
        assert count(GroupMember, GroupMember.user_id == world.resident.id) == 0
        page = browser.get(url(group)).get_data(as_text=True)
        forms = re.findall(r'<form method="post".*?</form>', page, re.S)
        assert all('name="csrf_token"' in form for form in forms)
        join = page.split(f'action="{url(group, "rejoindre")}"', 1)[1]
        response = browser.post(
            url(group, "rejoindre"), data={"csrf_token": token_of(join)}
        )
        assert response.status_code == 302
        assert count(GroupMember, GroupMember.user_id == world.resident.id) == 1

        staff = app.test_client()
        login_page = staff.get(LOGIN).get_data(as_text=True)
        staff.post(
            LOGIN,
            data={
                "email": world.staff.email,
                "password": factories.PASSWORD,
                "csrf_token": token_of(login_page),
            },
        )
        vote = {
            "question": "Oui ?",
            "votes_for": "1",
            "votes_against": "0",
            "abstentions": "0",
        }
        assert staff.post(meeting_url(meeting, "votes"), data=vote).status_code == 400
        assert staff.post(url(group, "modifier"), data=CHARTER).status_code == 400
        assert count(HandVote) == 0


# --- query counts ---------------------------------------------------------------------


def grow(group_id: int, size: int) -> None:
    """Give the group (and its landlord) ``size`` more of everything."""
    group = db.session.get(WorkingGroup, group_id)
    landlord_id = group.landlord_id
    for n in range(size):
        home = factories.tree(group.landlord, f"Lot {n}", dwellings=1)[4][0]
        person = factories.resident_of(home)
        status = MembershipStatus.PENDING if n % 3 == 0 else MembershipStatus.ACTIVE
        factories.member(group, person, status=status, facilitator=n % 4 == 1)
        org = factories.organisation(OrganisationKind.ASSOCIATION)
        db.session.add(GroupPartner(group_id=group_id, organisation=org, role="Aide"))
        db.session.commit()
        factories.member(group, factories.user(Role.PARTNER, org))
        objective = factories.objective(group)
        factories.measurement(objective, date(2026, 2, 1), 12.0 - n % 3)
        factories.meeting(group, utcnow() + timedelta(days=n - size // 2))
        other = factories.group(group.place, title=f"Groupe {n}")
        factories.member(other, person)
        factories.objective(other)
        factories.meeting(other, utcnow() + timedelta(days=n + 1))
    assert group.landlord_id == landlord_id


def measure(client, count_queries, target: str) -> int:
    db.session.remove()
    with count_queries() as statements:
        response = client.get(target)
    assert response.status_code == 200, target
    assert statements
    return len(statements)


@pytest.mark.parametrize(
    ("role", "page"),
    [
        *(
            (role, page)
            for role in ("staff", "resident", "partner")
            for page in ("index", "detail", "meeting")
        ),
        ("staff", "members"),
    ],
)
def test_group_pages_cost_the_same_queries_with_2_or_12_of_everything(
    client, login, count_queries, world, group, page, role
):
    group_id = group.id
    meeting = factories.meeting(group, utcnow() - timedelta(hours=1), attendance=50)
    for n in range(3):
        groups.add_hand_vote(world.staff, meeting, f"Question {n}", 1, n, 0, utcnow())
    target = {
        "index": "/groupes/",
        "detail": f"/groupes/{group_id}",
        "members": f"/groupes/{group_id}/membres",
        "meeting": f"/groupes/{group_id}/reunions/{meeting.id}",
    }[page]
    if role != "staff":
        factories.member(group, getattr(world, role))
    login(getattr(world, role))
    grow(group_id, 2)
    few = measure(client, count_queries, target)
    grow(group_id, 10)
    many = measure(client, count_queries, target)
    assert many == few, (few, many)
