"""Notification pages: the list with its sentences, marking as read, the unread
count in the header, and the choice of what to receive."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from participation.extensions import db
from participation.models import (
    Consultation,
    Notification,
    NotificationKind,
    Phase,
    User,
)
from participation.services import notifications
from participation.timeutil import utcnow
from tests import factories

OPENED = NotificationKind.CONSULTATION_OPENED
CHANGED = NotificationKind.PHASE_CHANGED
ANSWERED = NotificationKind.PROPOSAL_ANSWERED
MODERATED = NotificationKind.PROPOSAL_MODERATED
COMMENTED = NotificationKind.PROPOSAL_COMMENTED


def text(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


@pytest.fixture
def idea(world):
    """The resident's proposal « Des bancs » in « Cour fleurie », collecting ideas."""
    consultation = factories.consultation(
        world.territory, Phase.IDEAS, title="Cour fleurie"
    )
    return factories.proposal(consultation, world.resident, title="Des bancs")


def tell(user, kind, idea, *, about_proposal=True, minutes=0, **details):
    """Give ``user`` one notification about ``idea`` (or its consultation)."""
    notifications.notify(
        [user.id],
        kind,
        utcnow() - timedelta(minutes=minutes),
        consultation=idea.consultation,
        proposal=idea if about_proposal else None,
        **details,
    )
    db.session.commit()
    return db.session.scalars(
        db.select(Notification)
        .filter_by(user_id=user.id)
        .order_by(Notification.id.desc())
        .limit(1)
    ).one()


def unread(user) -> int:
    db.session.expire_all()
    return notifications.unread_count(user)


# Who may open the pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/notifications/"),
        ("get", "/notifications/preferences"),
        ("post", "/notifications/preferences"),
        ("post", "/notifications/1/lue"),
        ("post", "/notifications/tout-lu"),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, world, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


@pytest.mark.parametrize("role", ["resident", "staff", "partner", "admin"])
def test_everyone_logged_in_has_a_notifications_page(client, login, world, role):
    login(getattr(world, role))
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert "Vous n'avez pas encore de notification." in text(response)


# The list -----------------------------------------------------------------------------


SENTENCES = [
    (
        OPENED,
        {"phase": "ideas"},
        False,
        "La consultation « Cour fleurie » est ouverte : proposez vos idées.",
    ),
    (
        OPENED,
        {"phase": "voting"},
        False,
        "La consultation « Cour fleurie » est ouverte : votez.",
    ),
    (
        CHANGED,
        {"phase": "voting"},
        False,
        "La consultation « Cour fleurie » passe à l'étape : Vote.",
    ),
    (
        CHANGED,
        {"phase": "results"},
        False,
        "La consultation « Cour fleurie » passe à l'étape : Résultats.",
    ),
    (
        ANSWERED,
        {"status": "selected"},
        True,
        "Votre proposition « Des bancs » a reçu une réponse : Retenue.",
    ),
    (
        ANSWERED,
        {"status": "under_study"},
        True,
        "Votre proposition « Des bancs » a reçu une réponse : À l'étude.",
    ),
    (
        MODERATED,
        {"status": "hidden"},
        True,
        "Votre proposition « Des bancs » a été masquée par la modération.",
    ),
    (
        MODERATED,
        {"status": "duplicate"},
        True,
        "Votre proposition « Des bancs » a été rattachée à une proposition similaire.",
    ),
    (
        COMMENTED,
        {"comment_id": 1},
        True,
        "Nouveau commentaire sur votre proposition « Des bancs ».",
    ),
]


@pytest.mark.parametrize(("kind", "details", "about_proposal", "sentence"), SENTENCES)
def test_each_notification_is_a_sentence_written_when_shown(
    client, login, world, idea, kind, details, about_proposal, sentence
):
    tell(world.resident, kind, idea, about_proposal=about_proposal, **details)
    login(world.resident)
    assert sentence in text(client.get("/notifications/"))


def test_a_reply_on_someone_elses_proposal_says_it_answers_ones_comment(
    client, login, world, idea
):
    neighbour = factories.resident_of(world.dwellings[1])
    tell(neighbour, COMMENTED, idea, comment_id=1)
    login(neighbour)
    page = text(client.get("/notifications/"))
    assert "Nouvelle réponse à votre commentaire sur la proposition « Des bancs »." in (
        page
    )


