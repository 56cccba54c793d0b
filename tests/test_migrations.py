"""Migrations: `upgrade` from an empty database gives exactly the models' schema."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from participation import create_app
from participation.extensions import db
from tests.conftest import POSTGRES_URL, make_test_config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database of each kind (PostgreSQL only when configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}", {}
        return
    if not POSTGRES_URL:
        pytest.skip("PARTICIPATION_TEST_DATABASE_URL is not set: no PostgreSQL here")
    schema = f"migr_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield POSTGRES_URL, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database, tmp_path):
    """No difference between the migrated schema and the models (tables, columns,
    indexes, constraints), and downgrade returns to an empty database."""
    url, options = empty_database
    app = create_app(make_test_config(url, options), instance_path=str(tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(connection).get_table_names())
        assert differences == []
        assert set(db.metadata.tables) <= tables
        downgrade(revision="base")
        with db.engine.connect() as connection:
            left = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
        assert left == set()
        db.session.remove()
        db.engine.dispose()
