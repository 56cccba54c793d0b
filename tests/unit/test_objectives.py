"""Objectives and measurements through the services and the real database: who may
set and change an objective, report, correct and import values; what is refused
(with which French message) and that nothing is then saved; the page's numbers
against hand-worked examples; the chart's geometry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from participation.extensions import db
from participation.models import (
    AuditEvent,
    GroupPartner,
    Measurement,
    MeasurementRevision,
    Notification,
    NotificationKind,
    Objective,
    OrganisationKind,
    Period,
    Role,
)
from participation.services import PermissionDenied, ValidationError, objectives
from participation.services.indicators import Direction, Plan, Status
from participation.services.objectives import (
    ImportFailed,
    ObjectiveValues,
    chart_geometry,
    correct_measurement,
    import_measurements,
    objective_page,
    parse_month,
    parse_number,
    record_measurement,
)
from tests import factories
from tests.pages import count

#: 10 April 2026, noon in Paris: March 2026 is over, April is not.
NOW = datetime(2026, 4, 10, 10, 0, tzinfo=UTC)
JAN, FEB, MAR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)


# --- helpers ----------------------------------------------------------------------


@pytest.fixture
def setting(world):
    """A group with the city (partner_org) taking part, a resident member, and
    the bulky-waste objective (14 → 4 in 2026) measured by the city."""
    group = factories.group(world.territory, partners=[world.partner_org])
    factories.member(group, world.resident)
    factories.member(group, world.partner)
    objective = factories.objective(group, source_organisation=world.partner_org)
    world.extra.update(group=group, objective=objective)
    return world


def values(world, **changes) -> ObjectiveValues:
    base = {
        "title": "Moins d'encombrants aux Tilleuls",
        "description": "Réduire les dépôts **sauvages**.",
        "indicator": "Signalements d'encombrants par mois",
        "unit": "signalements",
        "direction": Direction.DECREASE,
        "baseline_value": 14.0,
        "baseline_date": date(2026, 1, 1),
        "target_value": 4.0,
        "target_date": date(2027, 1, 1),
        "source_organisation_id": world.partner_org.id,
        "milestones": [],
    }
    base.update(changes)
    return ObjectiveValues(**base)


def audits(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action)))


def errors_of(excinfo) -> dict:
    return excinfo.value.errors


def report(world, who=None, on=MAR, period=Period.MONTH, value=11.0, note="", now=NOW):
    return record_measurement(
        who or world.partner,
        world.extra["objective"],
        on,
        period,
        value,
        note,
        now,
    )


# --- reading numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,2", 3.2),
        ("3.2", 3.2),
        ("1 500", 1500.0),
        ("1\u202f500,5", 1500.5),
        ("  12 ", 12.0),
        ("", None),
        ("-4", -4.0),
    ],
)
def test_numbers_are_read_the_french_way_too(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "1.500,5", "nan", "inf", "3,2,1", "12 €"])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_an_absurdly_large_exponent_reads_as_infinity_for_the_checks_to_refuse():
    assert parse_number("1e400") == float("inf")


def test_months_are_read_as_their_first_day():
    assert parse_month("2026-03") == date(2026, 3, 1)
    assert parse_month("03/2026") == date(2026, 3, 1)
    assert parse_month("") is None
    for text in ("2026-13", "mars", "2026-03-01"):
        with pytest.raises(ValueError):
            parse_month(text)


# --- objectives -------------------------------------------------------------------


def test_staff_set_an_objective_with_sorted_milestones_and_an_audit(setting):
    group = setting.extra["group"]
    objective = objectives.create_objective(
        setting.staff,
        group,
        values(
            setting,
            milestones=[
                (date(2026, 9, 30), 7.0, "Trois trimestres"),
                (None, None, ""),  # a blank row is ignored
                (date(2026, 6, 30), 10.0, " Mi-parcours "),
            ],
        ),
        NOW,
    )
    db.session.expire_all()
    assert (
        objective.description_html
        == "<p>Réduire les dépôts <strong>sauvages</strong>.</p>"
    )
    assert [(m.due_date, m.value, m.label) for m in objective.milestones] == [
        (date(2026, 6, 30), 10.0, "Mi-parcours"),
        (date(2026, 9, 30), 7.0, "Trois trimestres"),
    ]
    assert objective.created_by_id == setting.staff.id
    [event] = audits("objective.create")
    assert event.object_id == objective.id
    assert event.landlord_id == setting.landlord.id


@pytest.mark.parametrize("who", ["resident", "partner", "other_staff", "newcomer"])
def test_only_the_landlords_staff_set_objectives(setting, who):
    before = count(Objective)
    with pytest.raises(PermissionDenied):
        objectives.create_objective(
            getattr(setting, who), setting.extra["group"], values(setting), NOW
        )
    assert count(Objective) == before


def test_a_resident_or_a_partner_may_not_edit_an_objective(setting):
    objective = setting.extra["objective"]
    for who in (setting.resident, setting.partner, setting.other_staff):
        with pytest.raises(PermissionDenied):
            objectives.update_objective(who, objective, values(setting), NOW)
    db.session.rollback()
    assert objective.title.startswith("Objectif")


def test_an_admin_may_set_objectives_anywhere(setting):
    objective = objectives.create_objective(
        setting.admin, setting.extra["group"], values(setting), NOW
    )
    assert objective.id


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "abc"}, "title", "entre 5 et 160 caractères"),
        ({"indicator": ""}, "indicator", "Nommez l'indicateur"),
        ({"unit": ""}, "unit", "Indiquez l'unité"),
        ({"direction": None}, "direction", "doit baisser ou monter"),
        ({"baseline_value": None}, "baseline_value", "Indiquez la valeur de départ"),
        ({"baseline_value": float("inf")}, "baseline_value", "Valeur absurde"),
        ({"baseline_value": float("nan")}, "baseline_value", "Valeur absurde"),
        ({"target_value": -1.0}, "target_value", "ne peut pas être négative"),
        ({"target_value": 2e9}, "target_value", "Valeur absurde"),
        (
            {"target_value": 14.0},
            "target_value",
            "doit différer de la valeur de départ",
        ),
        ({"target_value": 20.0}, "target_value", "la cible est plus basse"),
        (
            {"direction": Direction.INCREASE},
            "target_value",
            "la cible est plus haute",
        ),
        ({"target_date": date(2026, 1, 1)}, "target_date", "vient après la date"),
        ({"target_date": date(2025, 6, 1)}, "target_date", "vient après la date"),
        ({"baseline_date": None}, "baseline_date", "Indiquez la date"),
        ({"source_organisation_id": None}, "source_organisation_id", "partenaire"),
    ],
)
def test_bad_objectives_are_refused_field_by_field(setting, changes, field, message):
    before = count(Objective)
    with pytest.raises(ValidationError) as excinfo:
        objectives.create_objective(
            setting.staff, setting.extra["group"], values(setting, **changes), NOW
        )
    assert message in " ".join(errors_of(excinfo)[field])
    assert count(Objective) == before


def test_a_double_click_creates_one_objective(setting):
    """The same title in the same group by the same person within two minutes
    returns the objective already created, as groups and meetings do."""
    group = setting.extra["group"]
    first = objectives.create_objective(setting.staff, group, values(setting), NOW)
    again = objectives.create_objective(
        setting.staff,
        group,
        values(setting, title="  Moins d'encombrants aux Tilleuls "),
        NOW + timedelta(seconds=3),
    )
    assert again.id == first.id
    assert count(Objective, Objective.group_id == group.id) == 2  # + the fixture's
    assert len(audits("objective.create")) == 1
    # Later, another title, or from someone else: a new objective.
    later = objectives.create_objective(
        setting.staff, group, values(setting), NOW + timedelta(minutes=3)
    )
    other = objectives.create_objective(
        setting.staff, group, values(setting, title="Autre objectif"), NOW
    )
    by_admin = objectives.create_objective(setting.admin, group, values(setting), NOW)
    assert len({first.id, later.id, other.id, by_admin.id}) == 4


def test_a_resubmission_still_checks_the_values_first(setting):
    group = setting.extra["group"]
    objectives.create_objective(setting.staff, group, values(setting), NOW)
    with pytest.raises(ValidationError):
        objectives.create_objective(
            setting.staff, group, values(setting, target_value=None), NOW
        )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"target_date": date(9999, 12, 31)},
            "target_date",
            "La date cible doit être comprise entre le 10 avril 2006 et le "
            "10 avril 2046.",
        ),
        (
            {"baseline_date": date(1900, 1, 1)},
            "baseline_date",
            "La date de départ doit être comprise entre le 10 avril 2006 et le "
            "10 avril 2046.",
        ),
        (
            {"target_date": date(2046, 4, 11)},
            "target_date",
            "La date cible doit être comprise",
        ),
        (
            {
                "target_date": date(9999, 12, 31),
                "milestones": [(date(5000, 1, 1), 8.0, "")],
            },
            "milestones",
            "Jalon 1 : sa date doit être comprise entre le 10 avril 2006 et le "
            "10 avril 2046.",
        ),
    ],
)
def test_dates_more_than_20_years_away_are_refused(setting, changes, field, message):
    before = count(Objective)
    with pytest.raises(ValidationError) as excinfo:
        objectives.create_objective(
            setting.staff, setting.extra["group"], values(setting, **changes), NOW
        )
    assert message in " ".join(errors_of(excinfo)[field])
    assert count(Objective) == before


def test_dates_20_years_away_are_accepted_and_saved_ones_kept(setting):
    objective = objectives.create_objective(
        setting.staff,
        setting.extra["group"],
        values(
            setting,
            baseline_date=date(2006, 4, 10),
            target_date=date(2046, 4, 10),
            milestones=[(date(2046, 4, 9), 5.0, "")],
        ),
        NOW,
    )
    # 30 years on, the objective may still be edited without moving its dates.
    objectives.update_objective(
        setting.staff,
        objective,
        values(
            setting,
            title="Un titre modifié",
            baseline_date=date(2006, 4, 10),
            target_date=date(2046, 4, 10),
            milestones=[(date(2046, 4, 9), 5.0, "")],
        ),
        datetime(2056, 4, 10, 10, tzinfo=UTC),
    )
    assert objective.title == "Un titre modifié"


def test_the_data_source_is_the_landlord_or_a_partner_of_the_group(setting):
    group = setting.extra["group"]
    stranger = factories.organisation(OrganisationKind.ASSOCIATION, name="Loin")
    for source in (stranger, setting.other_landlord):
        with pytest.raises(ValidationError) as excinfo:
            objectives.create_objective(
                setting.staff,
                group,
                values(setting, source_organisation_id=source.id),
                NOW,
            )
        assert "source_organisation_id" in errors_of(excinfo)
    mine = objectives.create_objective(
        setting.staff,
        group,
        values(setting, source_organisation_id=setting.landlord.id),
        NOW,
    )
    assert mine.source_organisation_id == setting.landlord.id


def test_milestones_stay_inside_the_span_once_each(setting):
    rows = [
        (date(2025, 12, 1), 12.0, ""),  # before the baseline
        (date(2026, 6, 30), 10.0, ""),
        (date(2026, 6, 30), 9.0, ""),  # the same date again
        (None, 8.0, "Sans date"),
        (date(2026, 9, 1), None, ""),
        (date(2027, 1, 1), 4.0, ""),  # on the target date: that is the target
    ]
    with pytest.raises(ValidationError) as excinfo:
        objectives.create_objective(
            setting.staff,
            setting.extra["group"],
            values(setting, milestones=rows),
            NOW,
        )
    messages = errors_of(excinfo)["milestones"]
    assert messages[0].startswith("Jalon 1 : sa date doit être entre le 1 janvier 2026")
    assert "Jalon 3 : un autre jalon a déjà cette date." in messages
    assert "Jalon 4 : indiquez sa date." in messages
    assert "Jalon 5 : indiquez la valeur visée." in messages
    assert any(m.startswith("Jalon 6 : sa date doit être entre") for m in messages)


def test_changing_the_baseline_after_measurements_is_audited_with_before_and_after(
    setting,
):
    objective = setting.extra["objective"]
    factories.measurement(objective, MAR, 11.0, period=Period.MONTH)
    objectives.update_objective(
        setting.staff,
        objective,
        values(setting, baseline_value=15.0, target_value=5.0),
        NOW,
    )
    db.session.expire_all()
    assert (objective.baseline_value, objective.target_value) == (15.0, 5.0)
    [event] = audits("objective.edit")
    assert event.details["before"] == {"baseline_value": 14.0, "target_value": 4.0}
    assert event.details["after"] == {"baseline_value": 15.0, "target_value": 5.0}
    assert event.details["measurements"] == 1
    assert "title" in event.details["fields"]


def test_saving_an_unchanged_objective_records_nothing(setting):
    objective = setting.extra["objective"]
    same = values(
        setting,
        title=objective.title,
        description="",
        indicator=objective.indicator,
        unit=objective.unit,
    )
    objectives.update_objective(setting.staff, objective, same, NOW)
    assert audits("objective.edit") == []


def test_new_dates_may_not_leave_measurements_outside_the_span(setting):
    objective = setting.extra["objective"]
    factories.measurement(objective, JAN, 13.0, period=Period.MONTH)
    factories.measurement(objective, MAR, 11.0, period=Period.MONTH)
    with pytest.raises(ValidationError) as excinfo:
        objectives.update_objective(
            setting.staff,
            objective,
            values(
                setting,
                baseline_date=date(2026, 2, 1),
                target_date=date(2026, 3, 15),
            ),
            NOW,
        )
    errors = errors_of(excinfo)
    assert "Des mesures existent dès le 31 janvier 2026" in errors["baseline_date"][0]
    assert "Des mesures existent jusqu'au 31 mars 2026" in errors["target_date"][0]
    db.session.rollback()
    assert objective.baseline_date == date(2026, 1, 1)


# --- measurements -----------------------------------------------------------------


def test_a_month_is_stored_on_its_last_day_and_the_members_hear_of_it(setting):
    measurement = report(setting, on=date(2026, 3, 1), note="Chiffres du service")
    db.session.expire_all()
    assert measurement.measured_on == MAR
    assert measurement.period is Period.MONTH
    assert measurement.organisation_id == setting.partner_org.id
    assert measurement.reported_by_id == setting.partner.id
    notes = list(
        db.session.scalars(
            db.select(Notification).filter_by(
                kind=NotificationKind.MEASUREMENT_REPORTED
            )
        )
    )
    # The resident member hears of it; the partner who reported it does not.
    assert [n.user_id for n in notes] == [setting.resident.id]
    assert notes[0].group_id == setting.extra["group"].id
    assert notes[0].details == {
        "objective_id": setting.extra["objective"].id,
        "objective_title": setting.extra["objective"].title,
        "value": 11.0,
        "unit": "signalements",
        "measured_on": "2026-03-31",
        "period": "month",
    }
    [event] = audits("measurement.report")
    assert event.actor_id == setting.partner.id
    assert event.details["value"] == 11.0


def test_staff_report_a_days_value(setting):
    measurement = report(
        setting, who=setting.staff, on=date(2026, 4, 9), period=Period.DAY
    )
    assert measurement.measured_on == date(2026, 4, 9)
    assert measurement.period is Period.DAY
    assert measurement.organisation_id == setting.landlord.id


def test_the_month_ends_at_midnight_in_paris(setting):
    """31 March 2026, 21:30 UTC is 23:30 in Paris: March is not over yet; at
    22:30 UTC it is 1 April in Paris, and March is over."""
    with pytest.raises(ValidationError):
        report(setting, on=MAR, now=datetime(2026, 3, 31, 21, 30, tzinfo=UTC))
    evening = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    assert report(setting, on=MAR, now=evening).measured_on == MAR


@pytest.mark.parametrize(
    ("on", "period", "value", "field", "message"),
    [
        (MAR, Period.MONTH, None, "value", "Indiquez une valeur."),
        (MAR, Period.MONTH, float("inf"), "value", "Valeur absurde"),
        (MAR, Period.MONTH, 1e10, "value", "Valeur absurde"),
        (MAR, Period.MONTH, -1.0, "value", "ne peut pas être négative"),
        (None, Period.MONTH, 3.0, "measured_on", "Indiquez le mois ou la date"),
        (date(2026, 4, 1), Period.MONTH, 3.0, "measured_on", "n'est pas terminé"),
        (date(2026, 4, 11), Period.DAY, 3.0, "measured_on", "dans le futur"),
        (date(2025, 12, 31), Period.DAY, 3.0, "measured_on", "avant le départ"),
        (date(2025, 12, 1), Period.MONTH, 3.0, "measured_on", "avant le départ"),
    ],
)
def test_bad_measurements_are_refused_and_nothing_is_saved(
    setting, on, period, value, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        report(setting, on=on, period=period, value=value)
    assert message in errors_of(excinfo)[field][0]
    assert count(Measurement) == 0
    assert count(Notification) == 0


def test_a_measurement_after_the_target_date_is_refused(setting):
    late = datetime(2027, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(ValidationError) as excinfo:
        report(setting, on=date(2027, 1, 15), period=Period.DAY, now=late)
    assert (
        "après l'échéance de l'objectif (1 janvier 2027)"
        in (errors_of(excinfo)["measured_on"][0])
    )


def test_the_unfinished_month_message_says_when_to_come_back(setting):
    with pytest.raises(ValidationError) as excinfo:
        report(setting, on=date(2026, 4, 1))
    assert errors_of(excinfo)["measured_on"] == [
        "Le mois de avril 2026 n'est pas terminé : sa valeur se saisit à partir du "
        "1 mai 2026."
    ]


def test_a_note_is_plain_text_of_300_characters_at_most(setting):
    with pytest.raises(ValidationError) as excinfo:
        report(setting, note="x" * 301)
    assert "note" in errors_of(excinfo)
    measurement = report(setting, note="<b>Source</b> : service")
    assert measurement.note == "Source : service"


def test_one_value_per_date(setting):
    report(setting)
    with pytest.raises(ValidationError) as excinfo:
        report(setting, value=9.0)
    assert errors_of(excinfo)["measured_on"] == [
        "Une valeur existe déjà pour mars 2026 : corrigez-la depuis le tableau des "
        "mesures plutôt que d'en saisir une seconde."
    ]
    assert count(Measurement) == 1


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        (
            (MAR, Period.MONTH),
            (date(2026, 3, 15), Period.DAY),
            "Cet indicateur est suivi par mois : indiquez un mois.",
        ),
        (
            (date(2026, 3, 15), Period.DAY),
            (FEB, Period.MONTH),
            "Cet indicateur est suivi par jour : indiquez un jour.",
        ),
    ],
)
def test_days_and_months_are_not_mixed_in_one_series(setting, first, then, message):
    report(setting, on=first[0], period=first[1], value=12.0)
    with pytest.raises(ValidationError) as excinfo:
        report(setting, on=then[0], period=then[1], value=1.0)
    assert errors_of(excinfo) == {"period": [message]}
    assert count(Measurement) == 1
    assert objectives.period_in_use(setting.extra["objective"]) is first[1]
    report(setting, on=date(2026, 1, 31), period=first[1], value=13.0)
    assert count(Measurement) == 2


def test_the_period_in_use_is_none_before_the_first_measurement(setting):
    assert objectives.period_in_use(setting.extra["objective"]) is None


def test_two_reports_racing_for_the_same_date_save_one(setting, monkeypatch):
    """The second one passed the check before the first was saved: the unique
    constraint refuses it, with the same message."""
    report(setting)
    monkeypatch.setattr(objectives, "_taken", lambda objective, on: False)
    with pytest.raises(ValidationError) as excinfo:
        report(setting, value=9.0)
    assert (
        "Une valeur existe déjà pour mars 2026" in errors_of(excinfo)["measured_on"][0]
    )
    assert count(Measurement) == 1


@pytest.mark.parametrize("who", ["resident", "other_staff", "newcomer"])
def test_who_may_not_report(setting, who):
    with pytest.raises(PermissionDenied):
        report(setting, who=getattr(setting, who))
    assert count(Measurement) == 0


def test_a_partner_of_another_organisation_may_not_report(setting):
    association = factories.organisation(OrganisationKind.ASSOCIATION, name="Asso")
    setting.extra["group"].partners.append(GroupPartner(organisation=association))
    db.session.commit()
    volunteer = factories.user(Role.PARTNER, association)
    with pytest.raises(PermissionDenied):
        report(setting, who=volunteer)


# --- corrections ------------------------------------------------------------------


def test_a_correction_keeps_the_previous_value_who_and_why(setting):
    measurement = report(setting, note="Provisoire")
    revision = correct_measurement(
        setting.partner, measurement, 12.0, "Définitif", "Chiffre définitif", NOW
    )
    db.session.expire_all()
    assert (measurement.value, measurement.note) == (12.0, "Définitif")
    assert (revision.previous_value, revision.previous_note) == (11.0, "Provisoire")
    assert (revision.new_value, revision.reason) == (12.0, "Chiffre définitif")
    assert revision.changed_by_id == setting.partner.id
    [event] = audits("measurement.correct")
    assert event.details["before"] == {"value": 11.0, "note": "Provisoire"}
    assert event.details["after"] == {"value": 12.0, "note": "Définitif"}


def test_a_correction_needs_a_reason_and_a_change(setting):
    measurement = report(setting)
    with pytest.raises(ValidationError) as excinfo:
        correct_measurement(setting.staff, measurement, 12.0, "", " ", NOW)
    assert "Expliquez la correction" in errors_of(excinfo)["reason"][0]
    with pytest.raises(ValidationError) as excinfo:
        correct_measurement(setting.staff, measurement, 11.0, "", "Rien", NOW)
    assert errors_of(excinfo)["value"] == [
        "Rien n'a changé : modifiez la valeur ou la note."
    ]
    with pytest.raises(ValidationError) as excinfo:
        correct_measurement(setting.staff, measurement, -3.0, "", "Erreur", NOW)
    assert "négative" in errors_of(excinfo)["value"][0]
    assert count(MeasurementRevision) == 0


def test_who_may_correct(setting):
    by_partner = report(setting)
    by_staff = report(setting, who=setting.staff, on=FEB, value=12.0)
    # The city's partner corrects its own values, not the landlord's.
    with pytest.raises(PermissionDenied):
        correct_measurement(setting.partner, by_staff, 13.0, "", "Erreur", NOW)
    for who in (setting.resident, setting.other_staff):
        with pytest.raises(PermissionDenied):
            correct_measurement(who, by_partner, 10.0, "", "Erreur", NOW)
    correct_measurement(setting.staff, by_partner, 10.0, "", "Erreur", NOW)
    assert count(MeasurementRevision) == 1


# --- CSV import -------------------------------------------------------------------


def test_a_csv_file_with_months_decimal_commas_and_a_bom(setting):
    data = (
        "\ufeffDate;Valeur;Note\n"
        "2026-01;13;Janvier\n"
        "2026-03;11.5;Comptage\n"
        "\n"
        "02/2026;12,5;\n"
    ).encode()
    assert (
        import_measurements(setting.partner, setting.extra["objective"], data, NOW) == 3
    )
    db.session.expire_all()
    rows = db.session.execute(
        db.select(
            Measurement.measured_on, Measurement.period, Measurement.value
        ).order_by(Measurement.measured_on)
    ).all()
    assert rows == [
        (JAN, Period.MONTH, 13.0),
        (FEB, Period.MONTH, 12.5),
        (MAR, Period.MONTH, 11.5),
    ]
    # One notification for the batch, about its latest value.
    [note] = db.session.scalars(db.select(Notification)).all()
    assert note.details["count"] == 3
    assert note.details["measured_on"] == "2026-03-31"
    [event] = audits("measurement.import")
    assert event.details["count"] == 3


def test_a_csv_file_of_days_in_french_or_iso_dates(setting):
    data = "date;valeur\n15/03/2026;11,5\n2026-03-01;12\n"
    assert (
        import_measurements(setting.staff, setting.extra["objective"], data, NOW) == 2
    )
    assert set(db.session.scalars(db.select(Measurement.period))) == {Period.DAY}


def test_a_file_mixing_days_and_months_imports_nothing(setting):
    data = "date;valeur\n2026-01;13\n2026-02;12\n2026-03-15;1\n2026-02-10;3\n"
    with pytest.raises(ImportFailed) as excinfo:
        import_measurements(setting.staff, setting.extra["objective"], data, NOW)
    assert excinfo.value.lines == [
        (
            4,
            "la ligne 2 porte sur un mois : un indicateur se suit par mois ou par "
            "jour, pas les deux. Indiquez un mois.",
        ),
        (
            5,
            "la ligne 2 porte sur un mois : un indicateur se suit par mois ou par "
            "jour, pas les deux. Indiquez un mois.",
        ),
    ]
    assert count(Measurement) == 0


@pytest.mark.parametrize(
    ("measured", "line", "message"),
    [
        (
            (MAR, Period.MONTH),
            "2026-03-15;1",
            "Ligne 2 : Cet indicateur est suivi par mois : indiquez un mois.",
        ),
        (
            (date(2026, 3, 15), Period.DAY),
            "2026-02;12",
            "Ligne 2 : Cet indicateur est suivi par jour : indiquez un jour.",
        ),
    ],
)
def test_a_file_of_the_other_period_than_the_measurements_imports_nothing(
    setting, measured, line, message
):
    """A day value of 1 on 15 March next to March's 12 would be a broken series."""
    objective = setting.extra["objective"]
    factories.measurement(objective, measured[0], 12.0, period=measured[1])
    with pytest.raises(ImportFailed) as excinfo:
        import_measurements(setting.staff, objective, f"date;valeur\n{line}\n", NOW)
    assert errors_of(excinfo)["file"] == [message]
    assert count(Measurement) == 1


