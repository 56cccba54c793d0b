"""What working-group notifications say and where they lead, from the details the
services write — and with keys missing; the preferences list the new kinds."""

from __future__ import annotations

import pytest

from participation.extensions import db
from participation.models import Notification, NotificationKind
from participation.services import notifications
from participation.timeutil import utcnow
from tests import factories
from tests.pages import text


@pytest.fixture
def setting(world):
    group = factories.group(world.territory, title="Moins d'encombrants")
    objective = factories.objective(group, title="Réduire les dépôts")
    commitment = factories.commitment(objective, world.partner_org, title="Collecte")
    meeting = factories.meeting(group, utcnow())
    return group, objective, commitment, meeting


def notification(user, kind, group=None, **details) -> Notification:
    item = Notification(
        user_id=user.id,
        kind=kind,
        group_id=group.id if group else None,
        details=details,
        created_at=utcnow(),
    )
    db.session.add(item)
    db.session.commit()
    return item


def cases(group, objective, commitment, meeting):
    """(kind, details, sentence, destination) as the services write them."""
    return [
        (
            NotificationKind.GROUP_MEMBERSHIP,
            {"accepted": True, "title": group.title},
            "Bienvenue : vous faites maintenant partie du groupe « Moins "
            "d'encombrants ».",
            f"/groupes/{group.id}",
        ),
        (
            NotificationKind.GROUP_MEMBERSHIP,
            {"accepted": False, "title": group.title},
            "Votre demande pour rejoindre le groupe « Moins d'encombrants » n'a pas "
            "été acceptée.",
            f"/groupes/{group.id}",
        ),
        (
            NotificationKind.GROUP_MEMBERSHIP,
            {"pending": True, "title": group.title, "member_id": 1},
            "Nouvelle demande pour rejoindre le groupe « Moins d'encombrants » : elle "
            "attend votre réponse.",
            f"/groupes/{group.id}/membres",
        ),
        (
            NotificationKind.GROUP_MEMBERSHIP,
            {"accepted": False, "removed": True, "title": group.title},
            "Vous ne faites plus partie du groupe « Moins d'encombrants ».",
            f"/groupes/{group.id}",
        ),
        (
            NotificationKind.MEETING_SCHEDULED,
            {
                "meeting_id": meeting.id,
                "title": group.title,
                "starts_at": "2026-03-12T17:00:00+00:00",
                "location": "Salle commune",
            },
            "Réunion du groupe « Moins d'encombrants » le jeudi 12 mars 2026, 18:00 "
            "(Salle commune).",
            f"/groupes/{group.id}/reunions/{meeting.id}",
        ),
        (
            NotificationKind.MEASUREMENT_REPORTED,
            {
                "objective_id": objective.id,
                "title": objective.title,
                "value": 7.5,
                "unit": "signalements",
                "measured_on": "2026-02-28",
                "period": "month",
            },
            "Nouvelle mesure pour l'objectif « Réduire les dépôts » : 7,5 "
            "signalements (février 2026).",
            f"/objectifs/{objective.id}",
        ),
        (
            NotificationKind.ACTION_REPORTED,
            {
                "action_id": 1,
                "commitment_id": commitment.id,
                "objective_id": objective.id,
                "commitment_title": commitment.title,
                "done_on": "2026-03-07",
                "quantity": 3.2,
                "unit": "t",
                "organisation": "Ville Test",
            },
            "Ville Test a agi pour l'engagement « Collecte » : 3,2 t.",
            f"/engagements/{commitment.id}",
        ),
        (
            NotificationKind.COMMITMENT_ADDED,
            {
                "commitment_id": commitment.id,
                "objective_id": objective.id,
                "title": commitment.title,
                "due_date": "2026-06-30",
                "organisation": None,
            },
            "Nouvel engagement — les habitants : « Collecte », d'ici le 30 juin 2026.",
            f"/engagements/{commitment.id}",
        ),
        (
            NotificationKind.COMMITMENT_DUE,
            {
                "commitment_id": commitment.id,
                "objective_id": objective.id,
                "title": commitment.title,
                "due_date": "2026-06-30",
                "organisation": "Ville Test",
            },
            "L'engagement « Collecte » (Ville Test) arrive à échéance le 30 juin 2026.",
            f"/engagements/{commitment.id}",
        ),
    ]


def test_each_kind_reads_well_and_leads_to_its_page(client, login, world, setting):
    group = setting[0]
    made = [
        (notification(world.resident, kind, group, **details), sentence, where)
        for kind, details, sentence, where in cases(*setting)
    ]
    login(world.resident)
    page = text(client.get("/notifications/"))
    for item, sentence, where in made:
        assert sentence in page, sentence
        response = client.post(f"/notifications/{item.id}/lue")
        assert response.headers["Location"] == where, item.kind


GROUP_KINDS = [
    NotificationKind.GROUP_MEMBERSHIP,
    NotificationKind.MEETING_SCHEDULED,
    NotificationKind.MEASUREMENT_REPORTED,
    NotificationKind.ACTION_REPORTED,
    NotificationKind.COMMITMENT_ADDED,
    NotificationKind.COMMITMENT_DUE,
]


@pytest.mark.parametrize("kind", GROUP_KINDS)
def test_a_notification_with_missing_details_still_reads(
    client, login, world, setting, kind
):
    item = notification(world.resident, kind, setting[0])
    bare = notification(world.resident, kind)
    login(world.resident)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert client.post(f"/notifications/{item.id}/lue").headers["Location"] == (
        f"/groupes/{setting[0].id}"
    )
    assert client.post(f"/notifications/{bare.id}/lue").headers["Location"] == (
        "/notifications/"
    )


def test_amounts_and_dates_of_the_wrong_type_are_left_out(
    client, login, world, setting
):
    group, objective, _commitment, _meeting = setting
    notification(
        world.resident,
        NotificationKind.MEASUREMENT_REPORTED,
        group,
        objective_id="not a number",
        title=objective.title,
        value="beaucoup",
        measured_on="hier",
    )
    login(world.resident)
    page = text(client.get("/notifications/"))
    assert "Nouvelle mesure pour l'objectif « Réduire les dépôts »." in page


def test_the_preferences_list_the_working_group_kinds(client, login, world):
    login(world.partner)
    page = text(client.get("/notifications/preferences"))
    for label in [
        "Une réunion de mes groupes de travail est prévue",
        "Une nouvelle mesure montre où en est un objectif de mes groupes",
        "Un partenaire ou le bailleur signale une action réalisée",
        "Un nouvel engagement est pris",
        "Un engagement arrive à échéance",
    ]:
        assert label in page
    response = client.post(
        "/notifications/preferences",
        data={"sent": "1", NotificationKind.MEETING_SCHEDULED.value: "y"},
    )
    assert response.status_code == 302
    assert NotificationKind.MEETING_SCHEDULED not in notifications.disabled_kinds(
        world.partner
    )
    assert NotificationKind.COMMITMENT_DUE in notifications.disabled_kinds(
        world.partner
    )
