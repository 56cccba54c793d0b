"""Consultations: phases from dates, staff moves, editing rules, eligibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from participation.extensions import db
from participation.models import AuditEvent, Consultation, Phase, VoterUnit
from participation.models.consultation import VotingMethod
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    consultations,
)
from tests import factories

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def values(**overrides) -> consultations.ConsultationValues:
    base = {
        "title": "Encombrants : vos idées",
        "summary": "Des pieds d'immeuble propres.",
        "body": "## Pourquoi\n\nParce que.",
        "theme": "waste",
        "opens_at": NOW,
        "voting_opens_at": NOW + 21 * DAY,
        "voting_closes_at": NOW + 35 * DAY,
        "follow_up_at": NOW + 42 * DAY,
    }
    base.update(overrides)
    return consultations.ConsultationValues(**base)


def audit_actions(consultation) -> list[str]:
    return db.session.scalars(
        db.select(AuditEvent.action)
        .filter_by(object_type="Consultation", object_id=consultation.id)
        .order_by(AuditEvent.id)
    ).all()


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (NOW - timedelta(seconds=1), Phase.DRAFT),
        (NOW, Phase.IDEAS),
        (NOW + 21 * DAY - timedelta(seconds=1), Phase.IDEAS),
        (NOW + 21 * DAY, Phase.VOTING),
        (NOW + 35 * DAY, Phase.RESULTS),
        (NOW + 42 * DAY, Phase.FOLLOW_UP),
        (NOW + 4000 * DAY, Phase.FOLLOW_UP),
    ],
)
def test_the_phase_is_read_off_the_dates(moment, phase):
    consultation = Consultation(
        opens_at=NOW,
        voting_opens_at=NOW + 21 * DAY,
        voting_closes_at=NOW + 35 * DAY,
        follow_up_at=NOW + 42 * DAY,
    )
    assert consultation.phase(moment) is phase


def test_staff_open_a_consultation_with_markdown_cleaned_and_an_audit_event(world):
    consultation = consultations.create_consultation(
        world.staff,
        world.territory,
        values(body="# Titre\n\n<script>alert(1)</script> **gras**"),
        NOW - DAY,
    )
    assert consultation.phase(NOW - DAY) is Phase.DRAFT
    assert consultation.landlord_id == world.landlord.id
    assert "<script" not in consultation.body_html
    assert "<h3>Titre</h3>" in consultation.body_html
    assert "<strong>gras</strong>" in consultation.body_html
    assert audit_actions(consultation) == ["consultation.create"]


@pytest.mark.parametrize("who", ["other_staff", "partner", "resident", "newcomer"])
def test_only_the_landlords_staff_and_admins_open_consultations(world, who):
    with pytest.raises(PermissionDenied):
        consultations.create_consultation(
            getattr(world, who), world.territory, values(), NOW
        )
    assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0


def test_admins_open_consultations_for_any_landlord(world):
    consultation = consultations.create_consultation(
        world.admin, world.other_building, values(), NOW
    )
    assert consultation.landlord_id == world.other_landlord.id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "abc"}, "title"),
        ({"voting_opens_at": NOW + 50 * DAY}, "voting_opens_at"),
        ({"follow_up_at": NOW + 35 * DAY}, "voting_opens_at"),
        ({"method": VotingMethod.BUDGET}, "budget"),
        ({"max_choices": 0}, "max_choices"),
        ({"quorum_percent": 150}, "quorum_percent"),
    ],
)
def test_bad_values_are_refused_field_by_field_and_nothing_is_saved(
    world, overrides, field
):
    with pytest.raises(ValidationError) as caught:
        consultations.create_consultation(
            world.staff, world.territory, values(**overrides), NOW
        )
    assert field in caught.value.errors
    assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0


def test_a_new_consultation_cannot_end_in_the_past(world):
    with pytest.raises(ValidationError) as caught:
        consultations.create_consultation(
            world.staff,
            world.territory,
            values(
                opens_at=NOW - 10 * DAY,
                voting_opens_at=NOW - 5 * DAY,
            ),
            NOW,
        )
    assert "voting_opens_at" in caught.value.errors


def test_the_voting_rules_are_locked_once_voting_has_started(world):
    consultation = consultations.create_consultation(
        world.staff, world.territory, values(), NOW
    )
    during_vote = NOW + 22 * DAY
    with pytest.raises(ValidationError) as caught:
        consultations.update_consultation(
            world.staff,
            consultation,
            values(method=VotingMethod.SINGLE, voter_unit=VoterUnit.PERSON),
            during_vote,
        )
    assert set(caught.value.errors) == {"method", "voter_unit"}
    db.session.expire_all()
    assert consultation.method is VotingMethod.APPROVAL


def test_text_and_future_dates_stay_editable_during_the_vote(world):
    consultation = consultations.create_consultation(
        world.staff, world.territory, values(), NOW
    )
    during_vote = NOW + 22 * DAY
    consultations.update_consultation(
        world.staff,
        consultation,
        values(
            title="Encombrants : on vote !",
            voting_opens_at=consultation.voting_opens_at,
            voting_closes_at=NOW + 40 * DAY,
            follow_up_at=NOW + 50 * DAY,
        ),
        during_vote,
    )
    assert consultation.title == "Encombrants : on vote !"
    assert consultation.voting_closes_at == NOW + 40 * DAY
    assert audit_actions(consultation) == ["consultation.create", "consultation.edit"]


def test_a_past_date_is_not_moved_by_editing(world):
    consultation = consultations.create_consultation(
        world.staff, world.territory, values(), NOW
    )
    with pytest.raises(ValidationError) as caught:
        consultations.update_consultation(
            world.staff,
            consultation,
            values(opens_at=NOW + DAY),
            NOW + 2 * DAY,
        )
    assert "opens_at" in caught.value.errors


def test_closing_a_phase_early_starts_the_next_one_now_with_an_audit_event(world):
    consultation = consultations.create_consultation(
        world.staff, world.territory, values(), NOW
    )
    later = NOW + 3 * DAY
    assert consultations.close_phase(world.staff, consultation, later) is Phase.VOTING
    assert consultation.voting_opens_at == later
    assert consultation.voting_closes_at == NOW + 35 * DAY  # the rest is unchanged
    event = db.session.scalars(
        db.select(AuditEvent).filter_by(action="consultation.close_phase")
    ).one()
    assert event.details == {"closed": "ideas", "opened": "voting"}
    assert event.actor_id == world.staff.id


def test_closing_the_draft_opens_the_consultation_now(world):
    consultation = factories.consultation(world.territory, Phase.DRAFT, now=NOW)
    consultations.close_phase(world.staff, consultation, NOW)
    assert consultation.phase(NOW) is Phase.IDEAS


def test_the_follow_up_has_no_end_to_close_or_extend(world):
    consultation = factories.consultation(world.territory, Phase.FOLLOW_UP, now=NOW)
    with pytest.raises(InvalidTransition):
        consultations.close_phase(world.staff, consultation, NOW)
    with pytest.raises(InvalidTransition):
        consultations.extend_phase(world.staff, consultation, NOW + DAY, NOW)


def test_extending_a_phase_moves_the_later_dates_by_as_much(world):
    consultation = consultations.create_consultation(
        world.staff, world.territory, values(), NOW
    )
    consultations.extend_phase(world.staff, consultation, NOW + 28 * DAY, NOW + DAY)
    assert consultation.phase(NOW + 25 * DAY) is Phase.IDEAS
    assert consultation.voting_opens_at == NOW + 28 * DAY
    assert consultation.voting_closes_at == NOW + 42 * DAY
    assert consultation.follow_up_at == NOW + 49 * DAY
    assert "consultation.extend_phase" in audit_actions(consultation)


def test_extending_to_an_earlier_date_is_refused(world):
    consultation = consultations.create_consultation(
        world.staff, world.territory, values(), NOW
    )
    with pytest.raises(InvalidTransition):
        consultations.extend_phase(world.staff, consultation, NOW + 10 * DAY, NOW)


@pytest.mark.parametrize("who", ["other_staff", "partner", "resident"])
def test_only_the_landlords_staff_move_phases(world, who):
    consultation = factories.consultation(world.territory, Phase.IDEAS, now=NOW)
    with pytest.raises(PermissionDenied):
        consultations.close_phase(getattr(world, who), consultation, NOW)
    with pytest.raises(PermissionDenied):
        consultations.extend_phase(getattr(world, who), consultation, NOW + DAY, NOW)


def test_the_outcome_is_published_after_the_vote_and_selects_proposals(world):
    consultation = factories.consultation(world.territory, Phase.VOTING, now=NOW)
    chosen = factories.proposal(consultation, world.resident)
    with pytest.raises(InvalidTransition):
        consultations.publish_outcome(
            world.staff, consultation, [chosen], "Nous retenons la collecte.", NOW
        )
    after = NOW + DAY
    consultations.publish_outcome(
        world.staff, consultation, [chosen], "Nous retenons **la collecte**.", after
    )
    assert consultation.outcome_published_at == after
    assert "<strong>la collecte</strong>" in consultation.outcome_html
    assert chosen.status.value == "selected"
    assert "consultation.publish_outcome" in audit_actions(consultation)


def test_eligible_units_count_households_or_verified_people(world):
    consultation = factories.consultation(world.territory, Phase.VOTING)
    factories.resident_of(world.dwellings[0])  # a flatmate
    factories.resident_of(world.other_dwellings[1])  # lives elsewhere
    assert consultations.eligible_units(consultation) == len(world.dwellings)
    consultation.voter_unit = VoterUnit.PERSON
    assert consultations.eligible_units(consultation) == 2


def test_drafts_are_listed_for_their_staff_only(world):
    draft = factories.consultation(world.territory, Phase.DRAFT, now=NOW)
    opened = factories.consultation(world.territory, Phase.IDEAS, now=NOW)

    def listed(viewer):
        query = consultations.consultations_query(viewer, NOW)
        return set(db.session.scalars(query))

    assert listed(world.staff) == {draft, opened}
    assert listed(world.admin) == {draft, opened}
    assert listed(world.other_staff) == {opened}
    assert listed(world.resident) == {opened}
    from flask_login import AnonymousUserMixin

    assert listed(AnonymousUserMixin()) == {opened}


@pytest.mark.parametrize("phase", list(Phase))
def test_the_phase_filter_matches_the_computed_phase(world, phase):
    items = {p: factories.consultation(world.territory, p, now=NOW) for p in Phase}
    query = consultations.consultations_query(world.staff, NOW, phase=phase)
    assert list(db.session.scalars(query)) == [items[phase]]


def test_residents_see_the_consultations_covering_their_home(world):
    here = factories.consultation(world.building, Phase.VOTING, now=NOW)
    above = factories.consultation(world.territory, Phase.IDEAS, now=NOW)
    factories.consultation(world.entrance, Phase.IDEAS, now=NOW)  # below their home
    factories.consultation(world.other_building, Phase.IDEAS, now=NOW)
    factories.consultation(world.territory, Phase.DRAFT, now=NOW)
    factories.consultation(world.territory, Phase.FOLLOW_UP, now=NOW)
    assert set(consultations.for_resident(world.resident, NOW)) == {here, above}
    assert consultations.for_resident(world.newcomer, NOW) == []
