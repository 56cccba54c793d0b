"""Commitments and actions: who states, changes and reports what; bad input refused
with nothing saved; status moves; scorecards counted by hand; "falling due"
reminders sent once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from participation.extensions import db
from participation.models import (
    Action,
    AuditEvent,
    Commitment,
    CommitmentParty,
    CommitmentStatus,
    MembershipStatus,
    Notification,
    NotificationKind,
    Objective,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    commitments,
    notifications,
)
from participation.services.commitments import CommitmentValues, PartyScore
from participation.timeutil import local_date, utcnow
from tests import factories
from tests.pages import count

#: 15 March 2026, 11:00 in Paris; the default objective runs 2026-01-01 → 2027-01-01.
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)


@dataclass
class Setting:
    """A group of the world's residence with two partner organisations (the city
    and an association), an objective, and people around it."""

    group: object
    objective: Objective
    city: Organisation
    association: Organisation
    outsider_org: Organisation
    city_agent: User
    association_agent: User
    outsider: User
    member: User


@pytest.fixture
def setting(world) -> Setting:
    association = factories.organisation(OrganisationKind.ASSOCIATION, "Asso Tri")
    outsider_org = factories.organisation(OrganisationKind.OTHER, "Ailleurs SA")
    group = factories.group(
        world.residence,
        title="Moins d'encombrants",
        partners=[world.partner_org, association],
    )
    association_agent = factories.user(Role.PARTNER, association)
    outsider = factories.user(Role.PARTNER, outsider_org)
    member = factories.resident_of(world.dwellings[1])
    for person in (world.resident, member, world.partner, association_agent):
        factories.member(group, person)
    factories.member(group, world.staff, facilitator=True)
    return Setting(
        group=group,
        objective=factories.objective(group, title="Encombrants"),
        city=world.partner_org,
        association=association,
        outsider_org=outsider_org,
        city_agent=world.partner,
        association_agent=association_agent,
        outsider=outsider,
        member=member,
    )


def values(organisation=None, **changes) -> CommitmentValues:
    base = {
        "party": CommitmentParty.ORGANISATION
        if organisation is not None
        else CommitmentParty.RESIDENTS,
        "organisation_id": organisation.id if organisation is not None else None,
        "title": "Deux collectes solidaires par trimestre",
        "details": "Avec **l'association**.",
        "due_date": date(2026, 6, 30),
    }
    return CommitmentValues(**{**base, **changes})


def told(kind: NotificationKind) -> dict[int, dict]:
    """Who received a notification of ``kind``, with its details."""
    db.session.expire_all()
    return {
        n.user_id: n.details
        for n in db.session.scalars(sa.select(Notification).filter_by(kind=kind))
    }


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEvent.action)))


# --- stating commitments -----------------------------------------------------------

STATE_MATRIX = [
    # (who, party: "landlord" | "city" | "association" | "residents", allowed)
    ("staff", "landlord", True),
    ("staff", "city", True),
    ("staff", "residents", True),
    ("admin", "association", True),
    ("city_agent", "city", True),
    ("city_agent", "association", False),
    ("city_agent", "landlord", False),
    ("city_agent", "residents", False),
    ("outsider", "city", False),
    ("resident", "residents", False),
    ("member", "residents", False),
    ("other_staff", "landlord", False),
    ("other_staff", "residents", False),
]


def person(world, setting, who: str) -> User:
    return getattr(setting, who, None) or getattr(world, who)


def party_org(world, setting, party: str) -> Organisation | None:
    return {
        "landlord": world.landlord,
        "city": setting.city,
        "association": setting.association,
        "residents": None,
    }[party]


@pytest.mark.parametrize(("who", "party", "allowed"), STATE_MATRIX)
def test_staff_state_any_partys_commitment_and_partners_only_their_own(
    world, setting, who, party, allowed
):
    actor = person(world, setting, who)
    chosen = values(party_org(world, setting, party))
    if allowed:
        made = commitments.state_commitment(actor, setting.objective, chosen, NOW)
        assert made.status is CommitmentStatus.PLANNED
        assert made.organisation_id == chosen.organisation_id
        assert made.details_html == "<p>Avec <strong>l'association</strong>.</p>"
        assert count(Commitment) == 1
    else:
        with pytest.raises(PermissionDenied):
            commitments.state_commitment(actor, setting.objective, chosen, NOW)
        assert count(Commitment) == 0 and count(Notification) == 0


def test_a_partner_whose_organisation_left_the_group_states_nothing(world, setting):
    setting.group.partners = [
        p for p in setting.group.partners if p.organisation_id != setting.city.id
    ]
    db.session.commit()
    with pytest.raises(PermissionDenied):
        commitments.state_commitment(
            world.partner, setting.objective, values(setting.city), NOW
        )


def test_an_organisation_outside_the_group_cannot_commit_in_it(world, setting):
    with pytest.raises(ValidationError) as refused:
        commitments.state_commitment(
            world.staff, setting.objective, values(setting.outsider_org), NOW
        )
    assert refused.value.errors == {
        "party": ["Choisissez le bailleur ou un partenaire du groupe."]
    }
    assert count(Commitment) == 0


def test_the_residents_commitment_has_no_organisation(world, setting):
    made = commitments.state_commitment(
        world.staff,
        setting.objective,
        values(None, organisation_id=setting.city.id),
        NOW,
    )
    assert made.party is CommitmentParty.RESIDENTS and made.organisation_id is None


def test_members_but_the_author_hear_of_a_new_commitment_and_it_is_audited(
    world, setting
):
    made = commitments.state_commitment(
        world.partner, setting.objective, values(setting.city), NOW
    )
    heard = told(NotificationKind.COMMITMENT_ADDED)
    assert set(heard) == {
        world.resident.id,
        setting.member.id,
        setting.association_agent.id,
        world.staff.id,
    }
    assert heard[world.resident.id] == {
        "commitment_id": made.id,
        "objective_id": setting.objective.id,
        "title": "Deux collectes solidaires par trimestre",
        "due_date": "2026-06-30",
        "organisation": "Ville Test",
    }
    assert audit_actions() == ["commitment.create"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "L'engagement fait entre 3 et 200 caractères."),
        (
            {"title": "<b></b>ok"},
            "title",
            "L'engagement fait entre 3 et 200 caractères.",
        ),
        ({"details": "x" * 5001}, "details", "5000 caractères au plus."),
        ({"due_date": None}, "due_date", "Indiquez l'échéance de l'engagement."),
        (
            {"due_date": date(2025, 12, 31)},
            "due_date",
            "L'échéance ne peut pas précéder le début de l'objectif (1 janvier 2026).",
        ),
        (
            {"due_date": date(2032, 1, 2)},
            "due_date",
            "Échéance trop lointaine : au plus tard le 1 janvier 2032, cinq ans après "
            "la cible de l'objectif.",
        ),
    ],
)
def test_bad_commitments_are_refused_in_french_and_nothing_is_saved(
    world, setting, changes, field, message
):
    with pytest.raises(ValidationError) as refused:
        commitments.state_commitment(
            world.staff, setting.objective, values(setting.city, **changes), NOW
        )
    assert refused.value.errors[field] == [message]
    assert count(Commitment) == 0 and count(Notification) == 0
    assert count(AuditEvent) == 0


@pytest.mark.parametrize("due", [date(2026, 1, 1), date(2032, 1, 1)])
def test_due_dates_from_the_baseline_to_five_years_after_the_target_are_fine(
    world, setting, due
):
    commitments.state_commitment(
        world.staff, setting.objective, values(setting.city, due_date=due), NOW
    )
    assert count(Commitment) == 1


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2027, 1, 1), 5, date(2032, 1, 1)),
        (date(2024, 2, 29), 5, date(2029, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(9999, 12, 31), 5, date.max),
        (date(9996, 2, 29), 5, date.max),
        (date(9990, 6, 30), 5, date(9995, 6, 30)),
        (date(3, 1, 1), -5, date.min),
    ],
)
def test_moving_a_date_by_years_never_raises(day, years, expected):
    assert commitments._add_years(day, years) == expected


def test_an_objective_aimed_at_year_9999_still_takes_commitments(world, setting):
    far = factories.objective(setting.group, target_date=date(9999, 12, 31))
    made = commitments.state_commitment(
        world.staff, far, values(setting.city, due_date=date(9999, 12, 31)), NOW
    )
    assert made.due_date == date(9999, 12, 31)
    with pytest.raises(ValidationError) as refused:
        commitments.state_commitment(
            world.staff, far, values(setting.city, due_date=date(2025, 1, 1)), NOW
        )
    assert "ne peut pas précéder le début" in refused.value.errors["due_date"][0]


def test_a_commitment_sent_twice_at_once_is_saved_once(world, setting):
    first = commitments.state_commitment(
        world.staff, setting.objective, values(setting.city), NOW
    )
    again = commitments.state_commitment(
        world.staff, setting.objective, values(setting.city), NOW + timedelta(seconds=5)
    )
    assert again.id == first.id and count(Commitment) == 1
    later = commitments.state_commitment(
        world.staff, setting.objective, values(setting.city), NOW + timedelta(hours=1)
    )
    assert later.id != first.id


# --- changing commitments ------------------------------------------------------------


def test_the_committed_partner_edits_and_a_later_due_date_is_reminded_again(
    world, setting
):
    item = factories.commitment(setting.objective, setting.city, reminded_at=NOW)
    commitments.update_commitment(
        world.partner,
        item,
        values(setting.city, title="Trois collectes", due_date=date(2026, 9, 30)),
        NOW,
    )
    db.session.refresh(item)
    assert (item.title, item.due_date) == ("Trois collectes", date(2026, 9, 30))
    assert item.reminded_at is None
    assert audit_actions() == ["commitment.edit"]
    event = db.session.scalar(sa.select(AuditEvent))
    assert event.details["fields"] == ["details", "due_date", "title"]


@pytest.mark.parametrize("who", ["association_agent", "outsider", "resident"])
def test_others_may_not_edit_a_partners_commitment(world, setting, who):
    item = factories.commitment(setting.objective, setting.city, title="Avant")
    with pytest.raises(PermissionDenied):
        commitments.update_commitment(
            person(world, setting, who), item, values(setting.city), NOW
        )
    assert db.session.get(Commitment, item.id).title == "Avant"


def test_a_partner_may_not_hand_their_commitment_to_another_party(world, setting):
    item = factories.commitment(setting.objective, setting.city)
    with pytest.raises(PermissionDenied):
        commitments.update_commitment(
            world.partner, item, values(setting.association), NOW
        )


def test_who_commits_no_longer_changes_once_actions_are_reported(world, setting):
    item = factories.commitment(setting.objective, setting.city)
    factories.action(item, date(2026, 2, 1))
    with pytest.raises(ValidationError) as refused:
        commitments.update_commitment(
            world.staff, item, values(setting.association), NOW
        )
    assert "party" in refused.value.errors
    assert db.session.get(Commitment, item.id).organisation_id == setting.city.id


def test_an_unchanged_commitment_records_nothing(world, setting):
    item = factories.commitment(setting.objective, setting.city, title="Pareil")
    same = values(setting.city, title="Pareil", details="", due_date=item.due_date)
    commitments.update_commitment(world.staff, item, same, NOW)
    assert audit_actions() == []


# --- status ---------------------------------------------------------------------------


def test_a_commitment_is_kept_then_reopened_and_each_move_is_dated_and_audited(
    world, setting
):
    item = factories.commitment(setting.objective, setting.city)
    commitments.set_status(world.partner, item, CommitmentStatus.KEPT, NOW)
    assert (item.status, item.status_changed_at) == (CommitmentStatus.KEPT, NOW)
    later = NOW + timedelta(days=3)
    commitments.set_status(world.staff, item, CommitmentStatus.IN_PROGRESS, later)
    db.session.refresh(item)
    assert (item.status, item.status_changed_at) == (
        CommitmentStatus.IN_PROGRESS,
        later,
    )
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.details) for e in events] == [
        ("commitment.status", {"previous": "planned", "status": "kept"}),
        ("commitment.status", {"previous": "kept", "status": "in_progress"}),
    ]


def test_a_commitment_may_be_declared_not_kept_before_its_due_date(world, setting):
    item = factories.commitment(setting.objective, setting.city)
    commitments.set_status(world.partner, item, CommitmentStatus.NOT_KEPT, NOW)
    assert db.session.get(Commitment, item.id).status is CommitmentStatus.NOT_KEPT


def test_the_same_status_again_is_refused_with_a_clear_message(world, setting):
    item = factories.commitment(setting.objective, setting.city)
    with pytest.raises(InvalidTransition) as refused:
        commitments.set_status(world.partner, item, CommitmentStatus.PLANNED, NOW)
    assert str(refused.value) == "Cet engagement est déjà « prévu » : rien n'a changé."
    assert item.status_changed_at is None and audit_actions() == []


@pytest.mark.parametrize(
    "who", ["association_agent", "outsider", "resident", "other_staff"]
)
def test_only_staff_and_the_committed_partner_change_a_status(world, setting, who):
    item = factories.commitment(setting.objective, setting.city)
    with pytest.raises(PermissionDenied):
        commitments.set_status(
            person(world, setting, who), item, CommitmentStatus.KEPT, NOW
        )
    assert db.session.get(Commitment, item.id).status is CommitmentStatus.PLANNED


def test_only_staff_change_the_residents_commitments(world, setting):
    item = factories.commitment(setting.objective)
    with pytest.raises(PermissionDenied):
        commitments.set_status(world.resident, item, CommitmentStatus.KEPT, NOW)
    commitments.set_status(world.staff, item, CommitmentStatus.KEPT, NOW)


# --- actions -------------------------------------------------------------------------


def report(actor, item, **changes) -> Action:
    arguments = {
        "done_on": date(2026, 3, 10),
        "description": "Collecte solidaire au pied du bâtiment A.",
        "quantity": 3.2,
        "unit": "t",
        "now": NOW,
        **changes,
    }
    return commitments.report_action(actor, item, **arguments)


def test_a_partner_reports_an_action_which_starts_the_commitment(world, setting):
    item = factories.commitment(setting.objective, setting.city, title="Collectes")
    action = report(world.partner, item)
    db.session.refresh(item)
    assert item.status is CommitmentStatus.IN_PROGRESS
    assert item.status_changed_at == NOW
    assert (action.quantity, action.unit, action.organisation_id) == (
        3.2,
        "t",
        setting.city.id,
    )
    assert action.objective_id == setting.objective.id
    assert action.reported_by_id == world.partner.id
    heard = told(NotificationKind.ACTION_REPORTED)
    assert world.partner.id not in heard and world.resident.id in heard
    assert heard[world.resident.id] == {
        "action_id": action.id,
        "commitment_id": item.id,
        "objective_id": setting.objective.id,
        "commitment_title": "Collectes",
        "done_on": "2026-03-10",
        "quantity": 3.2,
        "unit": "t",
        "organisation": "Ville Test",
    }
    assert audit_actions() == ["action.report"]


@pytest.mark.parametrize(
    "status", [CommitmentStatus.IN_PROGRESS, CommitmentStatus.KEPT]
)
def test_an_action_leaves_a_started_or_closed_commitment_as_it_is(
    world, setting, status
):
    item = factories.commitment(setting.objective, setting.city, status=status)
    report(world.partner, item)
    db.session.refresh(item)
    assert item.status is status and item.status_changed_at is None


REPORT_MATRIX = [
    # (who, whose commitment, allowed)
    ("city_agent", "city", True),
    ("association_agent", "city", False),
    ("outsider", "city", False),
    ("city_agent", "association", False),
    ("resident", "residents", False),
    ("staff", "residents", True),
    ("staff", "landlord", True),
    ("staff", "city", False),
    ("other_staff", "landlord", False),
    ("admin", "landlord", True),
]


@pytest.mark.parametrize(("who", "party", "allowed"), REPORT_MATRIX)
def test_a_partner_reports_only_for_their_own_organisations_commitments(
    world, setting, who, party, allowed
):
    item = factories.commitment(setting.objective, party_org(world, setting, party))
    actor = person(world, setting, who)
    if allowed:
        report(actor, item)
        assert count(Action) == 1
    else:
        with pytest.raises(PermissionDenied):
            report(actor, item)
        assert count(Action) == 0 and count(Notification) == 0
        assert db.session.get(Commitment, item.id).status is CommitmentStatus.PLANNED


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"done_on": date(2026, 3, 16)},
            "done_on",
            "La date ne peut pas être dans le futur.",
        ),
        ({"done_on": None}, "done_on", "Indiquez la date de l'action."),
        (
            {"done_on": date(2025, 12, 31)},
            "done_on",
            "Cette date précède le début de l'objectif (1 janvier 2026).",
        ),
        (
            {"description": "   "},
            "description",
            "Décrivez ce qui a été fait, en 3 à 5000 caractères.",
        ),
        *[
            (
                {"quantity": bad},
                "quantity",
                "La quantité est un nombre positif, par exemple 3,2 ; laissez vide "
                "s'il n'y en a pas.",
            )
            for bad in (-3.0, 0.0, float("nan"), float("inf"), 2e9)
        ],
        (
            {"quantity": None, "unit": "t"},
            "quantity",
            "Indiquez la quantité, ou laissez l'unité vide.",
        ),
        ({"unit": "u" * 41}, "unit", "40 caractères au plus."),
    ],
)
def test_bad_actions_are_refused_in_french_and_nothing_is_saved(
    world, setting, changes, field, message
):
    item = factories.commitment(setting.objective, setting.city)
    with pytest.raises(ValidationError) as refused:
        report(world.partner, item, **changes)
    assert refused.value.errors[field] == [message]
    assert count(Action) == 0 and count(Notification) == 0 and count(AuditEvent) == 0
    assert db.session.get(Commitment, item.id).status is CommitmentStatus.PLANNED


def test_today_is_the_paris_date(world, setting):
    """At 23:30 UTC on 15 March it is already 16 March in Paris."""
    item = factories.commitment(setting.objective, setting.city)
    late_evening = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)
    report(world.partner, item, done_on=date(2026, 3, 16), now=late_evening)
    with pytest.raises(ValidationError):
        report(world.partner, item, done_on=date(2026, 3, 17), now=late_evening)


def test_an_action_without_quantity_keeps_no_unit_and_markdown_is_cleaned(
    world, setting
):
    item = factories.commitment(setting.objective, setting.city)
    action = report(
        world.partner,
        item,
        quantity=None,
        unit="",
        description="Affiches <script>alert(1)</script> posées",
    )
    assert action.quantity is None and action.unit == ""
    assert "<script>" not in action.description_html


def test_an_action_sent_twice_at_once_is_saved_once(world, setting):
    item = factories.commitment(setting.objective, setting.city)
    first = report(world.partner, item)
    again = report(world.partner, item, now=NOW + timedelta(seconds=3))
    assert again.id == first.id and count(Action) == 1


# --- scorecard (pure) ----------------------------------------------------------------


def row(organisation, status, due) -> Commitment:
    """A hand-made commitment, never saved."""
    return Commitment(
        party=CommitmentParty.ORGANISATION
        if organisation
        else CommitmentParty.RESIDENTS,
        organisation=organisation,
        organisation_id=organisation.id if organisation else None,
        title="x",
        status=status,
        due_date=due,
    )


def test_the_scorecard_counts_kept_not_kept_late_and_pending_per_party():
    """By hand, on 15 March 2026:

    - Ville: kept (due in the past), late (planned, due 1 March), late (in
      progress, due 14 March), pending (due today: not late yet) → 1/0/2/1, 4;
    - Bailleur: not kept (due later), pending (in progress, due in June) → 0/1/0/1;
    - residents: kept, pending → 1/0/0/1;
    - organisations by name, residents last.
    """
    city = Organisation(id=2, name="Ville", kind=OrganisationKind.CITY)
    landlord = Organisation(id=1, name="Bailleur", kind=OrganisationKind.LANDLORD)
    planned, started = CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS
    kept, not_kept = CommitmentStatus.KEPT, CommitmentStatus.NOT_KEPT
    rows = [
        row(city, kept, date(2026, 1, 10)),
        row(None, kept, date(2026, 2, 1)),
        row(city, planned, date(2026, 3, 1)),
        row(landlord, not_kept, date(2026, 9, 1)),
        row(city, started, date(2026, 3, 14)),
        row(city, planned, TODAY),
        row(None, planned, date(2026, 12, 1)),
        row(landlord, started, date(2026, 6, 30)),
    ]
    assert commitments.scorecard(rows, TODAY) == [
        PartyScore("Bailleur", 1, kept=0, not_kept=1, late=0, pending=1),
        PartyScore("Ville", 2, kept=1, not_kept=0, late=2, pending=1),
        PartyScore("Les habitants", None, kept=1, not_kept=0, late=0, pending=1),
    ]
    assert [score.total for score in commitments.scorecard(rows, TODAY)] == [2, 4, 2]


def test_an_empty_scorecard_has_no_rows():
    assert commitments.scorecard([], TODAY) == []


def test_a_day_later_what_was_pending_today_is_late():
    city = Organisation(id=2, name="Ville", kind=OrganisationKind.CITY)
    rows = [row(city, CommitmentStatus.PLANNED, TODAY)]
    assert commitments.scorecard(rows, TODAY)[0].pending == 1
    assert commitments.scorecard(rows, TODAY + timedelta(days=1))[0].late == 1


# --- reading -------------------------------------------------------------------------


def test_the_objective_panel_groups_by_party_and_lists_actions_newest_first(
    world, setting
):
    objective = setting.objective
    landlords = factories.commitment(
        objective, world.landlord, due_date=date(2026, 3, 1)
    )
    citys = factories.commitment(objective, setting.city, due_date=date(2026, 5, 1))
    residents = factories.commitment(objective, None, due_date=date(2026, 4, 1))
    older = factories.action(citys, date(2026, 2, 1), quantity=1.5, unit="t")
    newer = factories.action(landlords, date(2026, 3, 2))
    other = factories.objective(setting.group)
    factories.action(factories.commitment(other, setting.city), date(2026, 3, 3))
    db.session.expire_all()
    panel = commitments.objective_panel(objective, world.partner, TODAY)
    assert [(label, [c.id for c in items]) for label, items in panel["by_party"]] == [
        ("Habitat Test", [landlords.id]),
        ("Ville Test", [citys.id]),
        ("Les habitants", [residents.id]),
    ]
    assert [a.id for a in panel["timeline"]] == [newer.id, older.id]
    assert panel["timeline"][1].organisation.name == "Ville Test"
    assert panel["timeline"][1].commitment.title == citys.title
    assert [(s.party, s.late, s.pending) for s in panel["scorecard"]] == [
        ("Habitat Test", 1, 0),
        ("Ville Test", 0, 1),
        ("Les habitants", 0, 1),
    ]
    assert panel["by_party"][0][1][0].is_late(panel["today"])
    assert panel["can_add"] is True
    assert (
        commitments.objective_panel(objective, world.resident, TODAY)["can_add"]
        is False
    )


def test_the_objective_panel_costs_the_same_queries_with_more_rows(
    world, setting, count_queries
):
    def measure() -> int:
        db.session.expire_all()
        objective = db.session.get(Objective, setting.objective.id)
        user = db.session.get(User, world.staff.id)
        with count_queries() as statements:
            panel = commitments.objective_panel(objective, user, TODAY)
            shown = [
                (item.is_late(TODAY), item.organisation)
                for _label, items in panel["by_party"]
                for item in items
            ] + [(a.commitment.title, a.organisation) for a in panel["timeline"]]
        assert shown
        return len(statements)

    factories.action(factories.commitment(setting.objective, setting.city), TODAY)
    small = measure()
    for n in range(15):
        org = factories.organisation(OrganisationKind.ASSOCIATION, f"Asso {n}")
        item = factories.commitment(setting.objective, org if n % 3 else None)
        factories.action(item, TODAY, quantity=n + 1, unit="kg")
    assert measure() == small


def test_the_group_scorecard_spans_every_objective_of_the_group(world, setting):
    second = factories.objective(setting.group, title="Tri")
    factories.commitment(setting.objective, setting.city, status=CommitmentStatus.KEPT)
    factories.commitment(second, setting.city, due_date=date(2026, 3, 1))
    factories.commitment(second, None)
    elsewhere = factories.group(world.residence)
    factories.commitment(factories.objective(elsewhere), setting.city)
    assert commitments.group_scorecard(setting.group, TODAY) == [
        PartyScore("Ville Test", setting.city.id, kept=1, late=1),
        PartyScore("Les habitants", None, pending=1),
    ]


# --- reminders --------------------------------------------------------------------


def test_members_are_reminded_once_of_commitments_falling_due_within_a_week(
    world, setting
):
    soon = factories.commitment(
        setting.objective, setting.city, title="Bientôt", due_date=date(2026, 3, 20)
    )
    today = factories.commitment(setting.objective, None, due_date=TODAY)
    factories.commitment(setting.objective, setting.city, due_date=date(2026, 3, 23))
    factories.commitment(setting.objective, setting.city, due_date=date(2026, 3, 14))
    factories.commitment(
        setting.objective,
        setting.city,
        due_date=date(2026, 3, 18),
        status=CommitmentStatus.KEPT,
    )
    assert commitments.remind_due_commitments(NOW) == 2
    rows = db.session.scalars(
        sa.select(Notification).filter_by(
            kind=NotificationKind.COMMITMENT_DUE, user_id=world.resident.id
        )
    ).all()
    assert sorted(n.details["commitment_id"] for n in rows) == [soon.id, today.id]
    details = next(n.details for n in rows if n.details["commitment_id"] == soon.id)
    assert (details["title"], details["due_date"]) == ("Bientôt", "2026-03-20")
    assert all(n.group_id == setting.group.id for n in rows)
    members = 5  # resident, member, two partners, staff
    assert count(Notification) == 2 * members
    assert db.session.get(Commitment, soon.id).reminded_at == NOW

    assert commitments.remind_due_commitments(NOW + timedelta(hours=1)) == 0
    assert count(Notification) == 2 * members


def test_a_reminder_claimed_by_another_run_is_not_sent_again(world, setting):
    """Two runs at once: the other run's UPDATE wins, this one sends nothing."""
    item = factories.commitment(setting.objective, setting.city, due_date=TODAY)
    original = db.session.execute

    def racing(statement, *args, **kwargs):
        if isinstance(statement, sa.Update) and not racing.done:
            racing.done = True
            with db.engine.begin() as other:
                other.execute(
                    sa.update(Commitment)
                    .where(Commitment.id == item.id)
                    .values(reminded_at=NOW)
                )
        return original(statement, *args, **kwargs)

    racing.done = False
    db.session.execute = racing
    try:
        assert commitments.remind_due_commitments(NOW) == 0
    finally:
        del db.session.execute
    assert racing.done
    assert count(Notification) == 0


