"""The public showcase: who publishes, what must be there first, and what leaves
the platform — the initiative, its figures and its organisations, never a person."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    CommitmentStatus,
    Measurement,
    MeasurementRevision,
    MembershipStatus,
    OrganisationKind,
    Period,
    Role,
)
from participation.services import (
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    showcase,
)
from participation.services.indicators import Direction, Status
from tests import factories

NOW = datetime(2026, 7, 10, 9, 0, tzinfo=UTC)
SUMMARY = "Les habitants et leurs partenaires ont divisé les dépôts par deux."


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id))
    )


@pytest.fixture
def group(world):
    """A group with one objective, for the world's landlord."""
    item = factories.group(world.territory, partners=[world.partner_org])
    factories.objective(item, source_organisation_id=world.partner_org.id)
    return item


@pytest.fixture
def full(world):
    """A published group with named people everywhere, to check none leaks."""
    waste = factories.organisation(OrganisationKind.WASTE_SERVICE, name="Métropole")
    asso = factories.organisation(OrganisationKind.ASSOCIATION, name="Amicale")
    item = factories.group(
        world.territory,
        partners=[world.partner_org, waste, asso],
        title="Moins d'encombrants",
        published_at=NOW - timedelta(days=3),
        showcase_summary=SUMMARY,
        showcase_summary_html=f"<p>{SUMMARY}</p>",
    )
    reporter = factories.user(
        Role.PARTNER, waste, display_name="Nadia Secret", email="nadia@secret.fr"
    )
    active = factories.resident_of(
        world.dwellings[1], display_name="Aïcha Secret", email="aicha@secret.fr"
    )
    pending = factories.resident_of(
        world.dwellings[2], display_name="Jean Secret", email="jean@secret.fr"
    )
    factories.member(item, active)
    factories.member(item, world.resident)
    factories.member(item, pending, status=MembershipStatus.PENDING)
    factories.member(item, reporter)
    factories.member(item, world.staff, facilitator=True)
    first = factories.objective(
        item, title="Réduire les dépôts", source_organisation_id=waste.id
    )
    second = factories.objective(
        item,
        title="Collecter plus",
        indicator="Tonnes collectées",
        unit="tonnes",
        direction=Direction.INCREASE,
        baseline_value=0.0,
        target_value=20.0,
    )
    for month, value in [(1, 13.0), (2, 12.0), (3, 10.0)]:
        factories.measurement(
            first,
            date(2026, month + 1, 1) - timedelta(days=1),
            value,
            period=Period.MONTH,
            organisation_id=waste.id,
            reported_by=reporter,
            note="Saisi par Nadia Secret",
        )
    corrected = db.session.scalars(
        db.select(Measurement)
        .filter_by(objective_id=first.id)
        .order_by(Measurement.measured_on)
    ).first()
    db.session.add(
        MeasurementRevision(
            measurement=corrected,
            previous_value=31.0,
            new_value=corrected.value,
            reason="Erreur de Nadia Secret",
            changed_by=reporter,
            changed_at=NOW - timedelta(days=30),
        )
    )
    db.session.commit()
    factories.measurement(second, date(2026, 3, 7), 3.2, reported_by=world.staff)
    kept = factories.commitment(
        first,
        world.landlord,
        title="Ouvrir un local",
        due_date=date(2026, 3, 31),
        status=CommitmentStatus.KEPT,
        created_by=world.staff,
    )
    late = factories.commitment(
        first,
        world.partner_org,
        title="Relier le signalement",
        due_date=date(2026, 6, 1),
    )
    factories.commitment(first, None, title="Prévenir les voisins")
    factories.commitment(first, asso, title="Ressourcerie", due_date=date(2026, 9, 1))
    factories.action(
        kept, date(2026, 3, 20), reported_by=world.staff, description="Local ouvert."
    )
    factories.action(
        late,
        date(2026, 5, 2),
        quantity=3.2,
        unit="t",
        reported_by=world.partner,
        description='=HYPERLINK("http://evil.example")',
    )
    factories.meeting(item, NOW - timedelta(days=60), created_by=world.staff)
    factories.meeting(item, NOW - timedelta(days=10))
    factories.meeting(item, NOW + timedelta(days=10))
    return item


PEOPLE = [
    "Nadia Secret",
    "nadia@secret.fr",
    "Aïcha Secret",
    "aicha@secret.fr",
    "Jean Secret",
    "jean@secret.fr",
    "resident@example.fr",
    "staff@example.fr",
    "partner@example.fr",
]


# Publishing


