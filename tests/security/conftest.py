"""Security walks over the demo data: one seeded database per test module.

The demo (``seed-demo``) has every kind of object; a second, separate world from
the factories adds the "other" side of each role: a resident, a staff member of
another landlord, and a partner whose organisation takes part in nothing here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from participation import create_app
from participation.extensions import db
from participation.models import (
    Comment,
    Commitment,
    Consultation,
    GroupMember,
    Measurement,
    Meeting,
    MembershipStatus,
    Notification,
    Objective,
    Organisation,
    Phase,
    Place,
    Proposal,
    ProposalStatus,
    Report,
    Residency,
    User,
    VerificationRequest,
    WorkingGroup,
)
from participation.services import demo
from tests import factories
from tests.conftest import IsolatedClient, make_test_config

ANONYMOUS = "anonymous"
OTHER_RESIDENT = "other_resident"
RESIDENT = "resident"
OTHER_PARTNER = "other_partner"
PARTNER = "partner"
STAFF = "staff"
OTHER_STAFF = "other_staff"
ADMIN = "admin"
ROLES = (
    ANONYMOUS,
    OTHER_RESIDENT,
    RESIDENT,
    OTHER_PARTNER,
    PARTNER,
    STAFF,
    OTHER_STAFF,
    ADMIN,
)

#: Who plays each role: demo accounts for the Tilleuls side, factory accounts
#: (another landlord, a partner organisation outside every group) for the rest.
ACCOUNTS = {
    RESIDENT: f"habitant3@{demo.DOMAIN}",  # Clos des Lilas, member of the group
    PARTNER: f"dechets@{demo.DOMAIN}",  # waste service: data source, committed
    STAFF: f"equipe@{demo.DOMAIN}",
    ADMIN: f"admin@{demo.DOMAIN}",
    OTHER_RESIDENT: "other.resident@example.fr",
    OTHER_PARTNER: "partner@example.fr",
    OTHER_STAFF: "other.staff@example.fr",
}
PASSWORDS = {
    RESIDENT: demo.PASSWORD,
    PARTNER: demo.PASSWORD,
    STAFF: demo.PASSWORD,
    ADMIN: demo.PASSWORD,
}


@dataclass
class DemoWorld:
    """A seeded app, the ids that fill URL parameters and the role clients."""

    app: Flask
    url: str
    options: dict
    ids: dict[str, int | str]
    user_ids: dict[str, int]
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, role: str) -> FlaskClient:
        """A client logged in as ``role`` (anonymous: not logged in)."""
        if role not in self.clients:
            self.clients[role] = login_client(self.app, role)
        return self.clients[role]

    def snapshot(self) -> str:
        return snapshot(self.app)


def login_client(app: Flask, role: str, csrf: bool = False) -> FlaskClient:
    client = app.test_client()
    if role == ANONYMOUS:
        return client
    data = {
        "email": ACCOUNTS[role],
        "password": PASSWORDS.get(role, factories.PASSWORD),
    }
    if csrf:
        page = client.get("/compte/connexion").get_data(as_text=True)
        data["csrf_token"] = csrf_token(page)
    response = client.post("/compte/connexion", data=data)
    assert response.status_code == 302, (role, response.get_data(as_text=True))
    return client


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)


def snapshot(app: Flask) -> str:
    """A digest of every row of every table: equal digests, nothing changed."""
    digest = hashlib.sha256()
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(sa.select(table)).all()
            digest.update(table.name.encode())
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode())
    return digest.hexdigest()


def build_app(url: str, options: dict, instance: str, **overrides) -> Flask:
    app = create_app(
        make_test_config(url, options, **overrides), instance_path=instance
    )
    app.test_client_class = IsolatedClient
    return app


def _first(statement):
    found = db.session.scalars(statement.limit(1)).first()
    assert found is not None, statement
    return found


def _ids(now: datetime) -> tuple[dict[str, int | str], dict[str, int]]:
    """Real objects of the Tilleuls landlord for every URL parameter."""
    users = {
        role: db.session.scalar(db.select(User.id).filter_by(email=email))
        for role, email in ACCOUNTS.items()
    }
    by_phase = {c.phase(now): c for c in db.session.scalars(db.select(Consultation))}
    ideas, voting = by_phase[Phase.IDEAS], by_phase[Phase.VOTING]
    resident = db.session.get(User, users[RESIDENT])
    own = factories.proposal(
        ideas, author=resident, title="Des bacs à compost au Clos des Lilas"
    )
    listed = _first(
        db.select(Proposal)
        .filter_by(consultation_id=voting.id, status=ProposalStatus.PUBLISHED)
        .where(Proposal.author_id.is_not(None), Proposal.author_id != resident.id)
        .order_by(Proposal.id)
    )
    comment = _first(
        db.select(Comment)
        .join(Proposal)
        .where(Proposal.consultation_id == voting.id)
        .where(Comment.author_id != resident.id)
        .order_by(Comment.id)
    )
    report = db.session.scalars(db.select(Report).limit(1)).first()
    if report is None:
        report = Report(
            reporter_id=users[PARTNER],
            target=f"proposal:{listed.id}",
            proposal_id=listed.id,
            reason="Propos déplacés",
        )
        db.session.add(report)
        db.session.commit()
    group = _first(db.select(WorkingGroup))
    pending = _first(
        db.select(GroupMember).filter_by(
            group_id=group.id, status=MembershipStatus.PENDING
        )
    )
    waste = db.session.get(User, users[PARTNER]).organisation_id
    objective = _first(
        db.select(Objective)
        .filter_by(group_id=group.id, source_organisation_id=waste)
        .order_by(Objective.id)
    )
    measurement = _first(
        db.select(Measurement)
        .filter_by(objective_id=objective.id, organisation_id=waste)
        .order_by(Measurement.id)
    )
    commitment = _first(
        db.select(Commitment)
        .join(Objective)
        .where(Objective.group_id == group.id, Commitment.organisation_id == waste)
        .order_by(Commitment.id)
    )
    landlord = group.landlord_id
    territory = _first(db.select(Place).filter_by(landlord_id=landlord, parent_id=None))
    city = _first(db.select(Organisation).filter_by(name="Ville de Bellerive"))
    bystander = _first(db.select(User).filter_by(email=f"habitant10@{demo.DOMAIN}"))
    ids: dict[str, int | str] = {
        "follow_up": by_phase[Phase.FOLLOW_UP].id,
        "voting": voting.id,
        "ideas": ideas.id,
        "results": by_phase[Phase.RESULTS].id,
        "draft": by_phase[Phase.DRAFT].id,
        "own_proposal": own.id,
        "listed_proposal": listed.id,
        "comment": comment.id,
        "report": report.id,
        "group": group.id,
        "pending_member": pending.id,
        "meeting": _first(
            db.select(Meeting).filter_by(group_id=group.id).order_by(Meeting.id)
        ).id,
        "objective": objective.id,
        "measurement": measurement.id,
        "commitment": commitment.id,
        "territory": territory.id,
        "dwelling": _first(
            db.select(Residency).filter_by(user_id=bystander.id)
        ).dwelling_id,
        "request": _first(db.select(VerificationRequest)).id,
        "residency": _first(db.select(Residency).filter_by(user_id=bystander.id)).id,
        "city": city.id,
        "bystander": bystander.id,
        "notification": _first(
            db.select(Notification).filter_by(user_id=users[RESIDENT])
        ).id,
    }
    return ids, users


@pytest.fixture(scope="module")
def demo_world(database, tmp_path_factory) -> Iterator[DemoWorld]:
    """The demo data and the other world, seeded once for the module."""
    url, options = database
    folder = tmp_path_factory.mktemp("security")
    if url == "sqlite://":
        url = f"sqlite:///{folder / 'security.db'}"
    app = build_app(url, options, str(folder / "instance"))
    with app.app_context():
        db.create_all()
        now = datetime.now(UTC)
        demo.seed_demo(now)
        factories.build_world()
        ids, users = _ids(now)
    world = DemoWorld(app=app, url=url, options=options, ids=ids, user_ids=users)
    yield world
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


# Forms ------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str]]  # (name, kind, default value)


class FormParser(HTMLParser):
    """The forms of a page with their fields and default values."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: tuple[str, list[str]] | None = None
        self.textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = (a.get("action") or self.page_url).split("#")[0]
            self.current = Form(action, (a.get("method") or "get").lower(), [])
            self.forms.append(self.current)
            return
        if self.current is None or not a.get("name"):
            if tag == "option" and self.select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.current.fields.append((name, kind, a.get("value") or "y"))
                elif not any(f[0] == name for f in self.current.fields):
                    self.current.fields.append((name, kind + ":unchecked", ""))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self.current.fields.append((name, kind, a.get("value") or ""))
        elif tag == "textarea":
            self.textarea = [name, ""]
        elif tag == "select":
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            self._option(a)

    def _option(self, a):
        name, options = self.select
        value = a.get("value") or ""
        options.append(value)
        if "selected" in a:
            options.insert(0, value)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None and self.current:
            self.current.fields.append((self.textarea[0], "textarea", self.textarea[1]))
            self.textarea = None
        elif tag == "select" and self.select is not None and self.current:
            name, options = self.select
            chosen = next((o for o in options if o), options[0] if options else "")
            self.current.fields.append((name, "select", chosen))
            self.select = None
        elif tag == "form":
            self.current = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms


def form_data(form: Form, **overrides: str) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {}
    for name, kind, value in form.fields:
        if kind.endswith(":unchecked") or name == "csrf_token":
            continue
        if name in data:
            previous = data[name]
            data[name] = (
                [*previous, value]
                if isinstance(previous, list)
                else [
                    previous,
                    value,
                ]
            )
        else:
            data[name] = value
    data.update(overrides)
    return data
