"""GDPR: a person's data export is complete and theirs only; erasing an account
removes every personal field but keeps contributions and counted ballots."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from participation import permissions
from participation.extensions import db
from participation.models import (
    AuditEvent,
    Ballot,
    BallotChoice,
    Comment,
    Consultation,
    GroupMember,
    InvitationCode,
    MembershipStatus,
    Notification,
    NotificationKind,
    NotificationOptOut,
    Phase,
    Proposal,
    Report,
    Residency,
    Role,
    User,
    VerificationRequest,
    VoterUnit,
    WorkingGroup,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    accounts,
    audit,
    groups,
    invitations,
    notifications,
    privacy,
    proposals,
    voting,
)
from participation.timeutil import utcnow
from tests import factories
from tests.pages import count, fresh

NAME = "Zéphyrine Quillard"
EMAIL = "zephyrine.quillard@example.fr"


@dataclass
class Life:
    """A resident who did a bit of everything, and the things she touched."""

    person: User
    other: User
    ideas: Consultation
    by_person: Consultation
    by_household: Consultation
    proposal: Proposal
    others_proposal: Proposal
    comment: Comment
    open_group: WorkingGroup
    closed_group: WorkingGroup


def live(world) -> Life:
    """Build Zéphyrine's life on the platform, through the services."""
    now = utcnow()
    person = factories.resident_of(world.dwellings[1], display_name=NAME, email=EMAIL)
    other = world.resident
    other.display_name = "Octave Vernier"
    db.session.commit()
    factories.verification_request(person, world.building)
    code = invitations.issue_codes(None, world.territory, [world.dwellings[2]], now)
    accounts.claim_code(person, code[0].code, now)

    ideas = factories.consultation(world.territory, Phase.IDEAS, title="Idées")
    mine = factories.proposal(ideas, person, title="Des bancs", body="Près du square")
    theirs = factories.proposal(ideas, other, title="Un composteur")
    comment = proposals.post_comment(person, theirs, "Bonne idée, je signe.", now)
    proposals.post_comment(other, theirs, "Merci !", now, parent=comment)
    proposals.report(person, theirs, "Déjà proposé l'an dernier", now)

    ballots = {}
    for unit in VoterUnit:
        consultation = factories.consultation(
            world.territory, Phase.VOTING, voter_unit=unit, title=f"Vote {unit}"
        )
        choices = [factories.proposal(consultation, other) for _ in range(2)]
        voting.cast_ballot(person, consultation, [choices[0].id], now)
        voting.cast_ballot(other, consultation, [p.id for p in choices], now)
        ballots[unit] = consultation

    open_group = factories.group(world.territory, open_to_residents=True)
    closed_group = factories.group(world.territory, title="Groupe fermé")
    groups.join(person, open_group, now, message="J'habite au 3e, porte gauche")
    groups.join(person, closed_group, now, message="Je voudrais aider")
    notifications.set_preferences(
        person, [k for k in NotificationKind if k is not NotificationKind.PHASE_CHANGED]
    )
    notifications.notify(
        [person.id], NotificationKind.GROUP_MEMBERSHIP, now, group=open_group
    )
    audit.record(
        person,
        "group.accept_member",
        open_group,
        now,
        landlord_id=open_group.landlord_id,
        user_id=other.id,
    )
    db.session.commit()
    return Life(
        person=person,
        other=other,
        ideas=ideas,
        by_person=ballots[VoterUnit.PERSON],
        by_household=ballots[VoterUnit.DWELLING],
        proposal=mine,
        others_proposal=theirs,
        comment=comment,
        open_group=open_group,
        closed_group=closed_group,
    )


def database_dump() -> str:
    """Every row of every table, as text (what a leaked backup would show)."""
    db.session.rollback()
    lines = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def totals(life: Life) -> dict:
    db.session.expire_all()
    return {
        c.id: (voting.stored_totals(c), voting.recount(c))
        for c in (life.by_person, life.by_household)
    }


# Export


