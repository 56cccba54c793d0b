"""Backup and restore: every table to a portable zip archive, and back.

The archive holds ``manifest.json`` (format version, Alembic revision, creation
time, and per table its columns, row count and the SHA-256 of its file) and one
JSON-lines file per table under ``tables/``. Values are portable: datetimes as ISO
8601 in UTC, dates as ISO, enums as their stored values, JSON columns as JSON,
NULL as ``null``. So an archive written from SQLite restores into PostgreSQL and
the other way round.

Rows are streamed both ways, in batches, so memory stays flat on big tables.
Restoring happens in one transaction, into an empty database already migrated to
the archive's revision: on any refusal or failure nothing is left behind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from participation.extensions import db
from participation.services import ServiceError

#: Bumped when the archive layout changes; restore refuses other versions.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 1024 * 1024
BATCH_SIZE = 1000


class BackupError(ServiceError):
    """The archive cannot be written or restored; the message says why, in French."""


@dataclass(frozen=True)
class BackupReport:
    """What an archive holds: its revision and the rows of each table."""

    path: Path
    revision: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Rows in all tables."""
        return sum(self.counts.values())


# Writing ---------------------------------------------------------------------------


def create_backup(path: Path, now: datetime) -> BackupReport:
    """Write every table of the database to a new zip archive at ``path``.

    Reads one consistent snapshot, table by table in foreign-key order, rows
    in primary-key order and in batches. The archive is written to a temporary
    file next to ``path`` and renamed at the end, so a failed dump leaves no
    half-written archive.

    :raises BackupError: ``path`` exists or its folder does not, or the database
        is not migrated.
    """
    path = Path(path)
    if path.exists():
        raise BackupError(f"Le fichier {path} existe déjà : rien n'a été écrit.")
    if not path.parent.is_dir():
        raise BackupError(
            f"Le dossier {path.parent} n'existe pas : rien n'a été écrit."
        )
    with db.engine.connect() as connection:
        _begin_snapshot(connection)
        revision = _revision(connection)
        if revision is None:
            raise BackupError(
                "La base n'est pas migrée (aucune révision Alembic) : lancez "
                "« flask db upgrade » avant de la sauvegarder."
            )
        fd, temporary = tempfile.mkstemp(
            prefix=".backup-", suffix=".zip", dir=path.parent
        )
        os.close(fd)
        try:
            tables = _write_archive(Path(temporary), connection, revision, now)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        finally:
            connection.rollback()
    counts = {name: table["rows"] for name, table in tables.items()}
    return BackupReport(path, revision, counts)


