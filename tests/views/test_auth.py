"""Account pages: logging in and out, signing up, passwords, profile, dwelling."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from participation import mail
from participation.extensions import db
from participation.models import (
    InvitationCode,
    Residency,
    User,
    VerificationRequest,
)
from participation.services import accounts, invitations
from participation.timeutil import utcnow
from tests import factories

NEW_PASSWORD = "une phrase assez longue"
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
RESET_SENT = "Si un compte existe avec cette adresse"


def fresh(user: User) -> User:
    """The account as the database has it now."""
    db.session.expire_all()
    return db.session.get(User, user.id)


def user_by_email(address: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).filter_by(email=address))


def issue_code(world, dwelling=None) -> str:
    dwelling = dwelling or world.dwellings[1]
    return invitations.issue_codes(None, world.territory, [dwelling], utcnow())[0].code


def is_logged_in(client) -> bool:
    response = client.get("/compte/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def log_in(client, user, password=factories.PASSWORD, **data):
    return client.post(
        "/compte/connexion",
        data={"email": user.email, "password": password, **data},
    )


def outbox() -> list:
    folder = mail.outbox_dir()
    if not folder.exists():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def can_log_in(user, password) -> bool:
    db.session.expire_all()  # the requests changed the account behind our back
    return accounts.authenticate(user.email, password, utcnow()) is not None


def cookie(client, name):
    return client.get_cookie(name, domain="faireavec.test")


def html(response) -> str:
    """The page's text, entities decoded (Jinja escapes apostrophes)."""
    return unescape(response.get_data(as_text=True))


REGISTRATION = {
    "display_name": "Marie",
    "email": "marie@ex.fr",
    "password": NEW_PASSWORD,
    "password_confirm": NEW_PASSWORD,
}


# Logging in ---------------------------------------------------------------------------


def test_the_login_page_is_a_french_form(client):
    response = client.get("/compte/connexion")
    assert response.status_code == 200
    page = html(response)
    assert 'lang="fr"' in page
    assert 'name="email"' in page and 'name="password"' in page


def test_good_credentials_log_in_and_go_home(client, world):
    response = log_in(client, world.resident)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client)
    assert fresh(world.resident).last_login_at is not None


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "inactive"])
def test_bad_credentials_get_one_message_that_reveals_no_account(client, world, case):
    """Unknown email, wrong password and deactivated account read the same, so
    the form cannot be used to find out who has an account."""
    email_, password = world.resident.email, factories.PASSWORD
    if case == "unknown email":
        email_ = "nobody@example.fr"
    elif case == "wrong password":
        password = "pas le bon mot de passe"
    else:
        world.resident.active = False
        db.session.commit()
    response = client.post(
        "/compte/connexion", data={"email": email_, "password": password}
    )
    assert response.status_code == 200
    page = html(response)
    assert BAD_CREDENTIALS in page
    assert "aria-invalid" not in page  # no field singled out either
    assert not is_logged_in(client)
    assert fresh(world.resident).last_login_at is None


def test_a_malformed_email_is_explained_next_to_the_field(client, world):
    response = client.post(
        "/compte/connexion", data={"email": "pas-une-adresse", "password": "x"}
    )
    page = html(response)
    assert "Cette adresse e-mail n'est pas valide" in page
    assert re.search(r'<input[^>]*aria-describedby="email-errors"', page)
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*name="email"', page)
    assert not is_logged_in(client)


def test_remember_me_sets_a_lasting_cookie_only_when_asked(app, client, world):
    log_in(client, world.resident)
    assert cookie(client, "remember_token") is None
    other = app.test_client()
    log_in(other, world.resident, remember="y")
    remembered = cookie(other, "remember_token")
    assert remembered is not None
    assert remembered.expires is not None