def test_the_export_holds_everything_about_the_person(world):
    life = live(world)
    data = privacy.export_personal_data(life.person, utcnow())

    assert data["account"]["email"] == EMAIL
    assert data["account"]["display_name"] == NAME
    assert {r["dwelling"] for r in data["residencies"]} == {
        world.dwellings[1].reference,
        world.dwellings[2].reference,
    }
    assert data["verification_requests"][0]["details"] == "2e étage"
    [code] = data["invitation_codes_used"]
    assert code["dwelling"] == world.dwellings[2].reference and code["used_at"]
    assert [p["title"] for p in data["proposals"]] == ["Des bancs"]
    assert data["proposals"][0]["body"] == "Près du square"
    assert [c["body"] for c in data["comments"]] == ["Bonne idée, je signe."]
    assert data["reports"][0]["reason"] == "Déjà proposé l'an dernier"
    assert sorted(b["consultation"] for b in data["ballots"]) == [
        "Vote dwelling",
        "Vote person",
    ]
    assert all(len(b["choices"]) == 1 for b in data["ballots"])
    memberships = {m["group"]: m for m in data["group_memberships"]}
    assert memberships[life.open_group.title]["status"] == "active"
    assert memberships["Groupe fermé"]["status"] == "pending"
    assert memberships["Groupe fermé"]["message"] == "Je voudrais aider"
    kinds = {n["kind"] for n in data["notifications"]}
    assert {"group_membership", "proposal_commented"} <= kinds
    assert data["notification_preferences"]["switched_off"] == ["phase_changed"]
    assert [e["action"] for e in data["audit_events"]] == ["group.accept_member"]
    json.dumps(data)  # JSON-ready as it is


def test_the_export_names_nobody_else(world):
    life = live(world)
    text = json.dumps(privacy.export_personal_data(life.person, utcnow()))

    for someone in (life.other, world.staff, world.admin):
        assert someone.email not in text
        assert someone.display_name not in text
    assert "Octave" not in text


def test_the_export_of_a_partner_lists_what_they_entered(world):
    objective = factories.objective(factories.group(world.territory))
    factories.measurement(
        objective,
        utcnow().date() - timedelta(days=3),
        9.0,
        note="relevé",
        reported_by_id=world.partner.id,
    )
    data = privacy.export_personal_data(world.partner, utcnow())

    assert data["account"]["organisation"] == world.partner_org.name
    assert [m["value"] for m in data["entered"]["measurements"]] == [9.0]


# Erasure


def test_erasing_removes_every_personal_field_from_the_database(world):
    life = live(world)
    assert NAME in database_dump() and EMAIL in database_dump()

    privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    dump = database_dump()
    assert EMAIL not in dump
    assert NAME not in dump
    assert "porte gauche" not in dump  # a membership request's message
    assert "2e étage" not in dump  # a verification request's details
    person = fresh(life.person)
    assert person.display_name == privacy.ERASED_NAME
    assert person.email.endswith("@" + privacy.ERASED_EMAIL_DOMAIN)
    assert not person.active
    assert person.last_login_at is None
    assert accounts.authenticate(EMAIL, factories.PASSWORD, utcnow()) is None
    assert accounts.authenticate(person.email, factories.PASSWORD, utcnow()) is None
    assert accounts.authenticate(person.email, "!", utcnow()) is None


def test_erasing_signs_every_session_out(world):
    life = live(world)
    token = life.person.login_token

    privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    assert fresh(life.person).login_token != token
    assert db.session.scalar(db.select(User).filter_by(login_token=token)) is None


def test_erasing_keeps_contributions_under_the_former_resident(world):
    life = live(world)
    before = (count(Proposal), count(Comment), count(Report))

    privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    assert (count(Proposal), count(Comment), count(Report)) == before
    proposal = fresh(life.proposal)
    assert proposal.author.display_name == "Ancien habitant"
    assert fresh(life.comment).author.display_name == "Ancien habitant"


