"""Commitment pages through the real app and database: who sees, states, changes
and reports what (403 and nothing saved otherwise); bad input with French
messages next to the fields; status buttons; the scorecard; CSRF; query counts."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from participation.extensions import db
from participation.models import (
    Action,
    Commitment,
    CommitmentStatus,
    Notification,
    Objective,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from participation.timeutil import local_date, utcnow
from tests import factories
from tests.pages import count, field_errors, fresh, text

LOGIN = "/compte/connexion"
TODAY = local_date(utcnow())


# --- helpers ------------------------------------------------------------------------


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]


@dataclass
class Setting:
    group: object
    objective: Objective
    city: Organisation
    association: Organisation
    association_agent: User
    outsider: User
    commitment: Commitment


@pytest.fixture
def setting(world) -> Setting:
    """The city's commitment in a group of the residence where the city and an
    association take part; an outsider partner takes part in nothing."""
    association = factories.organisation(OrganisationKind.ASSOCIATION, "Asso Tri")
    group = factories.group(
        world.residence,
        title="Moins d'encombrants",
        partners=[world.partner_org, association],
    )
    association_agent = factories.user(Role.PARTNER, association)
    outsider = factories.user(
        Role.PARTNER, factories.organisation(OrganisationKind.OTHER, "Ailleurs")
    )
    for person in (world.resident, world.partner, association_agent):
        factories.member(group, person)
    objective = factories.objective(
        group,
        title="Encombrants",
        baseline_date=TODAY - timedelta(days=200),
        target_date=TODAY + timedelta(days=200),
    )
    return Setting(
        group=group,
        objective=objective,
        city=world.partner_org,
        association=association,
        association_agent=association_agent,
        outsider=outsider,
        commitment=factories.commitment(
            objective,
            world.partner_org,
            title="Collectes solidaires",
            due_date=TODAY + timedelta(days=30),
        ),
    )


def who(world, setting, name: str):
    return getattr(setting, name, None) or getattr(world, name)


def create_url(setting) -> str:
    return f"/objectifs/{setting.objective.id}/engagements/nouveau"


def url(commitment, action: str = "") -> str:
    return f"/engagements/{commitment.id}" + (f"/{action}" if action else "")


def commitment_form(party, /, **changes) -> dict:
    return {
        "party": party,
        "title": "Un local pour les encombrants",
        "details": "Ouvert le samedi.",
        "due_date": (TODAY + timedelta(days=60)).isoformat(),
        **changes,
    }


def action_form(**changes) -> dict:
    return {
        "done_on": TODAY.strftime("%d/%m/%Y"),
        "description": "Collecte solidaire au pied du bâtiment A.",
        "quantity": "3,2",
        "unit": "t",
        **changes,
    }


# --- who sees what ------------------------------------------------------------------

VIEW_MATRIX = [
    ("resident", 200),  # lives in the group's place
    ("partner", 200),  # the committed organisation
    ("association_agent", 200),  # another partner taking part
    ("staff", 200),
    ("admin", 200),
    ("outsider", 403),
    ("other_resident", 403),
    ("other_staff", 403),
]


@pytest.mark.parametrize(("role", "status"), VIEW_MATRIX)
def test_the_commitment_and_the_scorecard_are_for_the_groups_people(
    client, login, world, setting, role, status
):
    login(who(world, setting, role))
    assert client.get(url(setting.commitment)).status_code == status
    assert client.get(f"/groupes/{setting.group.id}/engagements").status_code == status


def test_visitors_are_sent_to_log_in(client, setting):
    for page in (
        url(setting.commitment),
        url(setting.commitment, "modifier"),
        url(setting.commitment, "actions/nouvelle"),
        create_url(setting),
        f"/groupes/{setting.group.id}/engagements",
    ):
        response = client.get(page)
        assert response.status_code == 302 and LOGIN in response.location
    response = client.post(url(setting.commitment, "statut"), data={"status": "kept"})
    assert response.status_code == 302 and LOGIN in response.location
    assert fresh(setting.commitment).status is CommitmentStatus.PLANNED


def test_unknown_ids_answer_404(client, login, world):
    login(world.staff)
    for page in (
        "/engagements/999",
        "/engagements/999/modifier",
        "/engagements/999/actions/nouvelle",
        "/objectifs/999/engagements/nouveau",
        "/groupes/999/engagements",
    ):
        assert client.get(page).status_code == 404, page
    assert (
        client.post("/engagements/999/statut", data={"status": "kept"}).status_code
        == 404
    )


def test_the_page_shows_status_due_date_lateness_in_words_and_actions(
    client, login, world, setting
):
    late = factories.commitment(
        setting.objective,
        setting.city,
        title="Affiches",
        due_date=TODAY - timedelta(days=3),
    )
    factories.action(
        late,
        TODAY - timedelta(days=5),
        quantity=3.2,
        unit="t",
        description_html="<p>Collecte au pied du bâtiment A.</p>",
    )
    login(world.resident)
    page = text(client.get(url(late)))
    assert "Affiches" in page and "en retard" in page
    assert "Ville Test" in page
    assert "Collecte au pied du bâtiment A." in page and "3,2 t" in page
    assert "Quantités rapportées" in page  # the table of quantities
    assert "Rapporter une action" not in page and "Changer le statut" not in page
    on_time = text(client.get(url(setting.commitment)))
    assert "en retard" not in on_time and "Aucune action rapportée" in on_time


def test_the_committed_partner_sees_the_report_link_and_status_buttons(
    client, login, world, setting
):
    login(world.partner)
    page = client.get(url(setting.commitment)).get_data(as_text=True)
    assert f'href="/engagements/{setting.commitment.id}/actions/nouvelle"' in page
    assert "Marquer « tenu »" in html.unescape(page)
    assert "Marquer « prévu »" not in html.unescape(page)  # the current status


def test_another_partner_sees_neither_link_nor_buttons(client, login, world, setting):
    login(setting.association_agent)
    page = client.get(url(setting.commitment)).get_data(as_text=True)
    assert "actions/nouvelle" not in page and "/statut" not in page


# --- stating commitments ------------------------------------------------------------

CREATE_MATRIX = [
    ("staff", 200),
    ("admin", 200),
    ("partner", 200),  # for the city only
    ("association_agent", 200),  # for the association only
    ("outsider", 403),
    ("resident", 403),
    ("other_staff", 403),
]


@pytest.mark.parametrize(("role", "status"), CREATE_MATRIX)
def test_staff_and_partners_taking_part_open_the_commitment_form(
    client, login, world, setting, role, status
):
    login(who(world, setting, role))
    assert client.get(create_url(setting)).status_code == status


def options(response) -> list[str]:
    select = re.search(
        r'<select[^>]*name="party"[^>]*>(.*?)</select>',
        response.get_data(as_text=True),
        re.S,
    )
    return [
        html.unescape(o)
        for o in re.findall(r"<option[^>]*>([^<]*)</option>", select[1])
    ]


def test_the_party_choice_offers_only_what_the_user_may_state(
    client, login, world, setting
):
    login(world.staff)
    assert options(client.get(create_url(setting))) == [
        "Habitat Test",
        "Ville Test",
        "Asso Tri",
        "Les habitants",
    ]
    client.post("/compte/deconnexion")
    login(world.partner)
    assert options(client.get(create_url(setting))) == ["Ville Test"]


def test_a_partner_states_their_organisations_commitment(client, login, world, setting):
    login(world.partner)
    response = client.post(
        create_url(setting), data=commitment_form(str(setting.city.id))
    )
    made = db.session.scalar(sa.select(Commitment).order_by(Commitment.id.desc()))
    assert response.status_code == 302 and response.location.endswith(url(made))
    assert (made.organisation_id, made.title) == (
        setting.city.id,
        "Un local pour les encombrants",
    )
    assert "L'engagement est enregistré" in text(client.get(response.location))


@pytest.mark.parametrize("party", ["association", "landlord", "residents"])
def test_a_partner_stating_for_another_party_gets_403_and_nothing_is_saved(
    client, login, world, setting, party
):
    value = {
        "association": str(setting.association.id),
        "landlord": str(world.landlord.id),
        "residents": "habitants",
    }[party]
    login(world.partner)
    response = client.post(create_url(setting), data=commitment_form(value))
    assert response.status_code == 403
    assert count(Commitment) == 1 and count(Notification) == 0


def test_staff_state_the_residents_commitment(client, login, world, setting):
    login(world.staff)
    response = client.post(create_url(setting), data=commitment_form("habitants"))
    assert response.status_code == 302
    made = db.session.scalar(sa.select(Commitment).order_by(Commitment.id.desc()))
    assert made.organisation_id is None and made.party.value == "residents"


def test_the_same_commitment_posted_twice_in_a_row_is_saved_once(
    client, login, world, setting
):
    login(world.partner)
    form = commitment_form(str(setting.city.id))
    first = client.post(create_url(setting), data=form)
    again = client.post(create_url(setting), data=form)
    assert first.status_code == again.status_code == 302
    assert again.location == first.location
    assert count(Commitment, Commitment.title == form["title"]) == 1


def test_the_same_action_posted_twice_in_a_row_is_saved_once(
    client, login, world, setting
):
    login(world.partner)
    first = client.post(url(setting.commitment, "actions/nouvelle"), data=action_form())
    again = client.post(url(setting.commitment, "actions/nouvelle"), data=action_form())
    assert first.status_code == again.status_code == 302
    assert count(Action) == 1


def test_an_objective_aimed_at_year_9999_takes_commitments(
    client, login, world, setting
):
    far = factories.objective(
        setting.group,
        baseline_date=TODAY - timedelta(days=10),
        target_date=date(9999, 12, 31),
    )
    login(world.staff)
    address = f"/objectifs/{far.id}/engagements/nouveau"
    assert client.get(address).status_code == 200
    response = client.post(
        address,
        data=commitment_form(str(setting.city.id), due_date="9999-12-31"),
    )
    assert response.status_code == 302
    made = db.session.scalar(sa.select(Commitment).order_by(Commitment.id.desc()))
    assert (made.objective_id, made.due_date) == (far.id, date(9999, 12, 31))
    assert client.get(response.location).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "L'engagement fait entre 3 et 200 caractères."),
        ({"due_date": ""}, "due_date", "Indiquez l'échéance de l'engagement."),
        (
            {"due_date": "demain"},
            "due_date",
            "Indiquez une date, par exemple 31/12/2026.",
        ),
        ({"due_date": "2099-01-01"}, "due_date", "Échéance trop lointaine"),
        ({"due_date": "2001-01-01"}, "due_date", "ne peut pas précéder le début"),
        (
            {"party": "999999"},
            "party",
            "Choisissez le bailleur ou un partenaire du groupe.",
        ),
    ],
)
def test_bad_commitments_show_french_messages_and_save_nothing(
    client, login, world, setting, changes, field, message
):
    login(world.staff)
    response = client.post(
        create_url(setting), data=commitment_form(str(setting.city.id), **changes)
    )
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert count(Commitment) == 1


# --- editing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("partner", 200),
        ("staff", 200),
        ("admin", 200),
        ("association_agent", 403),
        ("outsider", 403),
        ("resident", 403),
        ("other_staff", 403),
    ],
)
def test_staff_and_the_committed_partner_edit(
    client, login, world, setting, role, status
):
    login(who(world, setting, role))
    assert client.get(url(setting.commitment, "modifier")).status_code == status
    response = client.post(
        url(setting.commitment, "modifier"),
        data=commitment_form(str(setting.city.id), title="Changé"),
    )
    assert response.status_code == (302 if status == 200 else 403)
    assert (fresh(setting.commitment).title == "Changé") is (status == 200)


def test_the_edit_form_shows_the_commitment_as_it_is(client, login, world, setting):
    login(world.partner)
    page = client.get(url(setting.commitment, "modifier")).get_data(as_text=True)
    assert 'value="Collectes solidaires"' in page
    assert f'value="{setting.commitment.due_date.isoformat()}"' in page


# --- status --------------------------------------------------------------------------


def test_the_committed_partner_marks_it_kept_then_reopens_it(
    client, login, world, setting
):
    login(world.partner)
    response = client.post(url(setting.commitment, "statut"), data={"status": "kept"})
    assert response.status_code == 302 and response.location.endswith(
        url(setting.commitment)
    )
    assert fresh(setting.commitment).status is CommitmentStatus.KEPT
    assert "L'engagement est maintenant « tenu »." in text(
        client.get(response.location)
    )
    client.post(url(setting.commitment, "statut"), data={"status": "in_progress"})
    assert fresh(setting.commitment).status is CommitmentStatus.IN_PROGRESS


def test_the_same_status_twice_is_explained_not_an_error(client, login, world, setting):
    login(world.partner)
    response = client.post(
        url(setting.commitment, "statut"), data={"status": "planned"}
    )
    assert response.status_code == 302
    assert "Cet engagement est déjà « prévu » : rien n'a changé." in text(
        client.get(response.location)
    )


def test_an_unknown_status_changes_nothing(client, login, world, setting):
    login(world.staff)
    response = client.post(url(setting.commitment, "statut"), data={"status": "oublié"})
    assert response.status_code == 302
    assert "Choisissez un statut." in text(client.get(response.location))
    assert fresh(setting.commitment).status is CommitmentStatus.PLANNED


@pytest.mark.parametrize(
    "role", ["association_agent", "outsider", "resident", "other_staff"]
)
def test_others_may_not_change_the_status(client, login, world, setting, role):
    login(who(world, setting, role))
    response = client.post(url(setting.commitment, "statut"), data={"status": "kept"})
    assert response.status_code == 403
    assert fresh(setting.commitment).status is CommitmentStatus.PLANNED


# --- reporting actions ---------------------------------------------------------------

REPORT_MATRIX = [
    ("partner", 200),  # the committed organisation
    ("association_agent", 403),  # a partner of another organisation
    ("outsider", 403),
    ("resident", 403),
    ("staff", 403),  # staff report the landlord's and the residents' actions
    ("other_staff", 403),
    ("admin", 403),
]


@pytest.mark.parametrize(("role", "status"), REPORT_MATRIX)
def test_only_the_committed_partner_reports_its_actions(
    client, login, world, setting, role, status
):
    login(who(world, setting, role))
    page = url(setting.commitment, "actions/nouvelle")
    assert client.get(page).status_code == status
    response = client.post(page, data=action_form())
    assert response.status_code == (302 if status == 200 else 403)
    assert count(Action) == (1 if status == 200 else 0)
    if status == 403:
        assert count(Notification) == 0
        assert fresh(setting.commitment).status is CommitmentStatus.PLANNED


def test_a_reported_action_reads_french_decimals_and_starts_the_commitment(
    client, login, world, setting
):
    login(world.partner)
    response = client.post(
        url(setting.commitment, "actions/nouvelle"),
        data=action_form(quantity="1 250,5", unit="kg"),
    )
    assert response.status_code == 302
    action = db.session.scalar(sa.select(Action))
    assert (action.quantity, action.unit, action.done_on) == (1250.5, "kg", TODAY)
    assert fresh(setting.commitment).status is CommitmentStatus.IN_PROGRESS
    page = text(client.get(response.location))
    assert "L'action est enregistrée" in page and "1 250,5 kg" in page.replace(
        "\u202f", " "
    ).replace("\xa0", " ")


def test_staff_report_the_residents_actions(client, login, world, setting):
    residents = factories.commitment(setting.objective, None)
    login(world.staff)
    response = client.post(
        url(residents, "actions/nouvelle"), data=action_form(quantity="", unit="")
    )
    assert response.status_code == 302 and count(Action) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"done_on": (TODAY + timedelta(days=1)).isoformat()},
            "done_on",
            "La date ne peut pas être dans le futur.",
        ),
        (
            {"done_on": "32/13/2026"},
            "done_on",
            "Indiquez une date, par exemple 31/12/2026.",
        ),
        ({"done_on": ""}, "done_on", "Indiquez la date de l'action."),
        (
            {"done_on": "2001-01-01"},
            "done_on",
            "Cette date précède le début de l'objectif",
        ),
        (
            {"description": ""},
            "description",
            "Décrivez ce qui a été fait, en 3 à 5000 caractères.",
        ),
        ({"quantity": "abc"}, "quantity", "Indiquez un nombre, par exemple 3,2"),
        ({"quantity": "nan"}, "quantity", "Indiquez un nombre, par exemple 3,2"),
        ({"quantity": "-3"}, "quantity", "La quantité est un nombre positif"),
        ({"quantity": "0"}, "quantity", "La quantité est un nombre positif"),
        (
            {"quantity": ""},
            "quantity",
            "Indiquez la quantité, ou laissez l'unité vide.",
        ),
    ],
)
def test_bad_actions_show_french_messages_and_save_nothing(
    client, login, world, setting, changes, field, message
):
    login(world.partner)
    response = client.post(
        url(setting.commitment, "actions/nouvelle"), data=action_form(**changes)
    )
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert count(Action) == 0 and count(Notification) == 0
    assert fresh(setting.commitment).status is CommitmentStatus.PLANNED
    assert 'value="' in response.get_data(as_text=True)  # typed values are kept


# --- the scorecard ------------------------------------------------------------------


def cells(response, party: str) -> list[str]:
    """The counts in the scorecard row of ``party``."""
    page = response.get_data(as_text=True)
    table = re.search(r'<table class="commitment-scorecard">(.*?)</table>', page, re.S)[
        1
    ]
    found = re.search(
        rf'<th scope="row">{re.escape(party)}</th>(.*?)</tr>', table, re.S
    )
    return re.findall(r"<td>(\d+)</td>", found[1])


def test_the_scorecard_counts_each_partys_commitments_and_lists_them(
    client, login, world, setting
):
    second = factories.objective(setting.group, title="Tri sélectif")
    factories.commitment(
        second, setting.city, title="Bacs jaunes", status=CommitmentStatus.KEPT
    )
    factories.commitment(
        second, setting.city, title="Composteur", due_date=TODAY - timedelta(days=1)
    )
    factories.commitment(
        second, None, title="Fête du tri", status=CommitmentStatus.NOT_KEPT
    )  # its due date is past, but it is closed: not late
    factories.commitment(
        setting.objective, world.landlord, title="Local vélos", due_date=TODAY
    )
    login(world.resident)
    response = client.get(f"/groupes/{setting.group.id}/engagements")
    # kept, late, pending, not kept, total
    assert cells(response, "Ville Test") == ["1", "1", "1", "0", "3"]
    assert cells(response, "Habitat Test") == ["0", "0", "1", "0", "1"]
    assert cells(response, "Les habitants") == ["0", "0", "0", "1", "1"]
    assert cells(response, "Ensemble") == ["1", "1", "2", "1", "5"]
    page = text(response)
    for title in ("Bacs jaunes", "Composteur", "Fête du tri", "Local vélos"):
        assert title in page
    assert "Tri sélectif" in page and "Encombrants" in page
    assert "en retard" in page and "non tenu" in page


def test_a_group_without_commitments_says_so(client, login, world):
    group = factories.group(world.residence)
    login(world.staff)
    assert "Aucun engagement pour l'instant." in text(
        client.get(f"/groupes/{group.id}/engagements")
    )


# --- the objective page's panel ------------------------------------------------------


def render_panel(app, world, setting, user):
    from flask_login import login_user

    from participation.blueprints.objectives.views import commitment_panel

    with app.test_request_context():
        login_user(user)
        return commitment_panel(setting.objective, TODAY)


def test_the_panel_shows_commitments_by_party_the_scorecard_and_the_timeline(
    app, world, setting
):
    factories.action(
        setting.commitment,
        TODAY - timedelta(days=2),
        quantity=3.2,
        unit="t",
        description_html="<p>Collecte solidaire</p>",
    )
    late = factories.commitment(
        setting.objective, None, title="Trier", due_date=TODAY - timedelta(days=1)
    )
    page = " ".join(
        html.unescape(
            re.sub(r"<[^>]+>", " ", render_panel(app, world, setting, world.staff))
        ).split()
    )
    assert "Ville Test" in page and "Les habitants" in page
    assert "Collectes solidaires" in page and "Trier" in page and "en retard" in page
    assert "Collecte solidaire" in page and "3,2 t" in page
    assert "Ajouter un engagement" in page
    assert f"/engagements/{late.id}" in render_panel(app, world, setting, world.staff)


def test_the_panel_offers_no_add_link_to_residents(app, world, setting):
    staff = render_panel(app, world, setting, world.staff)
    resident = render_panel(app, world, setting, world.resident)  # cached lists
    assert "Ajouter un engagement" in staff
    assert "Ajouter un engagement" not in resident
    assert resident == staff.replace(
        re.search(r"\s*<p><a class=\"button[^\n]*Ajouter un engagement</a></p>", staff)[
            0
        ],
        "",
    )


# --- CSRF ----------------------------------------------------------------------------


def test_posts_without_a_csrf_token_are_refused_and_nothing_is_saved(
    make_app, world, setting
):
    browser = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_page = browser.get(LOGIN).get_data(as_text=True)
    browser.post(
        LOGIN,
        data={
            "email": world.partner.email,
            "password": factories.PASSWORD,
            "csrf_token": token_of(login_page),
        },
    )
    commitment = setting.commitment
    assert (
        browser.post(url(commitment, "statut"), data={"status": "kept"}).status_code
        == 400
    )
    assert (
        browser.post(
            url(commitment, "actions/nouvelle"), data=action_form()
        ).status_code
        == 400
    )
    assert (
        browser.post(
            create_url(setting), data=commitment_form(str(setting.city.id))
        ).status_code
        == 400
    )
    assert fresh(commitment).status is CommitmentStatus.PLANNED
    assert count(Action) == 0 and count(Commitment) == 1
    page = browser.get(url(commitment)).get_data(as_text=True)
    forms = re.findall(r'<form method="post".*?</form>', page, re.S)
    assert len(forms) >= 3  # logout and the status buttons
    assert all('name="csrf_token"' in form for form in forms)
    response = browser.post(
        url(commitment, "statut"), data={"status": "kept", "csrf_token": token_of(page)}
    )
    assert response.status_code == 302
    assert fresh(commitment).status is CommitmentStatus.KEPT


# --- query counts ---------------------------------------------------------------------


def measure(client, count_queries, page: str) -> int:
    db.session.remove()
    with count_queries() as statements:
        response = client.get(page)
    assert response.status_code == 200, page
    assert statements
    return len(statements)


def grow(ids: dict[str, int], more: int = 20) -> None:
    """Many commitments by many organisations, each with actions, across
    objectives (objects reloaded by id: measuring empties the session)."""
    commitment = db.session.get(Commitment, ids["commitment"])
    objective = db.session.get(Objective, ids["objective"])
    for n in range(more):
        org = factories.organisation(OrganisationKind.ASSOCIATION, f"Asso {n:02}")
        target = objective if n % 2 else factories.objective(objective.group)
        item = factories.commitment(
            target, org if n % 4 else None, due_date=TODAY - timedelta(days=n - 10)
        )
        factories.action(item, TODAY - timedelta(days=n))
        factories.action(
            commitment, TODAY - timedelta(days=n), quantity=n + 1, unit="kg"
        )


@pytest.mark.parametrize("role", ["partner", "staff", "resident"])
@pytest.mark.parametrize("page", ["detail", "scorecard"])
def test_the_pages_cost_the_same_queries_whatever_the_data_size(
    client, login, world, setting, count_queries, role, page
):
    ids = {"commitment": setting.commitment.id, "objective": setting.objective.id}
    address = (
        url(setting.commitment)
        if page == "detail"
        else f"/groupes/{setting.group.id}/engagements"
    )
    login(who(world, setting, role))
    small = measure(client, count_queries, address)
    grow(ids)
    assert measure(client, count_queries, address) == small, small


def test_the_action_list_is_newest_first(client, login, world, setting):
    factories.action(
        setting.commitment,
        TODAY - timedelta(days=9),
        description_html="<p>Ancienne</p>",
    )
    factories.action(
        setting.commitment, TODAY - timedelta(days=1), description_html="<p>Récente</p>"
    )
    login(world.staff)
    page = text(client.get(url(setting.commitment)))
    assert page.index("Récente") < page.index("Ancienne")


def test_dates_today_in_paris_are_not_in_the_future(client, login, world, setting):
    login(world.partner)
    response = client.post(
        url(setting.commitment, "actions/nouvelle"),
        data=action_form(done_on=date.isoformat(TODAY)),
    )
    assert response.status_code == 302


def test_the_objective_page_includes_the_panel(client, login, world, setting):
    factories.action(setting.commitment, TODAY, quantity=3.2, unit="t")
    login(world.partner)
    page = text(client.get(f"/objectifs/{setting.objective.id}"))
    assert "Engagements de chacun" in page and "Actions menées" in page
    assert "Collectes solidaires" in page and "3,2 t" in page
    assert "Ajouter un engagement" in page