def test_a_remembered_login_survives_the_end_of_the_browser_session(app, world):
    browser = app.test_client()
    log_in(browser, world.resident, remember="y")
    browser.delete_cookie("session", domain="faireavec.test")
    assert is_logged_in(browser)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/compte/mot-de-passe", "/compte/mot-de-passe"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("http:/evil.example", "/"),
    ],
)
def test_login_follows_next_only_within_the_site(client, world, target, expected):
    response = client.post(
        "/compte/connexion",
        query_string={"next": target},
        data={"email": world.resident.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_a_logged_in_person_visiting_the_login_page_goes_home(client, world, login):
    login(world.resident)
    response = client.get("/compte/connexion")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_private_page_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/compte/mot-de-passe")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/compte/connexion?next=")


# Logging out --------------------------------------------------------------------------


def test_logging_out_is_a_post_only(client, world, login):
    login(world.resident)
    response = client.get("/compte/deconnexion")
    assert response.status_code == 405
    assert "Action impossible" in html(response)
    assert is_logged_in(client)


def test_logging_out_ends_the_session(client, world, login):
    login(world.resident)
    response = client.post("/compte/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté·e" in html(response)
    assert not is_logged_in(client)


# Signing up ---------------------------------------------------------------------------


def test_the_code_in_the_letter_link_is_filled_in(client):
    response = client.get("/compte/inscription?code=K7QF-M2XA-9HRT")
    assert response.status_code == 200
    assert re.search(
        r'<input[^>]*name="code"[^>]*value="K7QF-M2XA-9HRT"', html(response)
    )


def test_signing_up_with_a_code_confirms_the_dwelling_and_shows_it(client, world):
    code = issue_code(world)
    response = client.post("/compte/inscription", data={**REGISTRATION, "code": code})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = user_by_email("marie@ex.fr")
    assert [r.dwelling_id for r in user.current_residencies] == [world.dwellings[1].id]
    home = html(client.get("/"))
    assert "votre logement est confirmé" in home
    assert f"Logement {world.dwellings[1].reference}" in home
    assert "Habitat Test" in home


def test_signing_up_without_a_code_leads_to_the_verification_page(client, world):
    response = client.post("/compte/inscription", data=REGISTRATION)
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/verification"
    user = user_by_email("marie@ex.fr")
    assert user is not None and user.residencies == []
    page = client.get("/compte/verification")
    assert page.status_code == 200
    assert "Indiquez maintenant où vous habitez" in html(page)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "", "Indiquez comment vous appeler."),
        ("email", "marie-at-ex.fr", "Cette adresse e-mail n'est pas valide"),
        ("password", "trop court", "entre 12 et 128 caractères"),
        ("password_confirm", "une autre phrase longue", "ne sont pas identiques"),
        ("code", "AAAA-BBBB-CCCC", "Ce code d'invitation n'est pas valable"),
    ],
)
def test_bad_sign_up_input_is_explained_next_to_the_field_and_saves_nothing(
    client, world, field, value, message
):
    data = {**REGISTRATION, field: value}
    if field == "password":
        data["password_confirm"] = value
    response = client.post("/compte/inscription", data=data)
    assert response.status_code == 200
    page = html(response)
    errors = re.search(
        rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', page, re.S
    )
    assert errors and message in errors.group(1)
    tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in tag
    assert f"{field}-errors" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
    assert user_by_email("marie@ex.fr") is None
    assert not is_logged_in(client)


def test_an_email_already_used_in_another_case_is_refused(client, world):
    response = client.post(
        "/compte/inscription", data={**REGISTRATION, "email": "Resident@Example.FR"}
    )
    assert "Un compte existe déjà avec cette adresse" in html(response)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == len(
        db.session.scalars(sa.select(User.id)).all()
    )
    assert user_by_email("resident@example.fr").id == world.resident.id
    assert not is_logged_in(client)


def test_a_code_cannot_be_used_for_a_second_account(app, client, world):
    code = issue_code(world)
    client.post("/compte/inscription", data={**REGISTRATION, "code": code})
    second = app.test_client()
    response = second.post(
        "/compte/inscription",
        data={**REGISTRATION, "email": "paul@ex.fr", "code": code},
    )
    assert response.status_code == 200
    assert user_by_email("paul@ex.fr") is None


def test_the_language_chosen_before_signing_up_is_kept(client, world):
    client.post("/langue", data={"language": "en"})
    client.post("/compte/inscription", data=REGISTRATION)
    assert user_by_email("marie@ex.fr").language == "en"


# Forgotten password -------------------------------------------------------------------


def test_asking_for_a_reset_says_the_same_whether_the_account_exists(client, world):
    answers = []
    for address in ("nobody@example.fr", world.resident.email):
        response = client.post(
            "/compte/mot-de-passe-oublie",
            data={"email": address},
            follow_redirects=True,
        )
        answers.append(html(response).count(RESET_SENT))
    assert answers == [1, 1]
    [message] = outbox()
    assert message["To"] == world.resident.email