def test_titles_are_escaped(client, login, world, idea):
    idea.consultation.title = "<script>alert(1)</script>"
    db.session.commit()
    tell(world.resident, OPENED, idea, about_proposal=False, phase="ideas")
    login(world.resident)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_list_shows_only_ones_own_newest_first_with_unread_ones_said_so(
    client, login, world, idea
):
    old = tell(
        world.resident, CHANGED, idea, about_proposal=False, minutes=60, phase="voting"
    )
    old.read_at = utcnow()
    db.session.commit()
    tell(world.resident, ANSWERED, idea, status="selected")
    tell(world.other_resident, MODERATED, idea, status="hidden")
    login(world.resident)
    page = text(client.get("/notifications/"))
    assert page.count("Non lue") == 1
    assert "1 notification non lue." in page
    assert page.index("Non lue Votre proposition « Des bancs » a reçu") < page.index(
        "passe à l'étape"
    )
    assert "masquée par la modération" not in page


def test_the_list_is_paginated_by_twenty(client, login, world, idea):
    for minutes in range(25):
        tell(world.resident, CHANGED, idea, minutes=minutes, phase="voting")
    login(world.resident)
    first = text(client.get("/notifications/"))
    second = text(client.get("/notifications/?page=2"))
    assert first.count("passe à l'étape") == 20
    assert second.count("passe à l'étape") == 5
    assert "Page 2 sur 2" in second


# Marking as read ----------------------------------------------------------------------


def test_viewing_a_notification_marks_it_read_and_opens_the_proposal(
    client, login, world, idea
):
    notification = tell(world.resident, ANSWERED, idea, status="selected")
    login(world.resident)
    response = client.post(f"/notifications/{notification.id}/lue")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/propositions/{idea.id}"
    assert unread(world.resident) == 0


def test_viewing_a_phase_change_opens_the_consultation(client, login, world, idea):
    notification = tell(world.resident, CHANGED, idea, about_proposal=False)
    login(world.resident)
    response = client.post(f"/notifications/{notification.id}/lue")
    assert response.headers["Location"] == f"/consultations/{idea.consultation_id}"


def test_viewing_an_already_read_notification_still_opens_it(
    client, login, world, idea
):
    notification = tell(world.resident, ANSWERED, idea, status="selected")
    login(world.resident)
    client.post(f"/notifications/{notification.id}/lue")
    response = client.post(f"/notifications/{notification.id}/lue")
    assert response.headers["Location"] == f"/propositions/{idea.id}"


@pytest.mark.parametrize("notification_id", ["theirs", 999_999])
def test_nobody_marks_someone_elses_or_a_missing_notification(
    client, login, world, idea, notification_id
):
    theirs = tell(world.resident, ANSWERED, idea, status="selected")
    login(world.other_resident)
    target = theirs.id if notification_id == "theirs" else notification_id
    assert client.post(f"/notifications/{target}/lue").status_code == 404
    assert unread(world.resident) == 1


def test_marking_is_a_post(client, login, world, idea):
    notification = tell(world.resident, ANSWERED, idea, status="selected")
    login(world.resident)
    assert client.get(f"/notifications/{notification.id}/lue").status_code == 405
    assert unread(world.resident) == 1


def test_mark_all_as_read_marks_only_ones_own(client, login, world, idea):
    for _ in range(3):
        tell(world.resident, CHANGED, idea, phase="voting")
    tell(world.other_resident, CHANGED, idea, phase="voting")
    login(world.resident)
    response = client.post("/notifications/tout-lu", follow_redirects=True)
    assert "3 notifications marquées comme lues." in text(response)
    assert "Non lue" not in text(response)
    assert "Tout marquer comme lu" not in text(response)
    assert (unread(world.resident), unread(world.other_resident)) == (0, 1)


