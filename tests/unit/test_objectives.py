"""Objectives and measurements through the services and the real database: who may
set and change an objective, report, correct and import values; what is refused
(with which French message) and that nothing is then saved; the page's numbers
against hand-worked examples; the chart's geometry."""

from __future__ import annotations

from datetime import UTC, date, datetime

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


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(
        db.select(db.func.count()).select_from(model).where(*where)
    )


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


def test_a_csv_file_with_months_days_decimal_commas_and_a_bom(setting):
    data = (
        "\ufeffDate;Valeur;Note\n"
        "2026-01;13;Janvier\n"
        "2026-02;12,5;\n"
        "\n"
        "2026-03-15;11.5;Comptage du 15\n"
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
        (date(2026, 3, 15), Period.DAY, 11.5),
    ]
    # One notification for the batch, about its latest value.
    [note] = db.session.scalars(db.select(Notification)).all()
    assert note.details["count"] == 3
    assert note.details["measured_on"] == "2026-03-15"
    [event] = audits("measurement.import")
    assert event.details["count"] == 3


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
    assert march.x == pytest.approx(chart.left + width * 89 / 365, abs=0.01)
    assert july.x == pytest.approx(chart.left + width * 182 / 365, abs=0.01)
    assert july.y == pytest.approx(chart.bottom - height * 9 / 15, abs=0.01)
    assert (march.label, july.label) == ("mars 2026", "2 juillet 2026")
    assert july.expected_label == "9,01"  # 14 − 10 × 182/365
    assert chart.polyline == f"{march.x:.1f},{march.y:.1f} {july.x:.1f},{july.y:.1f}"
    # 13 month starts, labelled every third month (at most six labels), the
    # year under the first label and under January.
    assert [(t.label, t.sublabel) for t in chart.x_ticks] == [
        ("janv.", "2026"),
        ("avr.", ""),
        ("juil.", ""),
        ("oct.", ""),
        ("janv.", "2027"),
    ]
    assert chart.x_ticks[-1].at == chart.right


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