def test_a_comma_separated_file_quotes_its_decimal_commas(setting):
    data = 'date,valeur,note\n2026-01,"12,5",ok\n2026-02,12,\n'
    assert (
        import_measurements(setting.staff, setting.extra["objective"], data, NOW) == 2
    )


def test_a_file_with_errors_imports_nothing_and_lists_every_line(setting):
    data = (
        b"date;valeur;note\n"
        b"2026-01;13;\n"  # line 2: fine
        b"2026-02;abc;\n"  # line 3: not a number
        b"2026-03;11;\n"  # line 4: fine
        b"2026-05;10;\n"  # line 5: May is not over
    )
    with pytest.raises(ImportFailed) as excinfo:
        import_measurements(setting.partner, setting.extra["objective"], data, NOW)
    assert [n for n, _message in excinfo.value.lines] == [3, 5]
    messages = errors_of(excinfo)["file"]
    assert messages[0].startswith("Ligne 3 : valeur « abc » illisible")
    assert messages[1].startswith("Ligne 5 : Le mois de mai 2026 n'est pas terminé")
    assert count(Measurement) == 0
    assert count(Notification) == 0


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["2026-13;3;"], "date illisible « 2026-13 »"),
        (["mars;3;"], "date illisible"),
        ([";3;"], "date illisible"),
        (["2026-03;-1;"], "ne peut pas être négative"),
        (["2026-03;1e400;"], "Valeur absurde"),
        (["2026-03;;"], "Indiquez une valeur."),
        (["2025-11;3;"], "avant le départ"),
        (["2026-04-11;3;"], "dans le futur"),
        (["2026-03;3;" + "x" * 301], "300 caractères"),
        (["2026-03;3;;de trop"], "trop de colonnes"),
        (["2026-03;3;", "2026-03-31;4;"], "mars 2026 figure déjà à la ligne 2."),
    ],
)
def test_line_errors(setting, lines, expected):
    data = "date;valeur;note\n" + "\n".join(lines) + "\n"
    with pytest.raises(ImportFailed) as excinfo:
        import_measurements(setting.staff, setting.extra["objective"], data, NOW)
    assert expected in " ".join(errors_of(excinfo)["file"])
    assert count(Measurement) == 0


