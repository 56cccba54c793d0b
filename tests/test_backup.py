"""Backup and restore: the demo goes from SQLite to an archive and back, into SQLite
and PostgreSQL, with nothing lost; bad archives and wrong targets are refused."""

from __future__ import annotations

import hashlib
import json
import re
import tracemalloc
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from participation import create_app
from participation.extensions import db
from participation.models import (
    Consultation,
    Organisation,
    OrganisationKind,
    Proposal,
    Role,
)
from participation.services import backup, demo
from participation.timeutil import utcnow
from tests.conftest import POSTGRES_URL, make_test_config

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIRST_REVISION = "b6ca1787dcb2"


# Databases -------------------------------------------------------------------------


def _postgres_url() -> str | None:
    """The PostgreSQL to restore into: the suite's, else the default one if it
    answers (it does in CI), else none."""
    if POSTGRES_URL:
        return POSTGRES_URL
    engine = sa.create_engine(
        DEFAULT_POSTGRES_URL, connect_args={"connect_timeout": 2}, poolclass=sa.NullPool
    )
    try:
        with engine.connect():
            return DEFAULT_POSTGRES_URL
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


class Database:
    """A migrated database with its own app, SQLite file or PostgreSQL schema."""

    def __init__(self, folder: Path, kind: str, revision: str = "head"):
        self.kind = kind
        self.schema = None
        if kind == "sqlite":
            url, options = f"sqlite:///{folder / 'data.db'}", {}
        else:
            url = _postgres_url()
            if url is None:
                pytest.skip("PostgreSQL does not answer at " + DEFAULT_POSTGRES_URL)
            self.schema = f"backup_{uuid.uuid4().hex[:12]}"
            self.admin = sa.create_engine(url, poolclass=sa.NullPool)
            with self.admin.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            options = {"connect_args": {"options": f"-csearch_path={self.schema}"}}
        self.app: Flask = create_app(
            make_test_config(url, options), instance_path=str(folder / "instance")
        )
        with self.app.app_context():
            if revision:
                upgrade(revision=revision)

    def drop(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.schema:
            with self.admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self.admin.dispose()

    def rows(self) -> dict[str, list[tuple]]:
        """Every row of every table, in primary-key order, as the app reads them."""
        with self.app.app_context(), db.engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in db.metadata.sorted_tables
            }

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows().items()}

    def restore(self, archive: Path) -> backup.BackupReport:
        with self.app.app_context():
            return backup.restore_backup(archive)

    def cli(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args))


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Database:
    """The demo on a migrated SQLite database, with a proposal marked as duplicate of
    a newer one (a self-reference pointing forward, which ids order cannot sort)."""
    database = Database(tmp_path_factory.mktemp("source"), "sqlite")
    with database.app.app_context():
        demo.seed_demo(utcnow())
        consultation = db.session.scalar(
            sa.select(Consultation).where(Consultation.title.startswith("Encombrants"))
        )
        ideas = db.session.scalars(
            sa.select(Proposal)
            .filter_by(consultation_id=consultation.id)
            .order_by("id")
        ).all()
        ideas[0].duplicate_of_id = ideas[-1].id
        db.session.commit()
    yield database
    database.drop()


