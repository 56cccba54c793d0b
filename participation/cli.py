"""Command-line tools (`flask --app participation ...`), each calling a service."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from participation.extensions import db
from participation.models import Organisation, OrganisationKind, Place
from participation.services import (
    ValidationError,
    backup,
    commitments,
    demo,
    dwellings,
    invitations,
    notifications,
    users,
)
from participation.services.dwellings import ImportFailed
from participation.timeutil import PARIS, utcnow


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        create_admin,
        seed_demo,
        import_dwellings,
        invitation_codes,
        notify_phases,
        notify_due,
        backup_group,
    ):
        app.cli.add_command(command)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("create-admin")
@click.option("--email", prompt="Adresse e-mail")
@click.option("--name", "display_name", prompt="Nom affiché")
@click.password_option("--password", prompt="Mot de passe")
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create an administrator account.

    Prompts for whatever is not given as an option; the password is asked twice.
    """
    try:
        user = users.create_admin(email, display_name, password, utcnow())
    except ValidationError as error:
        _fail(str(error))
    click.echo(f"Compte administrateur créé : {user.email}")


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (but print the logins) if the database has accounts.",
)
def seed_demo(if_empty: bool) -> None:
    """Load the French demo data (Quartier des Tilleuls) and print the logins.

    Refuses to run on a database that already has accounts, unless --if-empty is
    given, in which case existing data is kept untouched.
    """
    if demo.is_empty():
        demo.seed_demo(utcnow())
        click.echo("Données de démonstration chargées.")
    elif not if_empty:
        _fail("La base contient déjà des comptes : rien n'a été chargé.")
    click.echo(f"\nComptes de démonstration (mot de passe : {demo.PASSWORD})")
    for login in demo.logins():
        click.echo(f"  {login.email:<34} {login.role}")
    click.echo("\nCodes d'invitation libres pour essayer l'inscription :")
    for reference, code in demo.CODES.items():
        click.echo(f"  {code}  (logement {reference})")


def _landlord(name: str) -> Organisation:
    landlord = db.session.scalar(db.select(Organisation).filter_by(name=name))
    if landlord is None or landlord.kind is not OrganisationKind.LANDLORD:
        _fail(f"Aucun bailleur nommé « {name} ».")
    return landlord


@click.command("import-dwellings")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--landlord", required=True, help="Name of the landlord organisation.")
def import_dwellings(file: Path, landlord: str) -> None:
    """Import dwellings from a CSV file (reference, territory, residence, building,
    entrance), all or nothing; every faulty line is reported with its number."""
    try:
        report = dwellings.import_dwellings(
            None, _landlord(landlord), file.read_bytes(), utcnow()
        )
    except ImportFailed as error:
        for number, message in error.lines:
            click.echo(f"Ligne {number} : {message}", err=True)
        _fail("Rien n'a été importé.")
    click.echo(f"{report.dwellings} logements et {report.places} lieux importés.")


@click.command("invitation-codes")
@click.option("--landlord", required=True, help="Name of the landlord organisation.")
@click.option("--place", "place_id", type=int, help="Only dwellings in this place.")
@click.option(
    "--all",
    "include_occupied",
    is_flag=True,
    help="Also dwellings that already have a verified resident.",
)
@click.option(
    "--replace",
    "replace_valid",
    is_flag=True,
    help="Also replace codes still valid (letters already delivered stop working).",
)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="CSV file to write (default: standard output).",
)
def invitation_codes(
    landlord: str,
    place_id: int | None,
    include_occupied: bool,
    replace_valid: bool,
    output,
) -> None:
    """Issue invitation codes and write them as CSV (reference, place, code,
    expires_at in Europe/Paris), e.g. for a mail merge. Dwellings whose code is
    still valid are skipped unless --replace; the plain codes are shown only this
    once."""
    owner = _landlord(landlord)
    roots = db.session.scalars(
        db.select(Place).filter_by(
            landlord_id=owner.id,
            **({"id": place_id} if place_id else {"parent_id": None}),
        )
    ).all()
    if not roots:
        _fail("Aucun lieu trouvé pour ce bailleur.")
    writer = csv.writer(output)
    writer.writerow(["reference", "place", "code", "expires_at"])
    total = 0
    now = utcnow()
    for root in roots:
        chosen = invitations.dwellings_for_letters(
            root,
            only_vacant=not include_occupied,
            without_code_valid_at=None if replace_valid else now,
        )
        for item in invitations.issue_codes(None, root, chosen, now):
            writer.writerow(
                [
                    item.dwelling.reference,
                    item.dwelling.place.name,
                    item.code,
                    item.expires_at.astimezone(PARIS).date().isoformat(),
                ]
            )
            total += 1
    click.echo(f"{total} codes émis.", err=True)
    if output is not sys.stdout:
        output.close()


@click.command("notify-phases")
def notify_phases() -> None:
    """Tell residents about consultations that opened or changed phase.

    Phases follow the calendar, so nobody acts when one starts: run this every
    few minutes (cron, systemd timer). Each phase is announced once, so running
    it again, or late, announces nothing twice.
    """
    count = notifications.announce_phase_changes(utcnow())
    click.echo(f"{count} consultation(s) annoncée(s).")


@click.command("notify-due")
@click.option(
    "--days",
    type=click.IntRange(0, 90),
    default=7,
    show_default=True,
    help="Remind commitments falling due within this many days.",
)
def notify_due(days: int) -> None:
    """Remind working groups of their open commitments falling due soon.

    Run it once a day (cron, systemd timer). Each commitment is reminded once
    (again only if its due date moves), so running it twice, or two at once,
    reminds nobody twice.
    """
    count = commitments.remind_due_commitments(utcnow(), days=days)
    click.echo(f"{count} engagement(s) rappelé(s).")


@click.group("backup", cls=AppGroup)
def backup_group() -> None:
    """Dump all data to a portable zip archive, or restore one."""


def _echo_counts(report: backup.BackupReport) -> None:
    for table, rows in report.counts.items():
        click.echo(f"  {table:<24} {rows:>9}")
    click.echo(f"  {'total':<24} {report.total:>9}")


@backup_group.command("create")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_create(path: Path) -> None:
    """Write every table to a new zip archive at PATH (never overwritten).

    The archive holds a manifest (format version, migration revision, date, row
    count and SHA-256 of each table) and one JSON-lines file per table, with
    portable values, so it restores into SQLite or PostgreSQL alike.
    """
    try:
        report = backup.create_backup(path, utcnow())
    except backup.BackupError as error:
        _fail(str(error))
    click.echo(f"Sauvegarde écrite dans {report.path} (révision {report.revision}) :")
    _echo_counts(report)


@backup_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def backup_restore(path: Path) -> None:
    """Restore the archive at PATH into this database.

    The database must be empty and already migrated to the archive's revision
    (`flask db upgrade REVISION`); the archive is checked against its manifest
    first, and everything is restored in one transaction, or nothing.
    """
    try:
        report = backup.restore_backup(path)
    except backup.BackupError as error:
        _fail(str(error))
    click.echo(f"Sauvegarde {report.path} restaurée (révision {report.revision}) :")
    _echo_counts(report)