def test_a_date_already_measured_is_an_error_in_the_file(setting):
    report(setting, on=FEB, value=12.0)
    data = "date;valeur;note\n2026-01;13;\n2026-02;12;\n"
    with pytest.raises(ImportFailed) as excinfo:
        import_measurements(setting.staff, setting.extra["objective"], data, NOW)
    assert excinfo.value.lines[0][0] == 3
    assert "Une valeur existe déjà pour février 2026" in excinfo.value.lines[0][1]
    assert count(Measurement) == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("", "Ligne 1 : le fichier est vide."),
        ("date;valeur;note\n", "Ligne 2 : aucune mesure dans le fichier."),
        ("jour;valeur\n2026-01;3\n", "Ligne 1 : en-tête incorrect"),
        ("date,valeur,note,autre\n", "Ligne 1 : en-tête incorrect"),
    ],
)
def test_file_errors(setting, data, expected):
    with pytest.raises(ImportFailed) as excinfo:
        import_measurements(setting.staff, setting.extra["objective"], data, NOW)
    assert errors_of(excinfo)["file"][0].startswith(expected)


def test_the_file_size_and_line_count_are_limited(setting, monkeypatch):
    with pytest.raises(ValidationError) as excinfo:
        import_measurements(
            setting.staff,
            setting.extra["objective"],
            b"x" * (objectives.MAX_IMPORT_BYTES + 1),
            NOW,
        )
    assert "dépasse 1 Mo" in errors_of(excinfo)["file"][0]
    monkeypatch.setattr(objectives, "MAX_IMPORT_LINES", 2)
    data = "date;valeur\n2026-01;3\n2026-02;3\n2026-03;3\n"
    with pytest.raises(ImportFailed) as excinfo:
        import_measurements(setting.staff, setting.extra["objective"], data, NOW)
    assert excinfo.value.lines[-1] == (4, "le fichier dépasse 2 lignes : découpez-le.")