def _begin_snapshot(connection: Connection) -> None:
    """Read every table as of one instant, while the app keeps writing."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        )
    elif connection.dialect.name == "sqlite":
        # pysqlite opens no transaction for SELECTs, so each would see its own
        # state; unless a connection event already sent BEGIN, send it.
        connection.begin()
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")


def _write_archive(
    target: Path, connection: Connection, revision: str, now: datetime
) -> dict[str, dict]:
    tables: dict[str, dict] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in db.metadata.sorted_tables:
            with archive.open(_member(table.name), "w", force_zip64=True) as out:
                tables[table.name] = _write_table(out, connection, table)
        manifest = {
            "format_version": FORMAT_VERSION,
            "application": "faire-avec",
            "alembic_revision": revision,
            "created_at": now.isoformat(),
            "source_dialect": connection.dialect.name,
            "tables": tables,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
    return tables


def _write_table(out, connection: Connection, table: sa.Table) -> dict:
    """Stream one table as JSON lines; return its manifest entry."""
    columns = [column.name for column in table.columns]
    encoders = [_encoder(column) for column in table.columns]
    digest = hashlib.sha256()
    rows = 0
    query = sa.select(table).order_by(*table.primary_key.columns)
    result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
    for row in result:
        record = {
            name: encode(value)
            for name, encode, value in zip(columns, encoders, row, strict=True)
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        digest.update(line)
        out.write(line)
        rows += 1
    return {"columns": columns, "rows": rows, "sha256": digest.hexdigest()}


def _member(table_name: str) -> str:
    return f"tables/{table_name}.jsonl"


# Portable values ------------------------------------------------------------------


def _base_type(column: sa.Column) -> sa.types.TypeEngine:
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _encoder(column: sa.Column):
    """How to turn this column's Python values into JSON values."""

    def encode(value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        if isinstance(value, dict | list):
            return value
        raise BackupError(
            f"Colonne {column.table.name}.{column.name} : type de valeur non "
            f"pris en charge ({type(value).__name__})."
        )

    return encode


def _decoder(column: sa.Column):
    """How to turn this column's JSON values back into Python values."""
    kind = _base_type(column)
    if isinstance(kind, sa.DateTime):
        parse = datetime.fromisoformat
    elif isinstance(kind, sa.Date):
        parse = date.fromisoformat
    elif isinstance(kind, sa.Time):
        parse = time.fromisoformat
    elif isinstance(kind, sa.Numeric) and kind.asdecimal:
        parse = Decimal
    elif isinstance(kind, sa.LargeBinary):
        parse = base64.b64decode
    else:  # numbers, strings, booleans, enum values, JSON documents
        return lambda value: value
    return lambda value: None if value is None else parse(value)


# Restoring ------------------------------------------------------------------------


def _manifest(archive: zipfile.ZipFile) -> dict:
    try:
        info = archive.getinfo(MANIFEST)
        if info.file_size > MANIFEST_MAX_BYTES:
            raise ValueError("manifeste trop volumineux")
        manifest = json.loads(archive.read(MANIFEST))
        version = manifest["format_version"]
        revision = manifest["alembic_revision"]
        for entry in manifest["tables"].values():
            _check_entry(entry)
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        raise BackupError(
            f"Archive corrompue : manifeste absent ou illisible ({error})."
        ) from error
    if version != FORMAT_VERSION:
        raise BackupError(
            f"Format d'archive {version} non pris en charge (attendu : "
            f"{FORMAT_VERSION})."
        )
    if not isinstance(revision, str):
        raise BackupError("Archive corrompue : révision de migration absente.")
    return manifest


def _check_entry(entry: dict) -> None:
    if not (
        isinstance(entry["columns"], list)
        and isinstance(entry["rows"], int)
        and isinstance(entry["sha256"], str)
    ):
        raise ValueError("entrée de table invalide")


def restore_backup(path: Path) -> BackupReport:
    """Load an archive into this database, which must be empty and migrated to the
    archive's revision.

    Checks every table file against the manifest (SHA-256 and row count) before
    writing anything, then inserts all rows in one transaction, parents before
    children; self-references (a place's parent, a duplicate proposal, a reply)
    are filled in once their table is complete. PostgreSQL sequences are moved
    past the restored ids so that new rows get fresh ones.

    :raises BackupError: unreadable or corrupt archive, other format or revision,
        target not empty, or rows the database refuses; nothing is written then.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _manifest(archive)
            tables = _planned_tables(manifest)
            for table in tables:
                _verify_member(archive, table.name, manifest["tables"][table.name])
            with db.engine.connect() as connection:
                _check_target(connection, manifest["alembic_revision"])
                try:
                    for table in tables:
                        _restore_table(
                            connection, archive, table, manifest["tables"][table.name]
                        )
                    _reset_sequences(connection, tables)
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"Archive illisible ({path}) : {error}.") from error
    except SQLAlchemyError as error:
        raise BackupError(
            "La base a refusé les données de l'archive ; rien n'a été restauré. "
            f"Détail : {_first_line(error)}"
        ) from error
    counts = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    return BackupReport(path, manifest["alembic_revision"], counts)


def _first_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"


def _planned_tables(manifest: dict) -> list[sa.Table]:
    """This database's tables in foreign-key order, matched with the archive's."""
    tables = db.metadata.sorted_tables
    expected = {table.name for table in tables}
    found = set(manifest["tables"])
    if found != expected:
        missing = ", ".join(sorted(expected - found)) or "aucune"
        unknown = ", ".join(sorted(found - expected)) or "aucune"
        raise BackupError(
            "Les tables de l'archive ne sont pas celles de cette version de "
            f"l'application (absentes : {missing} ; inconnues : {unknown})."
        )
    for table in tables:
        columns = manifest["tables"][table.name]["columns"]
        if set(columns) != set(table.columns.keys()):
            raise BackupError(
                f"Les colonnes de la table {table.name} dans l'archive ne sont pas "
                "celles de cette version de l'application."
            )
    return tables


def _verify_member(archive: zipfile.ZipFile, name: str, entry: dict) -> None:
    digest = hashlib.sha256()
    rows = 0
    for line in _lines(archive, name):
        digest.update(line)
        rows += 1
    if digest.hexdigest() != entry["sha256"] or rows != entry["rows"]:
        raise BackupError(
            f"Archive corrompue : le contenu de la table {name} ne correspond pas "
            "au manifeste (empreinte SHA-256 ou nombre de lignes). Rien n'a été "
            "restauré."
        )


def _lines(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    try:
        with archive.open(_member(name)) as stream:
            yield from stream
    except KeyError as error:
        raise BackupError(
            f"Archive corrompue : le fichier de la table {name} manque."
        ) from error


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _check_target(connection: Connection, revision: str) -> None:
    """Refuse a database at another revision, or holding any row."""
    current = _revision(connection)
    if current != revision:
        raise BackupError(
            f"La base cible est à la révision de migration « {current or 'aucune'} » "
            f"mais l'archive a été faite à la révision « {revision} ». Créez une base "
            "vide, amenez-la à la même révision (flask db upgrade "
            f"{revision}), puis recommencez."
        )
    filled = [
        table.name
        for table in db.metadata.sorted_tables
        if connection.execute(
            sa.select(sa.literal(1)).select_from(table).limit(1)
        ).scalar()
        is not None
    ]
    if filled:
        raise BackupError(
            "La base cible n'est pas vide (tables avec des lignes : "
            f"{', '.join(filled)}). La restauration ne se fait que dans une base "
            "vide : rien n'a été modifié."
        )


def _restore_table(
    connection: Connection, archive: zipfile.ZipFile, table: sa.Table, entry: dict
) -> None:
    """Insert a table's rows in batches; then link rows to rows of the same table."""
    decoders = {column.name: _decoder(column) for column in table.columns}
    later = _self_references(table)
    insert = table.insert()
    batch: list[dict] = []
    rows = 0
    for line in _lines(archive, table.name):
        record = _decode(line, decoders, table.name)
        for name in later:
            record[name] = None
        batch.append(record)
        rows += 1
        if len(batch) >= BATCH_SIZE:
            connection.execute(insert, batch)
            batch = []
    if batch:
        connection.execute(insert, batch)
    if rows != entry["rows"]:
        raise BackupError(f"Archive corrompue : nombre de lignes de {table.name}.")
    if later:
        _link_self_references(connection, archive, table, later, decoders)


def _decode(line: bytes, decoders: dict, table_name: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
        return {name: decoders[name](value) for name, value in record.items()}
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError(
            f"Archive corrompue : ligne illisible dans la table {table_name} ({error})."
        ) from error


def _self_references(table: sa.Table) -> list[str]:
    """Nullable columns pointing at the same table: filled after all its rows."""
    return [
        key.parent.name
        for key in table.foreign_keys
        if key.column.table is table and key.parent.nullable
    ]


def _link_self_references(
    connection: Connection,
    archive: zipfile.ZipFile,
    table: sa.Table,
    columns: list[str],
    decoders: dict,
) -> None:
    """Second pass over the table's file: set the self-references, in batches."""
    keys = [column.name for column in table.primary_key.columns]
    statement = (
        table.update()
        .where(*(table.c[key] == sa.bindparam(f"key_{key}") for key in keys))
        .values({name: sa.bindparam(f"new_{name}") for name in columns})
    )
    batch: list[dict] = []
    for line in _lines(archive, table.name):
        record = _decode(line, decoders, table.name)
        if all(record[name] is None for name in columns):
            continue
        batch.append(
            {f"key_{key}": record[key] for key in keys}
            | {f"new_{name}": record[name] for name in columns}
        )
        if len(batch) >= BATCH_SIZE:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)


def _reset_sequences(connection: Connection, tables: list[sa.Table]) -> None:
    """Move PostgreSQL sequences past the restored ids (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        highest = connection.scalar(sa.select(sa.func.max(column)))
        sequence = sa.func.pg_get_serial_sequence(quote(table.name), column.name)
        connection.execute(
            sa.select(sa.func.setval(sequence, highest or 1, highest is not None))
        )