@pytest.mark.parametrize("who", ["resident", "partner", "other_staff", "newcomer"])
def test_only_the_landlords_staff_publish(world, group, who):
    with pytest.raises(PermissionDenied):
        showcase.publish(getattr(world, who), group, SUMMARY, NOW, reviewed=True)
    db.session.rollback()
    assert group.published_at is None
    assert "group.publish" not in audit_actions()


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_staff_and_admins_publish_with_a_cleaned_summary(world, group, who):
    showcase.publish(
        getattr(world, who),
        group,
        SUMMARY + "\n\n<script>x()</script>",
        NOW,
        reviewed=True,
    )
    db.session.refresh(group)
    assert group.published_at == NOW
    assert group.showcase_summary.startswith(SUMMARY)
    assert "<script>" not in group.showcase_summary_html
    assert f"<p>{SUMMARY}</p>" in group.showcase_summary_html
    assert audit_actions() == ["group.publish"]


@pytest.mark.parametrize("summary", ["", "   ", "Trop court", "x" * 5001])
def test_a_summary_of_reasonable_length_is_required(world, group, summary):
    with pytest.raises(ValidationError) as error:
        showcase.publish(world.staff, group, summary, NOW, reviewed=True)
    assert "summary" in error.value.errors
    db.session.rollback()
    assert group.published_at is None
    assert audit_actions() == []


@pytest.mark.parametrize("published", [False, True])
def test_nothing_is_published_until_the_texts_are_reviewed(world, group, published):
    if published:
        showcase.publish(world.staff, group, SUMMARY, NOW, reviewed=True)
    with pytest.raises(ValidationError) as error:
        showcase.publish(
            world.staff, group, "Un tout autre résumé, non relu.", NOW, reviewed=False
        )
    assert "relu" in error.value.errors["reviewed"][0]
    db.session.rollback()
    db.session.refresh(group)
    assert (group.published_at is not None) is published
    assert group.showcase_summary == (SUMMARY if published else "")
    assert audit_actions() == (["group.publish"] if published else [])


def test_a_group_without_objective_cannot_be_published(world):
    empty = factories.group(world.territory)
    with pytest.raises(ValidationError) as error:
        showcase.publish(world.staff, empty, SUMMARY, NOW, reviewed=True)
    assert "objectif" in error.value.errors[None][0]
    db.session.rollback()
    assert empty.published_at is None


def test_publishing_again_changes_the_summary_and_keeps_the_date(world, group):
    showcase.publish(world.staff, group, SUMMARY, NOW, reviewed=True)
    showcase.publish(
        world.staff,
        group,
        "Un autre résumé, plus long.",
        NOW + timedelta(1),
        reviewed=True,
    )
    db.session.refresh(group)
    assert group.published_at == NOW
    assert group.showcase_summary == "Un autre résumé, plus long."
    assert audit_actions() == ["group.publish", "group.edit_showcase"]


def test_unpublishing_keeps_the_summary_and_is_refused_twice(world, group):
    showcase.publish(world.staff, group, SUMMARY, NOW, reviewed=True)
    with pytest.raises(PermissionDenied):
        showcase.unpublish(world.other_staff, group, NOW)
    showcase.unpublish(world.staff, group, NOW)
    db.session.refresh(group)
    assert group.published_at is None
    assert group.showcase_summary == SUMMARY
    with pytest.raises(InvalidTransition):
        showcase.unpublish(world.staff, group, NOW)
    assert audit_actions() == ["group.publish", "group.unpublish"]


# What the public sees


def test_the_initiative_names_places_and_organisations_only(world, full):
    initiative = showcase.public_initiative(full, NOW)
    assert initiative.title == "Moins d'encombrants"
    assert initiative.place == world.territory.name
    assert initiative.territory is None  # the group is for the neighbourhood itself
    assert initiative.landlord == "Habitat Test"
    assert [p.name for p in initiative.partners] == [
        "Ville Test",
        "Métropole",
        "Amicale",
    ]
    assert initiative.resident_members == 2  # active residents, not the pending one
    assert initiative.partner_organisations == 3
    assert initiative.meetings_held == 2  # the one to come is not held yet
    assert "Nadia" not in repr(initiative)
    assert "@" not in repr(initiative)


def test_a_building_groups_initiative_says_its_neighbourhood(world):
    item = factories.group(world.building)
    initiative = showcase.public_initiative(item, NOW)
    assert (initiative.place, initiative.territory) == (
        "Bâtiment A",
        world.territory.name,
    )


def test_objectives_carry_measurements_assessment_commitments_and_actions(world, full):
    first, second = showcase.public_initiative(full, NOW).objectives
    assert [m.value for m in first.measurements] == [13.0, 12.0, 10.0]
    assert [m.corrected for m in first.measurements] == [True, False, False]
    assert first.source == "Métropole"
    # 10 at the end of March: better than the 11.6 planned for then.
    assert (first.assessment.latest, first.assessment.status) == (10.0, Status.ON_TRACK)
    # 3.2 t on 7 March, where 3.6 t were planned: behind by less than 10 %.
    assert second.assessment.status is Status.AT_RISK
    parties = [party for party, _items in first.commitments]
    assert parties == ["Habitat Test", "Amicale", "Ville Test", "Les habitants"]
    late = dict(first.commitments)["Ville Test"][0]
    assert (late.title, late.late) == ("Relier le signalement", True)
    assert dict(first.commitments)["Habitat Test"][0].late is False
    assert [a.organisation for a in first.actions] == ["Ville Test", "Habitat Test"]
    assert first.actions[0].quantity == 3.2
    assert first.chart.points