def test_only_those_who_report_may_import(setting):
    data = "date;valeur\n2026-01;3\n"
    for who in (setting.resident, setting.other_staff):
        with pytest.raises(PermissionDenied):
            import_measurements(who, setting.extra["objective"], data, NOW)
    assert count(Measurement) == 0


# --- the page tells the truth (hand-worked) ---------------------------------------


def monthly(objective, *values_by_month):
    for day, value in values_by_month:
        factories.measurement(objective, day, value, period=Period.MONTH)


def test_a_decrease_on_track(setting):
    """14 → 4 over 2026 (365 days). 13, 12, 11 at the ends of January to March.

    Progress: (14 − 11) / (14 − 4) = 30 %. Trajectory on 31 March (day 89):
    14 − 10 × 89/365 = 11.56, and 11 is below it: on track. Least squares over
    (0, 13), (28, 12), (59, 11): slope −59/1742 per day, 12.98 at day 0; it
    reaches 4 after 265.2 days, on 23 October 2026.
    """
    objective = setting.extra["objective"]
    monthly(objective, (JAN, 13), (FEB, 12), (MAR, 11))
    page = objective_page(objective, date(2026, 4, 10))
    a = page.assessment
    assert (a.latest, a.latest_date, a.progress_percent) == (11, MAR, 30)
    assert a.expected == pytest.approx(14 - 10 * 89 / 365)
    assert a.status is Status.ON_TRACK
    assert a.projected_date == date(2026, 10, 23)
    assert not page.projection_late and not page.target_passed
    assert [m.value for m in page.measurements] == [13, 12, 11]