def test_a_moved_due_date_is_reminded_again(world, setting):
    item = factories.commitment(setting.objective, setting.city, due_date=TODAY)
    assert commitments.remind_due_commitments(NOW) == 1
    commitments.update_commitment(
        world.staff, item, values(setting.city, due_date=date(2026, 3, 21)), NOW
    )
    assert commitments.remind_due_commitments(NOW) == 1
    assert (
        count(Notification, Notification.kind == NotificationKind.COMMITMENT_DUE) == 10
    )


def test_members_who_left_or_switched_reminders_off_are_not_reminded(world, setting):
    factories.commitment(setting.objective, setting.city, due_date=TODAY)
    left = factories.member(
        setting.group,
        factories.resident_of(world.dwellings[2]),
        status=MembershipStatus.LEFT,
    )
    notifications.set_preferences(
        world.resident,
        [k for k in NotificationKind if k is not NotificationKind.COMMITMENT_DUE],
    )
    commitments.remind_due_commitments(NOW)
    heard = told(NotificationKind.COMMITMENT_DUE)
    assert left.user_id not in heard and world.resident.id not in heard
    assert setting.member.id in heard


def test_the_notify_due_command_reminds_and_says_how_many(app, world, setting):
    factories.commitment(
        setting.objective,
        setting.city,
        due_date=local_date(utcnow()) + timedelta(days=2),
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify-due"])
    assert result.exit_code == 0, result.output
    assert "1 engagement(s) rappelé(s)." in result.output
    db.session.expire_all()
    again = runner.invoke(args=["notify-due", "--days", "3"])
    assert "0 engagement(s) rappelé(s)." in again.output
    assert (
        count(Notification, Notification.kind == NotificationKind.COMMITMENT_DUE) == 5
    )