def test_buttons_carry_a_csrf_token_and_a_post_without_one_is_refused(
    make_app, world, idea
):
    notification = tell(world.resident, ANSWERED, idea, status="selected")
    browser = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = browser.get("/compte/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    browser.post(
        "/compte/connexion",
        data={
            "email": world.resident.email,
            "password": factories.PASSWORD,
            "csrf_token": token,
        },
    )
    assert browser.post(f"/notifications/{notification.id}/lue").status_code == 400
    assert unread(world.resident) == 1
    page = browser.get("/notifications/").get_data(as_text=True)
    forms = re.findall(r'<form method="post".*?</form>', page, re.S)
    assert len(forms) >= 3  # logout, mark all, one "Voir"
    assert all('name="csrf_token"' in form for form in forms)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = browser.post(
        f"/notifications/{notification.id}/lue", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert unread(world.resident) == 0


# The unread count in the header -------------------------------------------------------


def test_the_header_shows_the_unread_count_in_words_too(client, login, world, idea):
    for _ in range(3):
        tell(world.resident, CHANGED, idea, phase="voting")
    login(world.resident)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r">Notifications <span aria-hidden=\"true\">\(3\)</span>", page)
    assert '<span class="visually-hidden">, 3 non lues</span>' in page


def test_the_header_shows_no_count_when_all_is_read(client, login, world):
    login(world.resident)
    page = client.get("/").get_data(as_text=True)
    assert ">Notifications</a>" in page
    assert "non lue" not in page


def test_anonymous_visitors_have_no_notifications_link(client, world):
    assert "/notifications/" not in client.get("/").get_data(as_text=True)


def test_the_profile_links_to_the_preferences(client, login, world):
    login(world.resident)
    page = client.get("/compte/").get_data(as_text=True)
    assert 'href="/notifications/preferences"' in page


# Preferences --------------------------------------------------------------------------


def checked(page: str) -> set[str]:
    return {
        name
        for name in (kind.value for kind in NotificationKind)
        if re.search(
            rf'<input checked[^>]*name="{name}"|name="{name}"[^>]*checked', page
        )
    }


def test_every_kind_is_offered_and_ticked_by_default(client, login, world):
    login(world.resident)
    response = client.get("/notifications/preferences")
    page = response.get_data(as_text=True)
    assert "<legend>Prévenez-moi quand :</legend>" in page
    for kind in NotificationKind:
        assert re.search(rf'<label for="{kind.value}">', page), kind
    assert checked(page) == {kind.value for kind in NotificationKind}


def test_preferences_are_saved_and_shown_back(client, login, world):
    login(world.resident)
    response = client.post(
        "/notifications/preferences",
        data={"sent": "1", "consultation_opened": "y", "proposal_answered": "y"},
    )
    assert response.headers["Location"] == "/notifications/preferences"
    assert notifications.disabled_kinds(world.resident) == set(NotificationKind) - {
        OPENED,
        ANSWERED,
    }
    page = client.get("/notifications/preferences")
    assert "Vos préférences de notification sont enregistrées." in text(page)
    assert checked(page.get_data(as_text=True)) == {
        "consultation_opened",
        "proposal_answered",
    }


def test_unticking_everything_switches_everything_off(client, login, world):
    login(world.resident)
    client.post("/notifications/preferences", data={"sent": "1"})
    assert notifications.disabled_kinds(world.resident) == set(NotificationKind)


def test_preferences_are_ones_own(client, login, world):
    login(world.resident)
    client.post("/notifications/preferences", data={"sent": "1"})
    assert notifications.disabled_kinds(world.other_resident) == set()


# Query counts -------------------------------------------------------------------------


def measure(client, count_queries, url: str) -> int:
    db.session.remove()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    assert statements
    return len(statements)


@pytest.mark.parametrize("url", ["/notifications/", "/"])
def test_pages_cost_the_same_queries_with_3_or_30_notifications(
    client, login, world, count_queries, url
):
    resident_id = world.resident.id
    consultation = factories.consultation(world.territory, Phase.IDEAS)
    consultation_id = consultation.id

    def add(n: int) -> None:
        user = db.session.get(User, resident_id)
        item = db.session.get(Consultation, consultation_id)
        for _ in range(n):
            proposal = factories.proposal(item, user)
            tell(user, ANSWERED, proposal, status="selected")
            tell(user, CHANGED, proposal, about_proposal=False, phase="voting")

    add(2)
    login(world.resident)
    small = measure(client, count_queries, url)
    add(15)
    assert measure(client, count_queries, url) == small