def test_a_decrease_off_track_with_a_late_projection(setting):
    """14 → 4 by 1 July 2026 (181 days): on 31 March the trajectory is at
    14 − 10 × 89/181 = 9.08; 11 is 1.92 behind, more than 10 % of 10: late. The
    same trend reaches 4 in October, after the target date."""
    objective = factories.objective(
        setting.extra["group"],
        target_date=date(2026, 7, 1),
        source_organisation=setting.partner_org,
    )
    monthly(objective, (JAN, 13), (FEB, 12), (MAR, 11))
    page = objective_page(objective, date(2026, 4, 10))
    assert page.assessment.status is Status.OFF_TRACK
    assert page.assessment.expected == pytest.approx(9.08, abs=0.01)
    assert page.projection_late


def test_an_increase_at_risk_with_a_single_measurement(setting):
    """2 → 6 tonnes over 364 days; 2.6 on 1 March (day 59), when the trajectory
    is at 2 + 4 × 59/364 = 2.65: 0.05 behind, within 0.4: to watch. Progress
    (2.6 − 2) / 4 = 15 %; one measurement: no projection."""
    objective = factories.objective(
        setting.extra["group"],
        direction=Direction.INCREASE,
        unit="tonnes",
        baseline_value=2.0,
        target_value=6.0,
        target_date=date(2026, 12, 31),
    )
    factories.measurement(objective, date(2026, 3, 1), 2.6)
    a = objective_page(objective, date(2026, 4, 10)).assessment
    assert a.status is Status.AT_RISK
    assert a.progress_percent == 15
    assert a.projected_date is None


