"""Every rule of the URL map, walked as every role, against an explicit table.

The table says which roles may GET and POST each endpoint, with the objects (of
the Tilleuls landlord, from the demo data) that fill its URL parameters. A rule
the table does not classify fails the first test: a new route must be added here.
Allowed: 200 or a redirect that is not the login page. Denied: 403 or 404, or
the login page for anonymous visitors; a denied POST (sent with the fields the
form has for an allowed role) changes no row of any table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import url_for

from participation.extensions import db
from tests.security.conftest import (
    ADMIN,
    ANONYMOUS,
    OTHER_PARTNER,
    OTHER_RESIDENT,
    OTHER_STAFF,
    PARTNER,
    RESIDENT,
    ROLES,
    STAFF,
    build_app,
    form_data,
    forms_of,
    login_client,
)

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {ANONYMOUS}
RESIDENTS = frozenset({RESIDENT, OTHER_RESIDENT})
BACK_OFFICE = frozenset({STAFF, OTHER_STAFF, ADMIN})  # their own landlord's lists
MANAGERS = frozenset({STAFF, ADMIN})  # of the Tilleuls landlord's objects
ADMINS = frozenset({ADMIN})
#: Who sees the working group: its landlord's staff, its members, residents of
#: its place and the partners taking part.
GROUP_VIEWERS = frozenset({RESIDENT, PARTNER, STAFF, ADMIN})
#: Active members of the group (the admin is not one).
GROUP_MEMBERS = frozenset({RESIDENT, PARTNER, STAFF})
#: Staff, or the waste service whose measurements and commitments these are.
DATA_SOURCE = frozenset({STAFF, ADMIN, PARTNER})


@dataclass(frozen=True)
class Case:
    """One way to call an endpoint: URL parameters (keys of ``ids``, or literal
    strings prefixed with ``=``) and the roles allowed per method (None: the
    rule has no such method)."""

    get: frozenset[str] | None = None
    post: frozenset[str] | None = None
    params: dict[str, str] = field(default_factory=dict)
    label: str = ""


def case(get=None, post=None, label="", **params) -> Case:
    return Case(
        frozenset(get) if get is not None else None,
        frozenset(post) if post is not None else None,
        params,
        label,
    )


def both(roles, **params) -> Case:
    return case(roles, roles, **params)


C = "consultation_id"

TABLE: dict[str, list[Case]] = {
    "static": [case(EVERYONE, filename="=style.css")],
    "main.index": [case(EVERYONE)],
    "health.index": [case(EVERYONE)],  # part A: no personal data, no login
    "main.set_language": [case(post=EVERYONE)],
    # Accounts
    "auth.login": [both(EVERYONE)],
    "auth.logout": [case(post=EVERYONE)],
    "auth.register": [both(EVERYONE)],
    "auth.forgot_password": [both(EVERYONE)],
    "auth.reset_password": [both(EVERYONE, token="=jeton-invalide")],
    "auth.profile": [both(LOGGED_IN)],
    "auth.claim_code": [case(post=RESIDENTS)],
    "auth.change_password": [both(LOGGED_IN)],
    "auth.verification": [both(RESIDENTS)],
    # Part C (privacy): my data, its export, erasing my account (residents only;
    # others read why not).
    "auth.data": [case(LOGGED_IN)],
    "auth.export": [case(LOGGED_IN)],
    "auth.delete": [case(LOGGED_IN, RESIDENTS)],
    "audit.index": [case(BACK_OFFICE)],  # each staff sees their landlord's events
    # Consultations
    "consultations.index": [case(EVERYONE)],
    "consultations.detail": [
        case(EVERYONE, **{C: "voting"}),
        case(MANAGERS, label="brouillon", **{C: "draft"}),
    ],
    "consultations.create": [both(BACK_OFFICE)],
    "consultations.edit": [both(MANAGERS, **{C: "voting"})],
    "consultations.close_phase": [case(post=MANAGERS, **{C: "voting"})],
    "consultations.extend_phase": [case(post=MANAGERS, **{C: "voting"})],
    "consultations.poster": [case(MANAGERS, **{C: "voting"})],
    "consultations.reports": [case(MANAGERS, **{C: "voting"})],
    "voting.ballot": [both({RESIDENT}, **{C: "voting"})],
    "voting.record": [both(MANAGERS, **{C: "voting"})],
    "voting.results": [case(EVERYONE, **{C: "results"})],
    "voting.outcome": [both(MANAGERS, **{C: "results"})],
    "voting.export_ballots": [case(MANAGERS, **{C: "results"})],
    "voting.export_proposals": [case(MANAGERS, **{C: "results"})],
    # Proposals
    "proposals.create": [both({RESIDENT, STAFF, ADMIN}, **{C: "ideas"})],
    "proposals.detail": [
        case(EVERYONE, proposal_id="listed_proposal"),
        case(EVERYONE, label="propre", proposal_id="own_proposal"),
    ],
    "proposals.edit": [both({RESIDENT}, proposal_id="own_proposal")],
    "proposals.withdraw": [case(post={RESIDENT}, proposal_id="own_proposal")],
    "proposals.comment": [
        case(
            post={RESIDENT, PARTNER, OTHER_PARTNER, STAFF, ADMIN},
            proposal_id="listed_proposal",
        )
    ],
    "proposals.report": [case(post=LOGGED_IN, proposal_id="listed_proposal")],
    "proposals.hide": [case(post=MANAGERS, proposal_id="listed_proposal")],
    "proposals.duplicate": [case(post=MANAGERS, proposal_id="listed_proposal")],
    "proposals.answer": [both(MANAGERS, proposal_id="listed_proposal")],
    "proposals.hide_comment": [case(post=MANAGERS, comment_id="comment")],
    "proposals.dismiss_report": [case(post=MANAGERS, report_id="report")],
    # Notifications
    "notifications.index": [case(LOGGED_IN)],
    "notifications.read": [case(post={RESIDENT}, notification_id="notification")],
    "notifications.read_all": [case(post=LOGGED_IN)],
    "notifications.preferences": [both(LOGGED_IN)],
    # Back office
    "organisations.index": [case(BACK_OFFICE)],
    "organisations.create": [both(BACK_OFFICE)],
    "organisations.edit": [both(ADMINS, organisation_id="city")],
    "places.index": [case(BACK_OFFICE)],
    "places.create": [both(BACK_OFFICE)],
    "places.detail": [case(MANAGERS, place_id="territory")],
    "places.edit": [both(MANAGERS, place_id="territory")],
    "places.delete": [case(post=MANAGERS, place_id="territory")],
    "places.letters": [case(post=MANAGERS, place_id="territory")],
    "dwellings.index": [case(BACK_OFFICE)],
    "dwellings.create": [both(BACK_OFFICE)],
    "dwellings.import_csv": [both(BACK_OFFICE)],
    "dwellings.edit": [both(MANAGERS, dwelling_id="dwelling")],
    "residents.index": [case(BACK_OFFICE)],
    "residents.review": [case(MANAGERS, request_id="request")],
    "residents.approve": [case(post=MANAGERS, request_id="request")],
    "residents.refuse": [case(post=MANAGERS, request_id="request")],
    "residents.end_residency": [case(post=MANAGERS, residency_id="residency")],
    "users.index": [case(ADMINS)],
    "users.create": [both(ADMINS)],
    "users.edit": [both(ADMINS, user_id="bystander")],
    # Working groups
    "groups.index": [case(LOGGED_IN)],
    "groups.create": [both(BACK_OFFICE)],
    "groups.detail": [case(GROUP_VIEWERS, group_id="group")],
    "groups.edit": [both(MANAGERS, group_id="group")],
    "groups.join": [case(post=GROUP_MEMBERS, group_id="group")],
    "groups.leave": [case(post=GROUP_MEMBERS, group_id="group")],
    "groups.members": [case(MANAGERS, group_id="group")],
    "groups.decide": [
        case(post=MANAGERS, group_id="group", member_id="pending_member")
    ],
    "groups.set_facilitator": [
        case(post=MANAGERS, group_id="group", member_id="pending_member")
    ],
    "groups.remove_member": [
        case(post=MANAGERS, group_id="group", member_id="pending_member")
    ],
    "groups.add_partner": [case(post=MANAGERS, group_id="group")],
    "groups.remove_partner": [
        case(post=MANAGERS, group_id="group", organisation_id="city")
    ],
    "groups.add_staff": [case(post=MANAGERS, group_id="group")],
    "groups.create_meeting": [both(MANAGERS, group_id="group")],
    "groups.meeting": [case(GROUP_VIEWERS, group_id="group", meeting_id="meeting")],
    "groups.edit_meeting": [both(MANAGERS, group_id="group", meeting_id="meeting")],
    "groups.add_hand_vote": [
        case(post=MANAGERS, group_id="group", meeting_id="meeting")
    ],
    "objectives.create": [both(MANAGERS, group_id="group")],
    "objectives.detail": [case(GROUP_VIEWERS, objective_id="objective")],
    "objectives.history": [case(GROUP_VIEWERS, objective_id="objective")],
    "commitments.objective_actions": [case(GROUP_VIEWERS, objective_id="objective")],
    "objectives.edit": [both(MANAGERS, objective_id="objective")],
    "objectives.report_measurement": [both(DATA_SOURCE, objective_id="objective")],
    "objectives.import_measurements": [both(DATA_SOURCE, objective_id="objective")],
    "objectives.correct_measurement": [both(DATA_SOURCE, measurement_id="measurement")],
    "commitments.create": [both(DATA_SOURCE, objective_id="objective")],
    "commitments.detail": [case(GROUP_VIEWERS, commitment_id="commitment")],
    "commitments.edit": [both(DATA_SOURCE, commitment_id="commitment")],
    "commitments.set_status": [case(post=DATA_SOURCE, commitment_id="commitment")],
    # A partner reports its own organisation's actions, nobody else.
    "commitments.report_action": [both({PARTNER}, commitment_id="commitment")],
    "commitments.scorecard": [case(GROUP_VIEWERS, group_id="group")],
    "dashboard.place": [case({RESIDENT, PARTNER, STAFF, ADMIN}, place_id="territory")],
    # Public showcase of the published initiative
    "showcase.index": [case(EVERYONE)],
    "showcase.detail": [case(EVERYONE, group_id="group")],
    "showcase.export_csv": [case(EVERYONE, group_id="group")],
    "showcase.export_json": [case(EVERYONE, group_id="group")],
    "showcase.publish": [case(post=MANAGERS, group_id="group")],
    "showcase.unpublish": [case(post=MANAGERS, group_id="group")],
}


def url_of(world, endpoint: str, item: Case) -> str:
    values = {
        name: key[1:] if key.startswith("=") else world.ids[key]
        for name, key in item.params.items()
    }
    with world.app.test_request_context():
        return url_for(endpoint, **values)


def calls(world, method: str):
    """(endpoint, case label, url, allowed roles) for every case with ``method``."""
    for endpoint, cases in TABLE.items():
        for item in cases:
            roles = item.get if method == "GET" else item.post
            if roles is not None:
                yield endpoint, item.label, url_of(world, endpoint, item), roles


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(
        response.headers["Location"]
    ).path.startswith("/compte/connexion")


def verdict(response, allowed: bool, role: str) -> str | None:
    """None when the answer matches the table, else what went wrong."""
    code = response.status_code
    if allowed:
        if code == 200 or (code in (302, 303) and not is_login_redirect(response)):
            return None
        where = response.headers.get("Location", "")
        return f"allowed but got {code} {where}".strip()
    if code in (403, 404):
        return None
    if role == ANONYMOUS and is_login_redirect(response):
        return None
    return f"denied but got {code} {response.headers.get('Location', '')}".strip()


def test_every_rule_is_classified(demo_world):
    """A route missing from the table fails here: decide who may use it."""
    app = demo_world.app
    missing, wrong_methods = [], []
    for rule in app.url_map.iter_rules():
        cases = TABLE.get(rule.endpoint)
        if not cases:
            missing.append(f"{rule.endpoint} {sorted(rule.methods)} {rule.rule}")
            continue
        for item in cases:
            has = {"GET": item.get is not None, "POST": item.post is not None}
            for method, present in has.items():
                if (method in rule.methods) != present:
                    wrong_methods.append(f"{rule.endpoint} {method}")
            if set(item.params) != set(rule.arguments):
                wrong_methods.append(f"{rule.endpoint} params {sorted(rule.arguments)}")
    stale = set(TABLE) - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not missing, "routes missing from the permission table:\n" + "\n".join(
        missing
    )
    assert not wrong_methods, wrong_methods
    assert not stale, f"endpoints in the table but not in the app: {stale}"


@pytest.fixture(scope="module")
def get_walk(demo_world):
    """Every GET case as every role: the answers, and the forms seen on them."""
    answers: dict[tuple[str, str, str], tuple[int, str | None]] = {}
    forms: dict[str, dict] = {}
    for role in ROLES:
        demo_world.client(role)
    for endpoint, label, url, allowed in calls(demo_world, "GET"):
        for role in ROLES:
            response = demo_world.client(role).get(url)
            answers[endpoint, label, role] = (
                response.status_code,
                verdict(response, role in allowed, role),
            )
            if response.status_code == 200 and response.mimetype == "text/html":
                for form in forms_of(response.get_data(as_text=True), url):
                    if form.method == "post":
                        forms.setdefault(urlsplit(form.action).path, filled(form))
            response.close()
    return answers, forms


def filled(form) -> dict:
    """The form's defaults, with its empty text fields filled in, so that a
    POST the permission check let through would pass validation too."""
    empty = [
        name
        for name, kind, value in form.fields
        if kind in ("text", "textarea") and not value
    ]
    return form_data(form, **dict.fromkeys(empty, "Essai de sécurité"))


def test_get_walk_matches_the_table(get_walk):
    answers, _ = get_walk
    wrong = [
        f"GET {endpoint} {label} as {role}: {problem}"
        for (endpoint, label, role), (_, problem) in answers.items()
        if problem
    ]
    assert len(answers) > 500
    assert not wrong, "\n".join(wrong)


def test_denied_posts_change_nothing(demo_world, get_walk):
    """Sent with the data of the real form, a denied POST is refused and no row
    of any table changes."""
    _, forms = get_walk
    wrong, posted, with_form = [], 0, 0
    before = demo_world.snapshot()
    for endpoint, label, url, allowed in calls(demo_world, "POST"):
        data = forms.get(url, {})
        with_form += bool(data)
        denied = [role for role in ROLES if role not in allowed]
        for role in denied:
            response = demo_world.client(role).post(url, data=data)
            posted += 1
            problem = verdict(response, False, role)
            response.close()
            if problem:
                wrong.append(f"POST {endpoint} {label} as {role}: {problem}")
        after = demo_world.snapshot()  # once per rule: the walk stays quick
        if after != before:
            wrong.append(f"POST {endpoint} {label} as {denied}: the database changed")
            before = after
    assert posted > 200
    assert with_form > 30, "the walk found the forms of most POST routes"
    assert not wrong, "\n".join(wrong)


#: Who posts in the CSRF test: the first allowed role in this order.
POSTERS = (STAFF, ADMIN, RESIDENT, PARTNER, OTHER_STAFF, OTHER_RESIDENT, ANONYMOUS)


def test_every_post_without_its_csrf_token_is_refused(demo_world, get_walk, tmp_path):
    """With CSRF on (as in production), an allowed role sending the real form
    without its token gets the French 400 page and nothing changes."""
    _, forms = get_walk
    app = build_app(
        demo_world.url,
        demo_world.options,
        str(tmp_path / "instance"),
        WTF_CSRF_ENABLED=True,
    )
    try:
        _post_without_tokens(demo_world, app, forms)
    finally:
        with app.app_context():
            db.engine.dispose()  # its own pool: close it (PostgreSQL)


def _post_without_tokens(demo_world, app, forms) -> None:
    clients = {role: login_client(app, role, csrf=True) for role in POSTERS}
    wrong, posted = [], 0
    before = demo_world.snapshot()  # logging in may write: after it
    for endpoint, label, url, allowed in calls(demo_world, "POST"):
        role = next(r for r in POSTERS if r in allowed)
        response = clients[role].post(url, data=forms.get(url, {}))
        posted += 1
        body = response.get_data(as_text=True)
        response.close()
        if response.status_code != 400 or "Le formulaire a expiré" not in body:
            wrong.append(f"{endpoint} {label} as {role}: {response.status_code}")
        after = demo_world.snapshot()
        if after != before:
            wrong.append(f"{endpoint} {label} as {role}: the database changed")
            before = after
    # Still logged in: the refused logout did not log anyone out.
    assert clients[STAFF].get("/compte/").status_code == 200
    assert posted >= 60
    assert not wrong, "\n".join(wrong)
