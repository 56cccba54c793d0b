"""Account pages for GDPR: "Mes données" (download) and deleting one's account."""

from __future__ import annotations

import json
import re

import pytest

from participation.extensions import db
from participation.models import AuditEvent, Proposal, User
from participation.services import privacy
from participation.timeutil import local_date, utcnow
from tests import factories
from tests.pages import count, field_errors, fresh, text
from tests.unit.test_privacy import EMAIL, NAME, database_dump, live, totals

DATA = "/compte/mes-donnees"
EXPORT = "/compte/mes-donnees/export"
DELETE = "/compte/supprimer"
CONFIRMED = {"password": factories.PASSWORD, "confirm": "y"}


def log_in(client, email: str, password: str = factories.PASSWORD):
    return client.post("/compte/connexion", data={"email": email, "password": password})


def logged_in(client) -> bool:
    return client.get("/compte/").status_code == 200


# Mes données


def test_the_account_page_leads_to_my_data(client, login, world):
    login(world.resident)

    assert f'href="{DATA}"' in client.get("/compte/").get_data(as_text=True)
    page = client.get(DATA)
    assert page.status_code == 200
    assert f'href="{EXPORT}"' in page.get_data(as_text=True)
    assert f'href="{DELETE}"' in page.get_data(as_text=True)


def test_i_download_my_data_as_a_dated_json_file(client, world):
    life = live(world)
    log_in(client, EMAIL)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    today = local_date(utcnow()).isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="faire-avec-mes-donnees-{today}.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == EMAIL
    assert data["account"]["display_name"] == NAME
    assert [p["title"] for p in data["proposals"]] == ["Des bancs"]
    body = response.get_data(as_text=True)
    assert life.other.email not in body and "Octave" not in body


@pytest.mark.parametrize("url", [DATA, EXPORT, DELETE])
def test_visitors_are_sent_to_the_login_page(client, world, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_staff_are_told_to_ask_their_administrator(client, login, world):
    login(world.staff)

    data = text(client.get(DATA))
    page = client.get(DELETE)

    assert "adressez-vous à l'administrateur" in data
    assert f'href="{DELETE}"' not in client.get(DATA).get_data(as_text=True)
    assert page.status_code == 200
    assert "adressez-vous à l'administrateur" in text(page)
    assert 'type="password"' not in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "partner", "admin"])
def test_organisation_accounts_cannot_post_a_deletion(client, login, world, role):
    user = getattr(world, role)
    login(user)

    assert client.post(DELETE, data=CONFIRMED).status_code == 403

    assert fresh(user).email == user.email and fresh(user).active
    assert logged_in(client)


# Deleting my account


def test_the_page_explains_what_happens_before_asking_for_the_password(
    client, login, world
):
    login(world.resident)

    page = client.get(DELETE)

    assert page.status_code == 200
    words = text(page)
    assert "Ancien habitant" in words
    assert "restent comptés" in words
    assert "définitif" in words
    html = page.get_data(as_text=True)
    assert re.search(r'<label for="password">', html)
    assert re.search(r'<label for="confirm">', html)


def test_i_delete_my_account_and_am_logged_out(client, world):
    life = live(world)
    before = totals(life)
    log_in(client, EMAIL)

    response = client.post(DELETE, data=CONFIRMED)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert "Votre compte est supprimé" in text(client.get("/"))
    assert not logged_in(client)
    dump = database_dump()
    assert EMAIL not in dump and NAME not in dump
    assert totals(life) == before
    assert count(AuditEvent, AuditEvent.action == "account.delete") == 1
    # The person cannot log back in, with either address.
    assert log_in(client, EMAIL).status_code == 200
    assert not logged_in(client)
    placeholder = fresh(life.person).email
    assert log_in(client, placeholder).status_code == 200
    assert not logged_in(client)


def test_old_proposals_and_comments_show_the_former_resident(client, world):
    life = live(world)
    log_in(client, EMAIL)
    client.post(DELETE, data=CONFIRMED)

    mine = text(client.get(f"/propositions/{life.proposal.id}"))
    theirs = text(client.get(f"/propositions/{life.others_proposal.id}"))
    listing = text(client.get(f"/consultations/{life.ideas.id}"))

    assert "Des bancs" in mine and "Ancien habitant" in mine
    assert "Bonne idée, je signe." in theirs and "Ancien habitant" in theirs
    assert "Des bancs" in listing
    for page in (mine, theirs, listing):
        assert NAME not in page


def test_other_devices_are_signed_out_too(app, world):
    live(world)
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, EMAIL)
    laptop.post(
        "/compte/connexion",
        data={"email": EMAIL, "password": factories.PASSWORD, "remember": "y"},
    )
    assert logged_in(laptop)

    phone.post(DELETE, data=CONFIRMED)

    assert not logged_in(laptop)


def test_a_wrong_password_deletes_nothing(client, world):
    live(world)
    log_in(client, EMAIL)
    dump = database_dump()

    response = client.post(DELETE, data={"password": "pas le bon", "confirm": "y"})

    assert response.status_code == 422
    assert field_errors(response, "password") == "Mot de passe incorrect."
    assert database_dump() == dump
    assert logged_in(client)


def test_the_confirmation_box_must_be_ticked(client, world):
    live(world)
    log_in(client, EMAIL)
    dump = database_dump()

    response = client.post(DELETE, data={"password": factories.PASSWORD})

    assert response.status_code == 422
    assert "Cochez la case" in field_errors(response, "confirm")
    assert database_dump() == dump


def test_a_second_submission_changes_nothing(client, world):
    life = live(world)
    log_in(client, EMAIL)
    client.post(DELETE, data=CONFIRMED)
    dump = database_dump()

    again = client.post(DELETE, data=CONFIRMED)

    assert again.status_code == 302
    assert "/compte/connexion" in again.headers["Location"]
    assert database_dump() == dump
    assert count(AuditEvent, AuditEvent.action == "account.delete") == 1
    assert fresh(life.person).display_name == "Ancien habitant"


def test_a_second_submission_from_another_device_changes_nothing(app, world):
    life = live(world)
    first, second = app.test_client(), app.test_client()
    log_in(first, EMAIL)
    log_in(second, EMAIL)
    first.post(DELETE, data=CONFIRMED)
    dump = database_dump()

    response = second.post(DELETE, data=CONFIRMED)

    assert response.status_code == 302
    assert database_dump() == dump
    assert count(User, User.id == life.person.id) == 1


def test_deleting_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        *_, homes = factories.tree(factories.organisation())
        person = factories.resident_of(homes[0], email=EMAIL)
        client = app.test_client()
        page = client.get("/compte/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        client.post(
            "/compte/connexion",
            data={
                "email": EMAIL,
                "password": factories.PASSWORD,
                "csrf_token": token.group(1),
            },
        )
        assert logged_in(client)

        response = client.post(DELETE, data=CONFIRMED)

        assert response.status_code == 400
        assert fresh(person).email == EMAIL and fresh(person).active
        assert logged_in(client)


def test_the_erased_account_keeps_its_proposals_counted(client, world):
    life = live(world)
    listed = count(Proposal, Proposal.consultation_id == life.ideas.id)
    log_in(client, EMAIL)

    client.post(DELETE, data=CONFIRMED)

    assert count(Proposal, Proposal.consultation_id == life.ideas.id) == listed
    assert fresh(life.proposal).author_id == life.person.id
    assert privacy.is_erased(fresh(life.person))
    db.session.rollback()