def test_a_met_target_and_no_measurement(setting):
    objective = setting.extra["objective"]
    empty = objective_page(objective, date(2026, 4, 10))
    assert empty.assessment.status is Status.NO_DATA
    assert empty.assessment.progress_percent is None and empty.latest is None
    monthly(objective, (JAN, 9), (FEB, 3))
    met = objective_page(objective, date(2026, 4, 10)).assessment
    assert met.status is Status.ACHIEVED
    assert met.progress_percent == 100  # 110 %, clamped
    assert met.projected_date is None


def test_a_target_date_passed_without_the_target(setting):
    objective = setting.extra["objective"]
    monthly(objective, (date(2026, 12, 31), 8))
    assert objective_page(objective, date(2027, 2, 1)).target_passed
    assert not objective_page(objective, date(2026, 12, 31)).target_passed


# --- the chart's geometry -----------------------------------------------------------

PLAN = Plan(Direction.DECREASE, 14, date(2026, 1, 1), 4, date(2027, 1, 1))


def test_points_are_placed_where_the_arithmetic_says(app):
    chart = chart_geometry(PLAN, [(date(2026, 7, 2), 9.0), (MAR, 11.0)], months={MAR})
    # y: 0 at the bottom (200) up to 15 (a round value above 14) at the top (16).
    assert chart.y_max == 15
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10", "15"]
    height = chart.bottom - chart.top
    assert chart.baseline.y == pytest.approx(chart.bottom - height * 14 / 15, abs=0.01)
    assert chart.target.y == pytest.approx(chart.bottom - height * 4 / 15, abs=0.01)
    # x: 1 January 2026 at the left edge, 1 January 2027 at the right (365 days).
    width = chart.right - chart.left
    assert chart.baseline.x == chart.left and chart.target.x == chart.right
    march, july = chart.points  # sorted by date
    # March's value (stored on the 31st) is drawn at the middle of March, the
    # 16th, 74 days after the start; the table gives the trajectory there.
    assert march.x == pytest.approx(chart.left + width * 74 / 365, abs=0.01)
    assert march.expected_label == "11,97"  # 14 − 10 × 74/365
    assert march.datetime == "2026-03"
    assert july.x == pytest.approx(chart.left + width * 182 / 365, abs=0.01)
    assert july.y == pytest.approx(chart.bottom - height * 9 / 15, abs=0.01)
    assert (march.label, july.label) == ("mars 2026", "2 juillet 2026")
    assert july.expected_label == "9,01"  # 14 − 10 × 182/365
    assert july.datetime == "2026-07-02"
    assert chart.polyline == f"{march.x:.1f},{march.y:.1f} {july.x:.1f},{july.y:.1f}"
    # 12 months, labelled every other month (at most six labels) at the middle
    # of the month they name, the year under the first label and under January;
    # marks at the start and the end of each labelled month.
    assert [(t.label, t.sublabel) for t in chart.x_ticks] == [
        ("janv.", "2026"),
        ("mars", ""),
        ("mai", ""),
        ("juil.", ""),
        ("sept.", ""),
        ("nov.", ""),
    ]
    january, march_tick = chart.x_ticks[:2]
    assert january.at == pytest.approx(chart.left + width * 15 / 365, abs=0.01)
    assert march_tick.at == march.x  # March's value above March's label
    assert chart.x_marks[:4] == (
        chart.left,
        pytest.approx(chart.left + width * 31 / 365, abs=0.01),  # 1 February
        pytest.approx(chart.left + width * 59 / 365, abs=0.01),  # 1 March
        pytest.approx(chart.left + width * 90 / 365, abs=0.01),  # 1 April
    )


