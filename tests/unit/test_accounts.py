"""Accounts: who may register, log in, reset a password, and redeem a code."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from participation.extensions import db
from participation.models import (
    InvitationCode,
    Residency,
    Role,
    User,
    VerificationMethod,
)
from participation.services import ValidationError, accounts, invitations
from participation.timeutil import utcnow
from tests import factories

NEW_PASSWORD = "une phrase assez longue"
PASSWORD = "un mot de passe sûr"


def issue_code(world, dwelling=None, now=None) -> str:
    """A fresh plain invitation code for a dwelling (by default a vacant one)."""
    dwelling = dwelling or world.dwellings[1]
    issued = invitations.issue_codes(None, world.territory, [dwelling], now or utcnow())
    return issued[0].code


def register(email="marie@ex.fr", **values):
    values.setdefault("now", utcnow())
    values.setdefault("password", PASSWORD)
    return accounts.register(email=email, display_name="Marie", **values)


def user_count(email: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.email == email)
    )


def invitation_for(dwelling) -> InvitationCode:
    db.session.expire_all()
    return db.session.scalar(db.select(InvitationCode).filter_by(dwelling=dwelling))


# Registration -------------------------------------------------------------------------


def test_registering_without_a_code_creates_an_unverified_resident(world):
    now = utcnow()
    user = register(email="  Marie@Ex.FR ", now=now, language="en")
    db.session.expire_all()
    saved = db.session.get(User, user.id)
    assert saved.email == "marie@ex.fr"
    assert saved.role is Role.RESIDENT
    assert saved.language == "en"
    assert saved.created_at == now
    assert saved.residencies == []


def test_registering_with_an_unknown_language_falls_back_to_french(world):
    assert register(language="de").language == "fr"


def test_registering_with_a_valid_code_verifies_the_dwelling_at_once(world):
    now = utcnow()
    dwelling = world.dwellings[1]
    code = issue_code(world, dwelling, now)
    user = register(code=code, now=now)
    db.session.expire_all()
    [residency] = db.session.get(User, user.id).residencies
    assert residency.dwelling_id == dwelling.id
    assert residency.method is VerificationMethod.INVITATION_CODE
    assert residency.verified_at == now
    assert residency.ended_at is None
    invitation = invitation_for(dwelling)
    assert invitation.used_at == now
    assert invitation.used_by_id == user.id


def test_a_code_is_accepted_whatever_its_case_spaces_and_dashes(world):
    code = issue_code(world)
    typed = " " + code.lower().replace("-", " ") + " "
    user = register(code=typed)
    assert [r.dwelling_id for r in user.current_residencies] == [world.dwellings[1].id]


@pytest.mark.parametrize("case", ["unknown", "expired", "used", "replaced"])
def test_an_invalid_code_refuses_the_registration_and_saves_nothing(world, case):
    """Unknown, expired, already used or replaced by a newer letter: the person
    gets a message on the code field and no account is created."""
    now = utcnow()
    code = issue_code(world, now=now)
    when = now
    if case == "unknown":
        code = "AAAA-BBBB-CCCC"
    elif case == "expired":
        when = invitation_for(world.dwellings[1]).expires_at + timedelta(seconds=1)
    elif case == "used":
        register(email="first@ex.fr", code=code, now=now)
    elif case == "replaced":
        issue_code(world, now=now)
    with pytest.raises(ValidationError) as error:
        register(email="second@ex.fr", code=code, now=when)
    assert list(error.value.errors) == ["code"]
    assert user_count("second@ex.fr") == 0
    assert db.session.scalar(
        db.select(sa.func.count(Residency.id)).where(
            Residency.dwelling_id == world.dwellings[1].id
        )
    ) == (1 if case == "used" else 0)


def test_a_code_is_valid_until_just_before_it_expires(world):
    now = utcnow()
    code = issue_code(world, now=now)
    expires_at = invitation_for(world.dwellings[1]).expires_at
    user = register(code=code, now=expires_at - timedelta(seconds=1))
    assert user.current_residencies


def test_a_code_used_in_a_race_is_refused_by_the_conditional_update(world, monkeypatch):
    """Two people typing the same code at once both pass the first check; the
    conditional UPDATE lets only one of them consume it, and the other is left
    without an account."""
    code = issue_code(world)
    first = register(email="first@ex.fr", code=code)
    # The second person's check ran before the first one's UPDATE committed.
    monkeypatch.setattr(InvitationCode, "is_usable", lambda self, now: True)
    with pytest.raises(ValidationError) as error:
        register(email="second@ex.fr", code=code)
    assert "déjà été utilisé" in error.value.errors["code"][0]
    assert user_count("second@ex.fr") == 0
    assert invitation_for(world.dwellings[1]).used_by_id == first.id


def test_an_email_is_unique_whatever_its_case(world):
    register(email="marie@ex.fr")
    with pytest.raises(ValidationError) as error:
        register(email="Marie@Ex.FR")
    assert list(error.value.errors) == ["email"]
    assert user_count("marie@ex.fr") == 1


def test_a_taken_email_does_not_consume_the_code(world):
    code = issue_code(world)
    with pytest.raises(ValidationError):
        register(email=world.resident.email.upper(), code=code)
    assert invitation_for(world.dwellings[1]).used_at is None


@pytest.mark.parametrize(
    ("password", "accepted"), [("x" * 11, False), ("x" * 12, True)]
)
def test_a_password_has_at_least_twelve_characters(world, password, accepted):
    if accepted:
        assert register(password=password).id
        return
    with pytest.raises(ValidationError) as error:
        register(password=password)
    assert list(error.value.errors) == ["password"]
    assert user_count("marie@ex.fr") == 0


def test_the_plain_code_is_stored_nowhere_only_its_hash(world):
    code = issue_code(world)
    row = db.session.execute(sa.select(InvitationCode.__table__)).one()
    stored = " ".join(str(value) for value in row)
    for form in (code, code.replace("-", ""), code.lower()):
        assert form not in stored
    assert row.code_hash == invitations.hash_code(code)
    assert len(row.code_hash) == 64


# Claiming a code once logged in -------------------------------------------------------


def test_a_logged_in_resident_claims_a_code_for_their_dwelling(world):
    now = utcnow()
    code = issue_code(world, now=now)
    residency = accounts.claim_code(world.newcomer, code, now)
    db.session.expire_all()
    assert residency.user_id == world.newcomer.id
    assert residency.dwelling_id == world.dwellings[1].id
    assert residency.verified_at == now
    assert invitation_for(world.dwellings[1]).used_by_id == world.newcomer.id


def test_claiming_an_invalid_code_changes_nothing(world):
    with pytest.raises(ValidationError) as error:
        accounts.claim_code(world.newcomer, "ZZZZ-ZZZZ-ZZZZ", utcnow())
    assert list(error.value.errors) == ["code"]
    db.session.expire_all()
    assert db.session.get(User, world.newcomer.id).residencies == []


def test_claiming_a_new_code_for_a_former_home_renews_the_residency(world):
    """A resident who moved out and back gets their old residency back, not a
    second row for the same dwelling."""
    now = utcnow()
    dwelling = world.dwellings[0]
    [old] = world.resident.residencies
    old.ended_at = now - timedelta(days=30)
    db.session.commit()
    code = issue_code(world, dwelling, now)
    residency = accounts.claim_code(world.resident, code, now)
    db.session.expire_all()
    assert residency.id == old.id
    assert residency.ended_at is None
    assert residency.verified_at == now
    assert len(db.session.get(User, world.resident.id).residencies) == 1


# Authentication -----------------------------------------------------------------------


def test_good_credentials_log_in_and_record_the_time(world):
    now = utcnow()
    user = accounts.authenticate(" Resident@Example.FR", factories.PASSWORD, now)
    assert user.id == world.resident.id
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at == now


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "inactive"])
def test_bad_credentials_answer_none_and_record_nothing(world, case):
    email, password = world.resident.email, factories.PASSWORD
    if case == "wrong password":
        password = "pas le bon mot de passe"
    elif case == "unknown email":
        email = "nobody@example.fr"
    else:
        world.resident.active = False
        db.session.commit()
    assert accounts.authenticate(email, password, utcnow()) is None
    db.session.expire_all()
    assert db.session.get(User, world.resident.id).last_login_at is None


# Password reset -----------------------------------------------------------------------


def test_a_reset_token_names_its_account_within_the_hour(world):
    now = utcnow()
    token = accounts.make_reset_token(world.resident, now)
    max_age = 60 * 60
    assert accounts.user_for_reset_token(token, now) == world.resident
    later = now + timedelta(seconds=max_age - 1)
    assert accounts.user_for_reset_token(token, later) == world.resident


@pytest.mark.parametrize(
    "when",
    [timedelta(hours=1, seconds=2), timedelta(days=3), -timedelta(minutes=5)],
    ids=["just expired", "long expired", "from the future"],
)
def test_a_reset_token_outside_its_hour_is_refused(world, when):
    now = utcnow()
    token = accounts.make_reset_token(world.resident, now)
    assert accounts.user_for_reset_token(token, now + when) is None
    with pytest.raises(ValidationError):
        accounts.reset_password(token, NEW_PASSWORD, now + when)
    assert accounts.authenticate(world.resident.email, NEW_PASSWORD, now) is None


def test_a_tampered_reset_token_is_refused(world):
    now = utcnow()
    token = accounts.make_reset_token(world.resident, now)
    assert accounts.user_for_reset_token(token[:-2] + "xx", now) is None
    assert accounts.user_for_reset_token("nimporte-quoi", now) is None


def test_a_reset_token_of_a_deactivated_account_is_refused(world):
    now = utcnow()
    token = accounts.make_reset_token(world.resident, now)
    world.resident.active = False
    db.session.commit()
    assert accounts.user_for_reset_token(token, now) is None


def test_resetting_sets_the_password_and_signs_out_every_session(world):
    now = utcnow()
    old_login_token = world.resident.login_token
    token = accounts.make_reset_token(world.resident, now)
    accounts.reset_password(token, NEW_PASSWORD, now + timedelta(minutes=5))
    db.session.expire_all()
    user = db.session.get(User, world.resident.id)
    assert user.login_token != old_login_token
    assert accounts.authenticate(user.email, NEW_PASSWORD, now) == user
    assert accounts.authenticate(user.email, factories.PASSWORD, now) is None


def test_a_reset_token_works_only_once(world):
    now = utcnow()
    token = accounts.make_reset_token(world.resident, now)
    accounts.reset_password(token, NEW_PASSWORD, now)
    assert accounts.user_for_reset_token(token, now) is None
    with pytest.raises(ValidationError):
        accounts.reset_password(token, "encore un autre mot de passe", now)
    assert accounts.authenticate(world.resident.email, NEW_PASSWORD, now)


def test_a_reset_with_a_short_password_keeps_the_old_one(world):
    now = utcnow()
    token = accounts.make_reset_token(world.resident, now)
    with pytest.raises(ValidationError) as error:
        accounts.reset_password(token, "court", now)
    assert list(error.value.errors) == ["password"]
    assert accounts.authenticate(world.resident.email, factories.PASSWORD, now)
    assert accounts.user_for_reset_token(token, now) == world.resident


def test_a_reset_link_is_mailed_only_to_an_existing_active_account(world, app):
    from participation import mail

    links = []

    def make_link(token):
        links.append(token)
        return f"https://faireavec.test/compte/mot-de-passe/{token}"

    now = utcnow()
    accounts.request_password_reset("nobody@example.fr", now, make_link)
    world.staff.active = False
    db.session.commit()
    accounts.request_password_reset(world.staff.email, now, make_link)
    assert links == []
    assert not mail.outbox_dir().exists() or not list(mail.outbox_dir().iterdir())
    accounts.request_password_reset("RESIDENT@example.fr", now, make_link)
    [message] = list(mail.outbox_dir().glob("*.eml"))
    text = message.read_text()
    assert "To: resident@example.fr" in text
    assert accounts.user_for_reset_token(links[0], now) == world.resident


# Changing the password and the profile ------------------------------------------------


def test_changing_the_password_needs_the_current_one(world):
    before = world.resident.password_hash, world.resident.login_token
    with pytest.raises(ValidationError) as error:
        accounts.change_password(world.resident, "pas le bon", NEW_PASSWORD)
    assert list(error.value.errors) == ["current_password"]
    db.session.expire_all()
    user = db.session.get(User, world.resident.id)
    assert (user.password_hash, user.login_token) == before


def test_a_new_password_also_has_twelve_characters(world):
    with pytest.raises(ValidationError) as error:
        accounts.change_password(world.resident, factories.PASSWORD, "court")
    assert list(error.value.errors) == ["new_password"]


def test_changing_the_password_rotates_the_login_token(world):
    old_login_token = world.resident.login_token
    accounts.change_password(world.resident, factories.PASSWORD, NEW_PASSWORD)
    db.session.expire_all()
    user = db.session.get(User, world.resident.id)
    assert user.login_token != old_login_token
    assert accounts.authenticate(user.email, NEW_PASSWORD, utcnow()) == user


def test_the_profile_keeps_a_trimmed_name_and_a_known_language(world):
    accounts.update_profile(world.resident, display_name="  Aïcha ", language="en")
    db.session.expire_all()
    user = db.session.get(User, world.resident.id)
    assert (user.display_name, user.language) == ("Aïcha", "en")
    with pytest.raises(ValidationError):
        accounts.update_profile(user, display_name="Aïcha", language="de")
    db.session.expire_all()
    assert db.session.get(User, world.resident.id).language == "en"