def test_erased_ballots_stay_counted_but_unlinkable(world):
    life = live(world)
    before = totals(life)
    ballot_count, choice_count = count(Ballot), count(BallotChoice)

    privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    assert totals(life) == before
    for stored, recounted in before.values():
        assert stored == recounted
    assert (count(Ballot), count(BallotChoice)) == (ballot_count, choice_count)
    assert count(Ballot, Ballot.user_id == life.person.id) == 0
    assert count(Ballot, Ballot.voter_key == f"person:{life.person.id}") == 0
    own = db.session.scalars(
        db.select(Ballot).where(Ballot.consultation_id == life.by_person.id)
    ).all()
    erased = [b for b in own if b.user_id is None]
    assert len(erased) == 1
    assert erased[0].voter_key.startswith("erased:")
    assert erased[0].dwelling_id is None
    household = db.session.scalar(
        db.select(Ballot).where(
            Ballot.consultation_id == life.by_household.id,
            Ballot.voter_key == f"dwelling:{world.dwellings[1].id}",
        )
    )
    assert household is not None and household.user_id is None
    assert household.dwelling_id == world.dwellings[1].id


def test_erasing_ends_links_and_deletes_what_only_mattered_to_the_person(world):
    life = live(world)
    person_id = life.person.id

    privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    for model in (Notification, NotificationOptOut, Residency, VerificationRequest):
        assert count(model, model.user_id == person_id) == 0, model
    assert count(InvitationCode, InvitationCode.used_by_id == person_id) == 0
    assert count(InvitationCode, InvitationCode.used_at.is_not(None)) == 1
    statuses = db.session.scalars(
        db.select(GroupMember.status).filter_by(user_id=person_id)
    ).all()
    assert statuses and set(statuses) == {MembershipStatus.LEFT}
    # The other resident's notification of the comment is theirs: it stays.
    assert count(Notification, Notification.user_id == life.other.id) >= 1


def test_erasing_is_audited_without_personal_data(world):
    life = live(world)

    privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    event = db.session.scalar(db.select(AuditEvent).filter_by(action="account.delete"))
    assert event.object_type == "User" and event.object_id == life.person.id
    assert event.details == {}
    assert event.landlord_id is None


def test_a_wrong_password_erases_nothing(world):
    life = live(world)
    dump = database_dump()

    with pytest.raises(ValidationError) as error:
        privacy.delete_account(life.person, "pas le bon mot de passe", utcnow())

    assert error.value.errors == {"password": ["Mot de passe incorrect."]}
    assert database_dump() == dump


def test_an_account_is_erased_once(world):
    life = live(world)
    privacy.delete_account(life.person, factories.PASSWORD, utcnow())
    dump = database_dump()

    with pytest.raises(InvalidTransition):
        privacy.delete_account(fresh(life.person), "!", utcnow())

    assert database_dump() == dump
    assert count(AuditEvent, AuditEvent.action == "account.delete") == 1


@pytest.mark.parametrize("role", ["staff", "partner", "admin"])
def test_accounts_acting_for_an_organisation_are_not_self_erased(world, role):
    user = getattr(world, role)

    with pytest.raises(PermissionDenied):
        privacy.delete_account(user, factories.PASSWORD, utcnow())

    assert fresh(user).email == user.email
    assert fresh(user).active


def test_a_failure_half_way_leaves_everything_as_it_was(world, monkeypatch):
    life = live(world)
    dump = database_dump()

    def broken(user):
        raise RuntimeError("disk full")

    monkeypatch.setattr(privacy, "_anonymise", broken)
    with pytest.raises(RuntimeError):
        privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    assert database_dump() == dump


def test_only_residents_may_erase_their_account(world):
    assert privacy.can_delete_account(world.resident)
    assert privacy.can_delete_account(world.newcomer)
    for role in ("staff", "partner", "admin"):
        assert not privacy.can_delete_account(getattr(world, role))
    inactive = factories.user(Role.RESIDENT, active=False)
    assert not privacy.can_delete_account(inactive)


def test_an_administrator_cannot_edit_an_erased_account_back(world):
    life = live(world)
    privacy.delete_account(life.person, factories.PASSWORD, utcnow())

    person = fresh(life.person)
    assert not permissions.can_edit_user(world.admin, person)
    assert permissions.can_edit_user(world.admin, world.resident)