def test_a_months_value_is_drawn_inside_its_month_not_above_the_next(app):
    """October's value (stored on 31 October) lies between the 1 October and the
    1 November marks, exactly above the "oct." label; a day's value stays on
    its day."""
    plan = Plan(Direction.DECREASE, 14, date(2026, 9, 1), 4, date(2027, 3, 1))
    october = date(2026, 10, 31)
    chart = chart_geometry(
        plan, [(october, 10.0), (date(2026, 11, 20), 9.0)], months={october}
    )
    assert [t.label for t in chart.x_ticks] == [
        "sept.",
        "oct.",
        "nov.",
        "déc.",
        "janv.",
        "févr.",
    ]
    tick = {t.label: t.at for t in chart.x_ticks}
    monthly, daily = chart.points
    width = chart.right - chart.left

    def x(day: date) -> float:
        return chart.left + width * (day - plan.baseline_date).days / 181

    assert x(date(2026, 10, 1)) < monthly.x < x(date(2026, 11, 1))
    assert monthly.x == tick["oct."] == pytest.approx(x(date(2026, 10, 16)), abs=0.01)
    assert (monthly.on, monthly.label) == (october, "octobre 2026")
    assert monthly.expected_label == "11,51"  # 14 − 10 × 45/181, on 16 October
    assert daily.x == pytest.approx(x(date(2026, 11, 20)), abs=0.01)
    assert tick["nov."] < daily.x < x(date(2026, 12, 1))


