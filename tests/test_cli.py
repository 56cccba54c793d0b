"""Command-line tools: admin accounts, demo data, dwelling imports, letter codes."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from participation.extensions import db
from participation.models import (
    Ballot,
    Consultation,
    Dwelling,
    InvitationCode,
    Notification,
    NotificationKind,
    Phase,
    Place,
    Proposal,
    Role,
    User,
)
from participation.services import ValidationError, accounts, demo
from participation.timeutil import utcnow
from tests import factories

ADMIN_PASSWORD = "une phrase assez longue"


@pytest.fixture
def cli(app):
    """Run a command as `flask --app participation ...` would."""
    runner = app.test_cli_runner()

    def run(*args, **kwargs):
        result = runner.invoke(args=list(args), **kwargs)
        db.session.expire_all()  # the command committed through the same session
        return result

    return run


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def dwelling_refs(landlord) -> list[str]:
    return sorted(
        db.session.scalars(
            db.select(Dwelling.reference).filter_by(landlord_id=landlord.id)
        )
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# create-admin ---------------------------------------------------------------------


def test_create_admin_makes_an_administrator_who_can_log_in(app, cli):
    result = cli(
        "create-admin",
        "--email",
        " Camille@Example.FR ",
        "--name",
        "Camille",
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "Compte administrateur créé : camille@example.fr" in result.output
    admin = db.session.scalar(db.select(User).filter_by(email="camille@example.fr"))
    assert (admin.role, admin.display_name, admin.active) == (
        Role.ADMIN,
        "Camille",
        True,
    )
    assert accounts.authenticate("camille@example.fr", ADMIN_PASSWORD, utcnow())


def test_create_admin_prompts_for_what_is_missing_and_asks_the_password_twice(app, cli):
    answers = f"camille@example.fr\nCamille\n{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n"
    result = cli("create-admin", input=answers)
    assert result.exit_code == 0, result.output
    assert count(User) == 1


def test_create_admin_refuses_a_short_password(app, cli):
    result = cli(
        "create-admin", "--email", "c@example.fr", "--name", "C", "--password", "court"
    )
    assert result.exit_code != 0
    assert "au moins 12 caractères" in result.output
    assert count(User) == 0


def test_create_admin_refuses_an_email_already_taken(app, cli, world):
    users = count(User)
    result = cli(
        "create-admin",
        "--email",
        "STAFF@example.fr",
        "--name",
        "Doublon",
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code != 0
    assert "Un compte existe déjà" in result.output
    assert count(User) == users
    assert db.session.get(User, world.staff.id).role is Role.STAFF


# seed-demo ----------------------------------------------------------------------------


def test_seed_demo_loads_the_neighbourhood_and_prints_logins_and_codes(app, cli):
    result = cli("seed-demo")
    assert result.exit_code == 0, result.output
    assert "Données de démonstration chargées." in result.output
    for login in demo.logins():
        assert login.email in result.output
        assert db.session.scalar(db.select(User).filter_by(email=login.email))
    for code in demo.CODES.values():
        assert code in result.output
    assert demo.PASSWORD in result.output
    assert count(Dwelling) == 120
    assert count(InvitationCode) == len(demo.CODES)


def test_seed_demo_refuses_a_database_that_has_accounts(app, cli):
    cli("seed-demo")
    users, dwellings = count(User), count(Dwelling)
    result = cli("seed-demo")
    assert result.exit_code != 0
    assert "La base contient déjà des comptes" in result.output
    assert (count(User), count(Dwelling)) == (users, dwellings)


def test_seed_demo_if_empty_keeps_existing_data_and_still_prints_logins(
    app, cli, world
):
    users = count(User)
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "chargées" not in result.output
    assert "admin@demo.faireavec.fr" in result.output
    assert count(User) == users
    assert (
        db.session.scalar(db.select(User).filter_by(email="admin@demo.faireavec.fr"))
        is None
    )


def test_seed_demo_if_empty_loads_an_empty_database(app, cli):
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert count(User) == len(demo.logins()) + 1  # and the newcomer waiting


def test_seed_demo_if_empty_twice_loads_the_consultations_once(app, cli):
    cli("seed-demo", "--if-empty")
    counts = count(Consultation), count(Proposal), count(Ballot), count(Notification)
    assert counts[0] == 5  # one per stage, last year's in its follow-up
    assert cli("seed-demo", "--if-empty").exit_code == 0
    assert (
        count(Consultation),
        count(Proposal),
        count(Ballot),
        count(Notification),
    ) == counts


def test_demo_accounts_log_in_and_demo_codes_register_residents(app, cli, make_app):
    cli("seed-demo")
    browser = make_app().test_client()  # its own context per request
    response = browser.post(
        "/compte/connexion",
        data={"email": "equipe@demo.faireavec.fr", "password": "faireavec-demo"},
    )
    assert response.status_code == 302
    assert browser.get("/logements/").status_code == 200
    browser.post("/compte/deconnexion")
    reference, code = next(iter(demo.CODES.items()))
    response = browser.post(
        "/compte/inscription",
        data={
            "display_name": "Nouvelle voisine",
            "email": "voisine@example.fr",
            "password": ADMIN_PASSWORD,
            "password_confirm": ADMIN_PASSWORD,
            "code": code.lower(),
        },
    )
    assert response.headers["Location"] == "/"
    db.session.expire_all()
    user = db.session.scalar(db.select(User).filter_by(email="voisine@example.fr"))
    assert [r.dwelling.reference for r in user.current_residencies] == [reference]


# import-dwellings ---------------------------------------------------------------------


GOOD_CSV = """reference;territory;residence;building;entrance
NEW-001;Quartier Neuf;Résidence Neuve;Bâtiment Z;Entrée 1
NEW-002;Quartier Neuf;Résidence Neuve;Bâtiment Z;Entrée 1
NEW-003;Quartier Neuf;Résidence Neuve;Bâtiment Y;
"""

BAD_CSV = """reference,territory,residence,building,entrance
NEW-001,Quartier Neuf,Résidence Neuve,Bâtiment Z,Entrée 1
NEW-002,Quartier Neuf,Résidence Neuve,,
NEW-001,Quartier Neuf,Résidence Neuve,Bâtiment Z,Entrée 1
NEW-004,Quartier Neuf,Résidence Neuve,Bâtiment Z,Entrée 1,en trop
"""


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "logements.csv"
    path.write_text(text, encoding=encoding)
    return str(path)


def test_import_dwellings_creates_places_and_dwellings(app, cli, world, tmp_path):
    before = dwelling_refs(world.landlord)
    result = cli(
        "import-dwellings", write(tmp_path, GOOD_CSV), "--landlord", "Habitat Test"
    )
    assert result.exit_code == 0, result.output
    assert "3 logements et 5 lieux importés." in result.output
    assert dwelling_refs(world.landlord) == sorted(
        [*before, "NEW-001", "NEW-002", "NEW-003"]
    )
    entrance = db.session.scalar(
        db.select(Dwelling).filter_by(reference="NEW-001")
    ).place
    assert (entrance.name, entrance.landlord_id) == ("Entrée 1", world.landlord.id)


def test_import_dwellings_reads_a_windows_spreadsheet_export(app, cli, world, tmp_path):
    path = write(tmp_path, GOOD_CSV, encoding="cp1252")
    result = cli("import-dwellings", path, "--landlord", "Habitat Test")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(Place).filter_by(name="Résidence Neuve"))


def test_a_faulty_file_is_reported_line_by_line_and_nothing_is_imported(
    app, cli, world, tmp_path
):
    places, dwellings = count(Place), count(Dwelling)
    result = cli(
        "import-dwellings", write(tmp_path, BAD_CSV), "--landlord", "Habitat Test"
    )
    assert result.exit_code != 0
    assert "Ligne 3 : la colonne « building » est vide." in result.stderr
    assert "Ligne 4 : la référence NEW-001 est déjà à la ligne 2." in result.stderr
    assert "Ligne 5 : trop de colonnes." in result.stderr
    assert "Ligne 2" not in result.stderr
    assert "Rien n'a été importé." in result.stderr
    assert (count(Place), count(Dwelling)) == (places, dwellings)


def test_importing_a_reference_that_exists_imports_nothing(app, cli, world, tmp_path):
    existing = world.dwellings[0].reference
    text = GOOD_CSV.replace("NEW-003", existing)
    result = cli(
        "import-dwellings", write(tmp_path, text), "--landlord", "Habitat Test"
    )
    assert result.exit_code != 0
    assert f"Ligne 4 : la référence {existing} existe déjà." in result.stderr
    assert "NEW-001" not in dwelling_refs(world.landlord)


@pytest.mark.parametrize("name", ["Bailleur Inconnu", "Ville Test"])
def test_import_dwellings_needs_an_existing_landlord(app, cli, world, tmp_path, name):
    """An unknown name, or an organisation that is not a landlord, is refused."""
    dwellings = count(Dwelling)
    result = cli("import-dwellings", write(tmp_path, GOOD_CSV), "--landlord", name)
    assert result.exit_code != 0
    assert f"Aucun bailleur nommé « {name} »." in result.output
    assert count(Dwelling) == dwellings


# invitation-codes ---------------------------------------------------------------------


def register_with(code: str, email: str = "voisin@example.fr") -> User:
    return accounts.register(
        email=email,
        display_name="Voisin",
        password=ADMIN_PASSWORD,
        code=code,
        now=utcnow(),
    )


def test_invitation_codes_prints_a_csv_of_codes_for_vacant_dwellings(app, cli, world):
    result = cli("invitation-codes", "--landlord", "Habitat Test")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    vacant = [d.reference for d in world.dwellings[1:]]  # the first one is lived in
    assert sorted(row["reference"] for row in rows) == sorted(vacant)
    assert set(rows[0]) == {"reference", "place", "code", "expires_at"}
    assert rows[0]["place"] == "Bâtiment A"
    assert "2 codes émis." in result.stderr
    assert count(InvitationCode) == 2
    user = register_with(rows[0]["code"])
    assert [r.dwelling.reference for r in user.current_residencies] == [
        rows[0]["reference"]
    ]


def test_invitation_codes_all_includes_dwellings_already_lived_in(app, cli, world):
    result = cli("invitation-codes", "--landlord", "Habitat Test", "--all")
    assert result.exit_code == 0, result.output
    assert len(csv_rows(result.stdout)) == len(world.dwellings)


def test_invitation_codes_for_one_place_only(app, cli, world):
    result = cli(
        "invitation-codes",
        "--landlord",
        "Habitat Test",
        "--place",
        str(world.building.id),
        "--all",
    )
    assert result.exit_code == 0, result.output
    assert len(csv_rows(result.stdout)) == len(world.dwellings)
    other = cli(
        "invitation-codes",
        "--landlord",
        "Habitat Test",
        "--place",
        str(world.other_building.id),
    )
    assert other.exit_code != 0
    assert "Aucun lieu trouvé" in other.output


def test_a_second_run_leaves_valid_codes_alone(app, cli, world):
    """Letters already delivered keep working: nothing is issued twice."""
    first = csv_rows(cli("invitation-codes", "--landlord", "Habitat Test").stdout)
    again = cli("invitation-codes", "--landlord", "Habitat Test")
    assert csv_rows(again.stdout) == []
    assert "0 codes émis." in again.output
    assert register_with(first[0]["code"]).current_residencies


def test_replace_issues_new_codes_that_void_the_previous_letters(app, cli, world):
    first = csv_rows(cli("invitation-codes", "--landlord", "Habitat Test").stdout)
    second = csv_rows(
        cli("invitation-codes", "--landlord", "Habitat Test", "--replace").stdout
    )
    assert count(InvitationCode) == 2
    with pytest.raises(ValidationError):
        register_with(first[0]["code"])
    assert register_with(second[0]["code"]).current_residencies


def test_invitation_codes_can_be_written_to_a_file(app, cli, world, tmp_path):
    target = tmp_path / "codes.csv"
    result = cli(
        "invitation-codes", "--landlord", "Habitat Test", "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    rows = csv_rows(target.read_text(encoding="utf-8"))
    assert len(rows) == 2
    assert rows[0]["code"] not in result.output
    assert register_with(rows[1]["code"]).current_residencies


def test_invitation_codes_needs_a_known_landlord(app, cli, world):
    result = cli("invitation-codes", "--landlord", "Bailleur Inconnu")
    assert result.exit_code != 0
    assert "Aucun bailleur nommé" in result.output
    assert count(InvitationCode) == 0


# notify-phases ------------------------------------------------------------------------


def test_notify_phases_announces_each_opened_consultation_once(app, cli, world):
    factories.consultation(world.territory, Phase.IDEAS)
    factories.consultation(world.territory, Phase.DRAFT)
    result = cli("notify-phases")
    assert result.exit_code == 0, result.output
    assert "1 consultation(s) annoncée(s)." in result.output
    assert db.session.scalars(
        db.select(Notification.kind).filter_by(user_id=world.resident.id)
    ).all() == [NotificationKind.CONSULTATION_OPENED]
    again = cli("notify-phases")
    assert "0 consultation(s) annoncée(s)." in again.output
    assert count(Notification) == 1