def test_the_csv_has_one_row_per_measurement_and_action_and_no_formula(world, full):
    data = showcase.export_csv(showcase.public_initiative(full, NOW))
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data[1:])))
    assert tuple(rows[0]) == showcase.CSV_COLUMNS
    kinds = [row[0] for row in rows[1:]]
    assert kinds.count("mesure") == 4
    assert kinds.count("action") == 2
    injected = next(row for row in rows if row[9] == "Relier le signalement")
    assert injected[11].startswith("'=HYPERLINK")
    assert injected[6] == "3.2"
    assert rows[1][4] == "2026-01-31" and rows[1][5] == "mois" and rows[1][6] == "13"
    assert rows[1][8] == "oui"
    for person in PEOPLE:
        assert person not in data


def test_each_measurement_is_credited_to_the_organisation_that_entered_it(world):
    """Not to the objective's data source of today: it may have changed, and the
    landlord's staff enter values too."""
    waste = factories.organisation(OrganisationKind.WASTE_SERVICE, name="Métropole")
    item = factories.group(world.territory, partners=[world.partner_org, waste])
    objective = factories.objective(item, source_organisation_id=waste.id)
    factories.measurement(objective, date(2026, 2, 1), 13.0, organisation_id=waste.id)
    factories.measurement(
        objective,
        date(2026, 3, 1),
        12.0,
        organisation_id=world.landlord.id,
        reported_by=world.staff,
    )
    factories.measurement(objective, date(2026, 4, 1), 11.0)  # nobody's
    objective.source_organisation_id = world.partner_org.id  # the source changes
    db.session.commit()
    initiative = showcase.public_initiative(item, NOW)
    (public,) = initiative.objectives
    assert public.source == "Ville Test"
    assert [m.organisation for m in public.measurements] == [
        "Métropole",
        "Habitat Test",
        "",
    ]
    assert public.reporters == ["Métropole", "Habitat Test"]
    rows = list(csv.reader(io.StringIO(showcase.export_csv(initiative)[1:])))
    column = showcase.CSV_COLUMNS.index("organisation")
    assert [row[column] for row in rows[1:] if row[0] == "mesure"] == [
        "Métropole",
        "Habitat Test",
        "",
    ]
    data = showcase.export_json(initiative, "https://faireavec.test/initiatives/1")
    measurements = data["initiative"]["objectives"][0]["measurements"]
    assert [m["organisation"] for m in measurements] == [
        "Métropole",
        "Habitat Test",
        None,
    ]
    assert data["initiative"]["objectives"][0]["data_source"] == "Ville Test"


def test_the_json_is_versioned_licensed_and_free_of_personal_data(world, full):
    url = "https://faireavec.test/initiatives/1"
    data = showcase.export_json(showcase.public_initiative(full, NOW), url)
    text = json.dumps(data, ensure_ascii=False)
    assert data["schema"] == showcase.SCHEMA
    assert data["version"] == 1
    assert data["licence"]["name"] == "Licence Ouverte / Etalab 2.0"
    assert data["url"] == url
    initiative = data["initiative"]
    assert set(initiative) >= {
        "title",
        "place",
        "landlord",
        "summary",
        "partners",
        "counts",
        "objectives",
    }
    objective = initiative["objectives"][0]
    assert objective["baseline"] == {"value": 14.0, "date": "2026-01-01"}
    assert objective["measurements"][0] == {
        "date": "2026-01-31",
        "period": "month",
        "value": 13.0,
        "corrected": True,
        "organisation": "Métropole",
    }
    assert objective["assessment"]["status_label"]
    assert {c["party"] for c in objective["commitments"]} >= {"Les habitants"}
    assert initiative["counts"] == {
        "resident_members": 2,
        "partner_organisations": 3,
        "meetings_held": 2,
    }
    for person in PEOPLE:
        assert person not in text
    assert "reported_by" not in text and "user" not in text


def test_the_list_counts_each_initiatives_objectives_by_status(world, full, group):
    overviews = showcase.overviews([full, group])
    assert overviews[full.id].objectives == 2
    assert sum(overviews[full.id].statuses.values()) == 2
    assert overviews[group.id].statuses == {Status.NO_DATA: 1}


def test_only_published_initiatives_are_listed_newest_first(world, full, group):
    other = factories.group(world.other_building, published_at=NOW - timedelta(days=1))
    listed = db.session.scalars(showcase.published_query()).all()
    assert listed == [other, full]
    assert db.session.scalars(showcase.published_query(world.landlord.id)).all() == [
        full
    ]
    assert showcase.publishing_landlords() == [world.other_landlord, world.landlord]