def test_a_january_value_may_stretch_the_axis_to_the_middle_of_january(app):
    plan = Plan(Direction.DECREASE, 14, date(2026, 1, 20), 4, date(2026, 12, 31))
    chart = chart_geometry(plan, [(JAN, 13.0)], months={JAN})
    assert chart.start == date(2026, 1, 16)
    assert chart.points[0].x == chart.left
    assert chart.baseline.x > chart.left


@pytest.mark.parametrize(
    ("end", "labels"),
    [
        (date(2027, 6, 30), ["janv.", "avr.", "juil.", "oct.", "janv.", "avr."]),
        (date(2029, 1, 1), ["janv.", "juil.", "janv.", "juil.", "janv.", "juil."]),
        (date(2030, 12, 31), ["2026", "2027", "2028", "2029", "2030"]),
        (date(2045, 12, 31), ["2026", "2032", "2038", "2044"]),
        (date(9999, 12, 31), ["2500", "5000", "7500"]),
    ],
)
def test_long_spans_get_few_labels_and_never_crash(app, end, labels):
    """At most six labels, every 1, 2, 3 or 6 months or 1, 2, 3, 6 or 12 years
    (then rounder numbers of years); even up to year 9999."""
    plan = Plan(Direction.INCREASE, 0, date(2026, 1, 1), 10, end)
    chart = chart_geometry(plan, [(date(2026, 3, 31), 2.0)], months={MAR})
    assert [t.label for t in chart.x_ticks] == labels
    assert len(chart.x_marks) <= 2 * len(labels)
    assert all(chart.left <= t.at <= chart.right for t in chart.x_ticks)
    assert all(chart.left <= at <= chart.right for at in chart.x_marks)


def test_a_single_measurement_and_no_measurement(app):
    single = chart_geometry(PLAN, [(MAR, 20.0)])
    assert single.y_max == 20  # the value is above the baseline: the axis grows
    assert len(single.points) == 1
    none = chart_geometry(PLAN, [])
    assert none.points == () and none.polyline == ""
    assert none.start == PLAN.baseline_date and none.end == PLAN.target_date
    assert [kind for kind, _what, _point in none.rows] == ["baseline", "target"]


def test_a_late_measurement_stretches_the_time_axis_and_milestones_are_drawn(app):
    chart = chart_geometry(
        PLAN,
        [(date(2027, 3, 1), 5.0)],
        [(date(2026, 6, 30), 10.0, "Mi-parcours")],
    )
    assert chart.end == date(2027, 3, 1)
    assert chart.points[0].x == chart.right
    assert chart.target.x < chart.right
    [milestone] = chart.milestones
    assert milestone.note == "Mi-parcours"
    kinds = [kind for kind, _what, _point in chart.rows]
    assert kinds == ["baseline", "milestone", "target", "measurement"]


def test_a_short_span_labels_its_two_ends(app):
    plan = Plan(Direction.INCREASE, 0, date(2026, 3, 2), 3, date(2026, 3, 20))
    chart = chart_geometry(plan, [])
    assert [t.label for t in chart.x_ticks] == ["2 mars", "20 mars"]
    assert chart.y_max == 3