@pytest.fixture(scope="module")
def archive(source, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "sauvegarde.zip"
    result = source.cli("backup", "create", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def empty(tmp_path) -> Database:
    """A fresh SQLite database migrated to the latest revision."""
    database = Database(tmp_path, "sqlite")
    yield database
    database.drop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def restored(request, archive, tmp_path_factory):
    """The archive restored through the CLI into an empty database of each kind."""
    database = Database(tmp_path_factory.mktemp(request.param), request.param)
    result = database.cli("backup", "restore", str(archive))
    yield database, result
    database.drop()


def _total_line(total: int) -> re.Pattern:
    return re.compile(rf"^\s+total\s+{total}$", re.MULTILINE)


def _manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as zipped:
        return json.loads(zipped.read("manifest.json"))


def _rewrite(path: Path, target: Path, change) -> Path:
    """Copy an archive, passing each member's name and bytes through ``change``."""
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


# Writing ---------------------------------------------------------------------------


def test_the_archive_describes_every_table_with_counts_and_checksums(source, archive):
    manifest = _manifest(archive)
    source_counts = source.counts()
    assert manifest["format_version"] == backup.FORMAT_VERSION
    assert manifest["alembic_revision"]
    assert manifest["created_at"].endswith("+00:00")
    assert {name: entry["rows"] for name, entry in manifest["tables"].items()} == (
        source_counts
    )
    assert source_counts["proposal"] > 0 and source_counts["notification"] > 0
    with zipfile.ZipFile(archive) as zipped:
        for name, entry in manifest["tables"].items():
            data = zipped.read(f"tables/{name}.jsonl")
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert data.count(b"\n") == entry["rows"]


def test_values_are_portable_json(archive):
    """UTC datetimes in ISO 8601, dates in ISO, enums as values, JSON as JSON."""
    with zipfile.ZipFile(archive) as zipped:
        first = {
            name: json.loads(zipped.read(f"tables/{name}.jsonl").splitlines()[0])
            for name in ("user", "objective", "audit_event", "place")
        }
    assert first["user"]["created_at"].endswith("+00:00")
    assert first["user"]["role"] in {role.value for role in Role}
    assert len(first["objective"]["baseline_date"]) == 10
    assert isinstance(first["audit_event"]["details"], dict)
    assert first["place"]["parent_id"] is None


def test_the_cli_prints_the_counts_and_never_overwrites(source, archive, tmp_path):
    result = source.cli("backup", "create", str(archive))
    assert result.exit_code == 1
    assert "existe déjà" in result.output
    assert _manifest(archive)["tables"]  # untouched
    result = source.cli("backup", "create", str(tmp_path / "absent" / "a.zip"))
    assert result.exit_code == 1
    assert "n'existe pas" in result.output
    path = tmp_path / "encore.zip"
    result = source.cli("backup", "create", str(path))
    assert result.exit_code == 0, result.output
    assert "Sauvegarde écrite" in result.output
    assert _total_line(sum(source.counts().values())).search(result.output)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_database_without_migrations_is_not_dumped(tmp_path):
    database = Database(tmp_path, "sqlite", revision="")
    try:
        with database.app.app_context():
            db.create_all()
        result = database.cli("backup", "create", str(tmp_path / "a.zip"))
        assert result.exit_code == 1
        assert "flask db upgrade" in result.output
        assert not (tmp_path / "a.zip").exists()
    finally:
        database.drop()


def test_the_dump_reads_one_snapshot_while_the_app_writes(empty, tmp_path, monkeypatch):
    """A landlord and its place committed by someone else while the dump runs are
    not half in the archive (the place without its landlord)."""
    write_table = backup._write_table

    def write_while_someone_writes(out, connection, table):
        entry = write_table(out, connection, table)
        if table.name == "organisation":
            with db.engine.begin() as other:
                landlord = other.execute(
                    sa.insert(Organisation.__table__).returning(Organisation.id),
                    {"name": "Bailleur pressé", "kind": "landlord", "created_at": now},
                ).scalar_one()
                other.execute(
                    sa.text(
                        "INSERT INTO place (landlord_id, kind, name, address, path, "
                        "created_at) VALUES (:landlord, 'territory', 'Quartier', '', "
                        "'/', :now)"
                    ),
                    {"landlord": landlord, "now": now.replace(tzinfo=None)},
                )
        return entry

    monkeypatch.setattr(backup, "_write_table", write_while_someone_writes)
    now = utcnow()
    with empty.app.app_context():
        report = backup.create_backup(tmp_path / "instant.zip", now)
    assert (report.counts["organisation"], report.counts["place"]) == (0, 0)
    assert (empty.counts()["organisation"], empty.counts()["place"]) == (1, 1)


def test_memory_stays_flat_on_big_tables(empty, tmp_path, monkeypatch):
    """Dumping and restoring 10 times more rows does not take 10 times the memory:
    rows are streamed in batches, never all loaded."""
    monkeypatch.setattr(backup, "BATCH_SIZE", 100)
    peaks = []
    table = Organisation.__table__
    for run, size in enumerate((500, 500, 5000)):  # the first run warms caches up
        with empty.app.app_context():
            db.session.execute(sa.delete(table))
            now = utcnow()
            db.session.execute(
                sa.insert(table),
                [
                    {
                        "name": f"Association {n} " + "x" * 100,
                        "kind": "association",
                        "created_at": now - timedelta(seconds=n),
                    }
                    for n in range(size)
                ],
            )
            db.session.commit()
            path = tmp_path / f"{run}.zip"
            tracemalloc.start()
            try:
                backup.create_backup(path, now)
                dumped = tracemalloc.get_traced_memory()[1]
                tracemalloc.reset_peak()
                db.session.execute(sa.delete(table))
                db.session.commit()
                tracemalloc.reset_peak()
                report = backup.restore_backup(path)
                restored = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert report.counts["organisation"] == size
        peaks.append((dumped, restored))
    _, (small_dump, small_restore), (big_dump, big_restore) = peaks
    assert big_dump < 2 * small_dump, peaks
    assert big_restore < 2 * small_restore, peaks


# Round trip ------------------------------------------------------------------------


def test_every_table_is_restored_row_by_row(source, archive, restored, tmp_path):
    """SQLite → archive → SQLite and PostgreSQL: every row equal, and the restored
    database dumps to the very same table files."""
    target, result = restored
    assert result.exit_code == 0, result.output
    total = sum(source.counts().values())
    assert "restaurée" in result.output
    assert _total_line(total).search(result.output)
    source_rows, target_rows = source.rows(), target.rows()
    for name, rows in source_rows.items():
        assert target_rows[name] == rows, name
    again = tmp_path / "encore.zip"
    with target.app.app_context():
        backup.create_backup(again, utcnow())
    original, copy = _manifest(archive)["tables"], _manifest(again)["tables"]
    assert {name: entry["sha256"] for name, entry in copy.items()} == {
        name: entry["sha256"] for name, entry in original.items()
    }


def test_the_restored_app_works_and_new_rows_get_fresh_ids(archive, restored):
    """A demo resident logs in on the restored database and proposes an idea; the
    new rows get ids after the restored ones (PostgreSQL sequences were reset)."""
    target, _ = restored
    highest = {
        name: max((row["id"] for row in _table_rows(archive, name)), default=0)
        for name, entry in _manifest(archive)["tables"].items()
        if "id" in entry["columns"]
    }
    client = target.app.test_client()
    response = client.post(
        "/compte/connexion",
        data={"email": "habitant1@demo.faireavec.fr", "password": demo.PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with target.app.app_context():
        gardens = db.session.scalar(
            sa.select(Consultation.id).where(Consultation.title.startswith("Jardins"))
        )
    response = client.post(
        f"/propositions/nouvelle/{gardens}",
        data={
            "title": "Des bacs à compost partagés",
            "body": "Un coin compost à côté des jardins, entretenu ensemble.",
            "place": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with target.app.app_context():
        idea = db.session.scalar(
            sa.select(Proposal).filter_by(title="Des bacs à compost partagés")
        )
        assert idea.id > highest["proposal"]
        db.session.add(
            Organisation(name="Nouvelle association", kind=OrganisationKind.CITY)
        )
        db.session.commit()
        if target.kind == "postgresql":
            with db.engine.begin() as connection:
                for table in db.metadata.sorted_tables:
                    column = table.autoincrement_column
                    if column is None:
                        continue
                    sequence = sa.func.pg_get_serial_sequence(
                        f'"{table.name}"', column.name
                    )
                    fresh = connection.scalar(sa.select(sa.func.nextval(sequence)))
                    assert fresh > highest[table.name], table.name


def _table_rows(path: Path, name: str) -> list[dict]:
    with zipfile.ZipFile(path) as zipped:
        return [
            json.loads(line)
            for line in zipped.read(f"tables/{name}.jsonl").splitlines()
        ]


# Refusals --------------------------------------------------------------------------


def test_a_database_with_rows_is_refused_and_left_as_it_was(archive, empty):
    with empty.app.app_context():
        db.session.add(Organisation(name="Déjà là", kind=OrganisationKind.ASSOCIATION))
        db.session.commit()
    before = empty.rows()
    result = empty.cli("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert "n'est pas vide" in result.output
    assert "organisation" in result.output
    assert empty.rows() == before


def test_a_database_at_another_revision_is_refused(archive, tmp_path):
    database = Database(tmp_path, "sqlite", revision=FIRST_REVISION)
    try:
        with pytest.raises(backup.BackupError) as refused:
            database.restore(archive)
        message = str(refused.value)
        assert FIRST_REVISION in message
        assert _manifest(archive)["alembic_revision"] in message
        with database.app.app_context(), db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM place")) == 0
    finally:
        database.drop()


def test_a_database_without_migrations_is_refused(archive, tmp_path):
    database = Database(tmp_path, "sqlite", revision="")
    try:
        with database.app.app_context():
            db.create_all()
        with pytest.raises(backup.BackupError, match="« aucune »"):
            database.restore(archive)
        assert not any(database.counts().values())
    finally:
        database.drop()


def test_a_changed_table_file_is_refused_by_its_checksum(archive, empty, tmp_path):
    def tamper(name, data):
        if name == "tables/user.jsonl":
            return data.replace(b"habitant1@", b"intrus@")
        return data

    corrupt = _rewrite(archive, tmp_path / "corrompue.zip", tamper)
    result = empty.cli("backup", "restore", str(corrupt))
    assert result.exit_code == 1
    assert "Archive corrompue" in result.output
    assert "user" in result.output and "SHA-256" in result.output
    assert not any(empty.counts().values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda name, data: None if name == "manifest.json" else data, "manifeste"),
        (
            lambda name, data: None if name == "tables/comment.jsonl" else data,
            "comment manque",
        ),
        (
            lambda name, data: (
                data.replace(b'"format_version": 1', b'"format_version": 9')
                if name == "manifest.json"
                else data
            ),
            "Format d'archive 9",
        ),
        (
            lambda name, data: (
                data.replace(b'"ballot"', b'"bulletin"')
                if name == "manifest.json"
                else data
            ),
            "absentes : ballot",
        ),
    ],
    ids=["no-manifest", "missing-table", "other-format", "other-tables"],
)
def test_an_incomplete_archive_is_refused(archive, empty, tmp_path, change, message):
    corrupt = _rewrite(archive, tmp_path / "incomplete.zip", change)
    with pytest.raises(backup.BackupError, match=message):
        empty.restore(corrupt)
    assert not any(empty.counts().values())


def test_a_file_that_is_not_an_archive_is_refused(empty, tmp_path):
    path = tmp_path / "pas-une-archive.zip"
    path.write_bytes(b"PK\x03\x04 ceci n'est pas un zip")
    result = empty.cli("backup", "restore", str(path))
    assert result.exit_code == 1
    assert "Archive illisible" in result.output


def test_rows_the_database_refuses_leave_nothing_half_restored(
    archive, empty, tmp_path
):
    """A late table pointing at a missing row (checksums made consistent) fails
    after earlier tables were inserted: all of it is rolled back."""
    manifest = _manifest(archive)
    lines = _table_rows(archive, "action")
    lines[-1]["commitment_id"] = 10**9
    data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    manifest["tables"]["action"]["sha256"] = hashlib.sha256(data.encode()).hexdigest()

    def change(name, old):
        if name == "tables/action.jsonl":
            return data.encode()
        if name == "manifest.json":
            return json.dumps(manifest)
        return old

    broken = _rewrite(archive, tmp_path / "incoherente.zip", change)
    result = empty.cli("backup", "restore", str(broken))
    assert result.exit_code == 1
    assert "rien n'a été restauré" in result.output
    assert not any(empty.counts().values())