def test_the_mailed_link_lets_one_choose_a_new_password_once(client, world):
    client.post("/compte/mot-de-passe-oublie", data={"email": world.resident.email})
    [message] = outbox()
    link = re.search(r"https?://\S+", message.get_content()).group(0)
    assert link.startswith("http://faireavec.test/compte/mot-de-passe/")
    assert client.get(link).status_code == 200
    response = client.post(
        link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/connexion"
    assert can_log_in(world.resident, NEW_PASSWORD)
    again = client.get(link)
    assert again.status_code == 302
    assert again.headers["Location"] == "/compte/mot-de-passe-oublie"


@pytest.mark.parametrize("case", ["garbage", "expired"])
def test_a_bad_or_expired_reset_link_sends_back_to_the_request_form(
    client, world, case
):
    token = "pas-un-jeton"
    if case == "expired":
        token = accounts.make_reset_token(world.resident, utcnow() - timedelta(hours=2))
    for method in (client.get, client.post):
        response = method(
            f"/compte/mot-de-passe/{token}",
            data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/compte/mot-de-passe-oublie"
    page = html(client.get("/compte/mot-de-passe-oublie"))
    assert "Ce lien n'est plus valable" in page
    assert not can_log_in(world.resident, NEW_PASSWORD)


def test_a_short_new_password_is_refused_on_the_reset_page(client, world):
    token = accounts.make_reset_token(world.resident, utcnow())
    response = client.post(
        f"/compte/mot-de-passe/{token}",
        data={"password": "court", "password_confirm": "court"},
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html(response)
    assert can_log_in(world.resident, factories.PASSWORD)


# Profile ------------------------------------------------------------------------------


def test_the_profile_shows_the_account_and_its_dwelling(client, world, login):
    login(world.resident)
    page = html(client.get("/compte/"))
    assert world.resident.email in page
    assert f"Logement {world.dwellings[0].reference}" in page


def test_editing_the_profile_changes_the_name_and_the_page_language(
    client, world, login
):
    login(world.resident)
    response = client.post(
        "/compte/", data={"display_name": " Aïcha ", "language": "en"}
    )
    assert response.status_code == 302
    user = fresh(world.resident)
    assert (user.display_name, user.language) == ("Aïcha", "en")
    page = html(client.get("/compte/"))
    assert 'lang="en"' in page
    assert "My account" in page


def test_an_empty_name_or_an_unknown_language_changes_nothing(client, world, login):
    login(world.resident)
    name = world.resident.display_name
    for data in (
        {"display_name": "", "language": "fr"},
        {"display_name": "Aïcha", "language": "de"},
    ):
        response = client.post("/compte/", data=data)
        assert response.status_code == 200
        assert 'aria-invalid="true"' in html(response)
    user = fresh(world.resident)
    assert (user.display_name, user.language) == (name, "fr")


# Changing the password ----------------------------------------------------------------


def test_a_wrong_current_password_is_refused_next_to_its_field(client, world, login):
    login(world.resident)
    before = world.resident.password_hash
    response = client.post(
        "/compte/mot-de-passe",
        data={
            "current_password": "pas le bon",
            "new_password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    page = html(response)
    assert response.status_code == 200
    assert "Mot de passe actuel incorrect." in page
    assert 'aria-describedby="current_password-errors"' in page
    assert fresh(world.resident).password_hash == before


def test_changing_the_password_signs_out_the_other_sessions_only(
    app, client, world, login
):
    login(world.resident)
    elsewhere = app.test_client()
    log_in(elsewhere, world.resident, remember="y")
    stolen = app.test_client()
    stolen.set_cookie(
        "session", cookie(client, "session").value, domain="faireavec.test"
    )
    assert is_logged_in(elsewhere) and is_logged_in(stolen)
    response = client.post(
        "/compte/mot-de-passe",
        data={
            "current_password": factories.PASSWORD,
            "new_password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert is_logged_in(client)
    assert not is_logged_in(elsewhere)
    assert not is_logged_in(stolen)  # the old session cookie no longer works
    assert can_log_in(world.resident, NEW_PASSWORD)


# Confirming one's dwelling ------------------------------------------------------------


def test_a_resident_confirms_their_dwelling_with_a_code(client, world, login):
    code = issue_code(world)
    login(world.newcomer)
    response = client.post("/compte/code", data={"code": code})
    assert response.status_code == 302
    user = fresh(world.newcomer)
    assert [r.dwelling_id for r in user.current_residencies] == [world.dwellings[1].id]
    assert "Votre logement est confirmé." in html(client.get("/"))


def test_a_wrong_code_is_explained_and_changes_nothing(client, world, login):
    login(world.newcomer)
    response = client.post("/compte/code", data={"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 422
    page = html(response)
    assert "Ce code d'invitation n'est pas valable" in page
    assert 'aria-describedby="code-hint code-errors"' in page
    assert fresh(world.newcomer).residencies == []


@pytest.mark.parametrize("role", ["staff", "partner", "admin"])
def test_only_residents_claim_codes_or_ask_for_verification(client, world, login, role):
    code = issue_code(world)
    person = getattr(world, role)
    login(person)
    assert client.post("/compte/code", data={"code": code}).status_code == 403
    assert client.get("/compte/verification").status_code == 403
    response = client.post(
        "/compte/verification",
        data={"place": world.building.id, "details": "2e étage"},
    )
    assert response.status_code == 403
    assert "Accès refusé" in html(response)
    db.session.expire_all()
    assert db.session.scalar(db.select(InvitationCode)).used_at is None
    assert db.session.scalars(db.select(VerificationRequest)).all() == []
    assert (
        db.session.scalars(db.select(Residency).filter_by(user_id=person.id)).all()
        == []
    )


def test_a_resident_without_a_code_asks_for_verification_once(client, world, login):
    login(world.newcomer)
    page = html(client.get("/compte/verification"))
    assert f'<option value="{world.building.id}">' in page
    data = {"place": world.building.id, "details": " 2e étage, porte 4 "}
    response = client.post("/compte/verification", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    [request] = db.session.scalars(db.select(VerificationRequest)).all()
    assert (request.user_id, request.place_id) == (world.newcomer.id, world.building.id)
    assert request.details == "2e étage, porte 4"
    second = client.post(
        "/compte/verification", data={**data, "details": "autre chose"}
    )
    assert second.status_code == 200
    assert "en cours d'examen" in html(second)
    db.session.expire_all()
    assert len(db.session.scalars(db.select(VerificationRequest)).all()) == 1


def test_a_verification_request_needs_a_building_and_details(client, world, login):
    login(world.newcomer)
    for data in (
        {"place": 0, "details": "2e étage"},
        {"place": world.entrance.id, "details": "2e étage"},
        {"place": world.building.id, "details": ""},
    ):
        response = client.post("/compte/verification", data=data)
        assert response.status_code == 200
        assert 'aria-invalid="true"' in html(response)
    db.session.expire_all()
    assert db.session.scalars(db.select(VerificationRequest)).all() == []


# Language -----------------------------------------------------------------------------


def test_an_anonymous_visitor_switches_the_site_to_english(client):
    response = client.post(
        "/langue", data={"language": "en", "next": "/compte/connexion"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/connexion"
    page = html(client.get("/compte/connexion"))
    assert 'lang="en"' in page
    assert "Sign in" in page


def test_an_unknown_language_is_ignored_and_next_stays_on_site(client):
    response = client.post(
        "/langue", data={"language": "de", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"
    assert 'lang="fr"' in html(client.get("/"))
    assert client.get("/langue").status_code == 405


def test_a_logged_in_person_s_language_choice_is_kept_on_the_account(
    client, world, login
):
    login(world.resident)
    client.post("/langue", data={"language": "en"})
    assert fresh(world.resident).language == "en"


# CSRF and rate limits -----------------------------------------------------------------


def test_a_post_without_its_csrf_token_is_refused_in_french(make_app, world):
    browser = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = browser.post("/compte/inscription", data=REGISTRATION)
    assert response.status_code == 400
    page = html(response)
    assert "Le formulaire a expiré ou n'est pas valide" in page
    assert 'lang="fr"' in page
    assert user_by_email("marie@ex.fr") is None


def test_login_attempts_are_rate_limited_with_a_french_page(make_app, world):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute")
    browser = limited.test_client()
    codes = [log_in(browser, world.resident, "mauvais").status_code for _ in range(2)]
    blocked = log_in(browser, world.resident)  # even with the right password
    assert codes == [200, 200]
    assert blocked.status_code == 429
    assert "Trop de tentatives" in html(blocked)
    assert browser.get("/compte/connexion").status_code == 200  # reading is free
    assert fresh(world.resident).last_login_at is None


def test_a_logged_in_resident_scanning_a_letter_gets_the_code_prefilled(
    client, login, world
):
    """The QR code leads to sign-up; a resident already logged in lands on their
    account page with the code ready to confirm."""
    login(world.newcomer)
    response = client.get("/compte/inscription?code=ABCD-EFGH-JKMN")
    assert response.status_code == 302
    assert response.location.endswith("/compte/?code=ABCD-EFGH-JKMN")
    page = client.get(response.location).get_data(as_text=True)
    assert 'value="ABCD-EFGH-JKMN"' in page


def test_invitation_code_attempts_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_REGISTER="2 per minute")
    with app.app_context():
        factories.user(email="essais@example.fr")
    client = app.test_client()
    client.post(
        "/compte/connexion",
        data={"email": "essais@example.fr", "password": factories.PASSWORD},
    )
    codes = [
        client.post("/compte/code", data={"code": "AAAA-BBBB-CCCC"}).status_code
        for _ in range(3)
    ]
    assert codes == [422, 422, 429]
