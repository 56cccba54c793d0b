"""Importing dwellings from the landlord's CSV file: all lines, or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func

from participation.extensions import db
from participation.models import AuditEvent, Dwelling, Place, PlaceKind, Role
from participation.services import PermissionDenied, dwellings
from participation.services.dwellings import ImportFailed, import_dwellings
from participation.timeutil import utcnow
from tests import factories

HEADER = "reference;territory;residence;building;entrance\n"


def counts() -> tuple[int, int]:
    """(places, dwellings) in the database, ignoring anything not committed."""
    db.session.rollback()
    return (
        db.session.scalar(db.select(db.func.count(Place.id))),
        db.session.scalar(db.select(db.func.count(Dwelling.id))),
    )


def run(world, text: str | bytes, actor="staff", landlord=None):
    data = text.encode() if isinstance(text, str) else text
    return import_dwellings(
        getattr(world, actor) if actor else None,
        landlord or world.landlord,
        data,
        utcnow(),
    )


def refused(world, text: str | bytes, **kwargs) -> list[tuple[int, str]]:
    """The faulty lines of a refused import; checks that nothing was saved."""
    before = counts()
    with pytest.raises(ImportFailed) as error:
        run(world, text, **kwargs)
    assert counts() == before
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0
    return error.value.lines


def place_named(name: str, parent: Place | None = None) -> Place:
    query = db.select(Place).filter_by(name=name)
    if parent is not None:
        query = query.filter_by(parent_id=parent.id)
    return db.session.scalars(query).one()


def dwelling(reference: str, landlord) -> Dwelling:
    return db.session.scalars(
        db.select(Dwelling).filter_by(reference=reference, landlord_id=landlord.id)
    ).one()


@pytest.mark.parametrize("separator", [",", ";"])
def test_comma_and_semicolon_files_are_both_read(world, separator):
    text = separator.join(["reference", "territory", "residence", "building"]) + "\n"
    text += separator.join(["N-1", "Neuf", "Résidence Neuve", "Bât 1"]) + "\n"
    text += separator.join(["N-2", "Neuf", "Résidence Neuve", "Bât 1"]) + "\n"
    before = counts()
    report = run(world, text)
    assert (report.dwellings, report.places) == (2, 3)
    assert counts() == (before[0] + 3, before[1] + 2)
    building = place_named("Bât 1")
    assert building.kind is PlaceKind.BUILDING
    assert dwelling("N-1", world.landlord).place_id == building.id
    assert place_named("Neuf").landlord_id == world.landlord.id


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.encode("cp1252"),
    ],
    ids=["utf-8", "utf-8 with BOM", "windows-1252"],
)
def test_accents_survive_every_usual_encoding(world, encode):
    text = HEADER + "É-1;Quartier Été;Résidence Hélène;Bâtiment É;\n"
    run(world, encode(text))
    assert place_named("Quartier Été").kind is PlaceKind.TERRITORY
    assert place_named("Résidence Hélène").kind is PlaceKind.RESIDENCE
    assert dwelling("É-1", world.landlord).place.name == "Bâtiment É"


def test_the_bom_does_not_hide_the_first_column(world):
    text = "reference,territory,residence,building\nB-1,T,R,B\n"
    run(world, text.encode("utf-8-sig"))
    assert dwelling("B-1", world.landlord).place.name == "B"


def test_existing_places_are_reused_whatever_the_case(world):
    territory = world.territory.name.upper()
    text = HEADER + f"R-1;{territory};résidence;BÂTIMENT A;entrée 1\n"
    text += f"R-2;{territory};RÉSIDENCE;bâtiment a;\n"
    before = counts()
    report = run(world, text)
    assert report.places == 0
    assert counts() == (before[0], before[1] + 2)
    assert dwelling("R-1", world.landlord).place_id == world.entrance.id
    assert dwelling("R-2", world.landlord).place_id == world.building.id


def test_the_entrance_column_is_optional(world):
    text = "reference;territory;residence;building\nS-1;Sud;Rés. Sud;Bât S\n"
    run(world, text)
    assert dwelling("S-1", world.landlord).place.kind is PlaceKind.BUILDING


def test_a_new_entrance_is_created_below_the_building(world):
    run(world, HEADER + f"E-1;{world.territory.name};Résidence;Bâtiment A;Entrée 2\n")
    place = dwelling("E-1", world.landlord).place
    assert place.kind is PlaceKind.ENTRANCE
    assert place.parent_id == world.building.id
    assert place.path == f"{world.building.path}{place.id}/"


def test_places_of_another_landlord_are_never_reused(world):
    other_territory = db.session.get(Place, world.other_building.ancestor_ids[0])
    text = HEADER + f"X-1;{other_territory.name};Résidence;Bâtiment A;\n"
    report = run(world, text)
    assert report.places == 3
    assert dwelling("X-1", world.landlord).place.landlord_id == world.landlord.id


def test_an_import_is_audited_with_its_totals(world):
    run(world, HEADER + "A-1;T;R;B;\nA-2;T;R;B;E\n")
    [event] = db.session.scalars(
        db.select(AuditEvent).filter_by(action="dwelling.import")
    ).all()
    assert event.actor_id == world.staff.id
    assert event.landlord_id == world.landlord.id
    assert event.details == {"dwellings": 2, "places": 4}


def test_the_command_line_imports_without_an_actor(world):
    run(world, HEADER + "C-1;T;R;B;\n", actor=None)
    assert dwelling("C-1", world.landlord)


@pytest.mark.parametrize("header", ["reference;territory;building", "ref;a;b;c"])
def test_missing_columns_are_reported_on_line_one(world, header):
    lines = refused(world, header + "\nM-1;T;B\n")
    assert [n for n, _ in lines] == [1]
    assert "colonnes manquantes" in lines[0][1]


def test_every_empty_required_cell_is_reported_with_its_line(world):
    text = HEADER + "OK-1;T;R;B;\n;T;R;B;\nOK-2;;R;;\nOK-3;T;R;B;\n"
    lines = refused(world, text)
    assert sorted(lines) == [
        (3, "la colonne « reference » est vide."),
        (4, "la colonne « building » est vide."),
        (4, "la colonne « territory » est vide."),
    ]


def test_values_longer_than_the_columns_are_reported(world):
    text = HEADER + f"{'R' * 65};T;R;B;\nL-2;{'T' * 121};R;B;{'E' * 121}\n"
    lines = refused(world, text)
    assert sorted(lines) == [
        (2, "« reference » dépasse 64 caractères."),
        (3, "« entrance » dépasse 120 caractères."),
        (3, "« territory » dépasse 120 caractères."),
    ]


def test_a_reference_twice_in_the_file_names_its_first_line(world):
    text = HEADER + "D-1;T;R;B;\nD-2;T;R;B;\nD-1;T;R;B;\nD-1;T;R;B;\n"
    lines = refused(world, text)
    assert lines == [
        (4, "la référence D-1 est déjà à la ligne 2."),
        (5, "la référence D-1 est déjà à la ligne 2."),
    ]


def test_a_reference_already_in_the_database_is_reported(world):
    existing = world.dwellings[1].reference
    lines = refused(world, HEADER + f"NEW-1;T;R;B;\n{existing};T;R;B;\n")
    assert lines == [(3, f"la référence {existing} existe déjà.")]


def test_too_many_columns_are_reported(world):
    lines = refused(world, HEADER + "T-1;T;R;B;E\nT-2;T;R;B;E;extra\n")
    assert lines == [(3, "trop de colonnes.")]


@pytest.mark.parametrize("text", ["", "\n\n", HEADER, HEADER + ";;;;\n"])
def test_a_file_without_dwellings_is_refused(world, text):
    lines = refused(world, text)
    assert len(lines) == 1
    assert lines[0][0] in (1, 2)


def test_all_faulty_lines_are_reported_together_and_nothing_is_saved(world):
    text = (
        HEADER
        + "G-1;Nouveau quartier;R;B;\n"  # a good line, with new places
        + ";T;R;B;\n"  # 3: empty reference
        + "G-1;T;R;B;\n"  # 4: duplicate of line 2
        + f"{world.dwellings[0].reference};T;R;B;\n"  # 5: already in the database
        + "G-6;T;R;B;E;F\n"  # 6: too many columns
        + f"G-7;T;R;{'B' * 121};\n"  # 7: too long
    )
    lines = refused(world, text)
    assert [n for n, _ in lines] == [3, 4, 5, 6, 7]
    assert (
        db.session.scalars(db.select(Place).filter_by(name="Nouveau quartier")).all()
        == []
    )


def test_line_numbers_count_quoted_line_breaks(world):
    text = HEADER + '"Q-1";"T";"R";"Bâtiment\nsur deux lignes";\n;T;R;B;\n'
    lines = refused(world, text)
    assert lines == [(4, "la colonne « reference » est vide.")]


def test_another_landlord_may_use_the_same_reference(world):
    reference = world.dwellings[0].reference
    text = HEADER + f"{reference};T;R;B;\n"
    run(world, text, actor="other_staff", landlord=world.other_landlord)
    assert dwelling(reference, world.other_landlord).landlord_id == (
        world.other_landlord.id
    )
    assert dwelling(reference, world.landlord).id == world.dwellings[0].id


@pytest.mark.parametrize("actor", ["other_staff", "partner", "resident"])
def test_only_the_landlords_people_import_its_dwellings(world, actor):
    before = counts()
    with pytest.raises(PermissionDenied):
        run(world, HEADER + "P-1;T;R;B;\n", actor=actor)
    assert counts() == before


def test_dwellings_are_imported_only_for_landlords(world):
    with pytest.raises(PermissionDenied):
        run(world, HEADER + "P-1;T;R;B;\n", actor="admin", landlord=world.partner_org)


def test_a_file_over_five_megabytes_is_refused(world, monkeypatch):
    monkeypatch.setattr(dwellings, "MAX_IMPORT_BYTES", 100)
    lines = refused(world, HEADER + "A-1;T;R;B;\n" * 10)
    assert lines == [(0, "le fichier dépasse 5 Mo.")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'reference,territory,residence,building\nR1,Q,"' + "x" * 140_000 + '",B\n',
            "ligne illisible",
        ),
        ("reference,territory,residence,building\nR\x001,Q,Rés,B\n", "contrôle"),
    ],
    ids=["huge-cell", "nul-byte"],
)
def test_unreadable_lines_are_reported_not_crashed_on(app, content, message):
    """A broken line is a numbered error like the others, and nothing is saved."""
    landlord = factories.organisation()
    staff = factories.user(Role.STAFF, landlord)
    with pytest.raises(ImportFailed) as failure:
        import_dwellings(staff, landlord, content.encode(), utcnow())
    [(line, text)] = failure.value.lines
    assert line == 2 and message in text
    assert db.session.scalar(db.select(func.count()).select_from(Dwelling)) == 0
