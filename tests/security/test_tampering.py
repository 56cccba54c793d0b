"""Forms sent back with a tampered reference: another landlord's place or
dwelling, another group's member, another proposal's comment… The real form is
read from the page, one field is changed, and nothing may change in the database.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from participation.models import Comment, Phase
from tests import factories
from tests.security.conftest import form_data, forms_of, snapshot


def _form(client, page: str, action: str):
    html = client.get(page).get_data(as_text=True)
    for form in forms_of(html, page):
        if urlsplit(form.action).path == action:
            return form
    raise AssertionError(f"no form posting to {action} on {page}")


def tampered(app, client, page, action, **changes):
    """POST the form of ``page`` with ``changes``: (status, database changed)."""
    form = _form(client, page, action)
    data = form_data(form, **{k: str(v) for k, v in changes.items()})
    before = snapshot(app)
    response = client.post(action, data=data)
    return response.status_code, snapshot(app) != before


@pytest.fixture
def staff(client, world, login):
    login(world.staff)
    return client


def _refused(result):
    status, changed = result
    assert status < 500
    assert not changed


def test_a_dwelling_cannot_be_added_to_another_landlords_building(app, staff, world):
    _refused(
        tampered(
            app,
            staff,
            "/logements/nouveau",
            "/logements/nouveau",
            place=world.other_building.id,
            reference="PIRATE-1",
            label="Logement pirate",
        )
    )


def test_a_dwelling_cannot_be_moved_to_another_landlords_building(app, staff, world):
    url = f"/logements/{world.dwellings[0].id}/modifier"
    _refused(tampered(app, staff, url, url, place=world.other_building.id))


def test_a_request_cannot_be_approved_for_another_landlords_dwelling(app, staff, world):
    request = factories.verification_request(world.newcomer, world.building)
    page = f"/habitants/demandes/{request.id}"
    _refused(
        tampered(
            app,
            staff,
            page,
            f"{page}/accepter",
            dwelling=world.other_dwellings[0].id,
        )
    )


def test_a_landlord_cannot_be_added_as_a_group_partner(app, staff, world):
    """The organisation is a hidden field: a landlord typed in is refused."""
    group = factories.group(world.territory)
    before = snapshot(app)
    response = staff.post(
        f"/groupes/{group.id}/partenaires",
        data={"organisation": str(world.other_landlord.id), "role": "Infiltré"},
    )
    assert response.status_code < 500
    assert snapshot(app) == before


def test_a_decision_on_another_groups_member_is_404(app, staff, world):
    mine = factories.group(world.territory)
    theirs = factories.group(world.other_building)
    member = factories.member(theirs, world.other_resident)
    before = snapshot(app)
    response = staff.post(
        f"/groupes/{mine.id}/membres/{member.id}/decision", data={"accept": "1"}
    )
    assert response.status_code == 404
    assert snapshot(app) == before


def test_a_group_cannot_start_from_another_landlords_consultation(app, staff, world):
    other = factories.consultation(world.other_building, Phase.RESULTS)
    _refused(
        tampered(
            app,
            staff,
            "/groupes/nouveau",
            "/groupes/nouveau",
            consultation_id=other.id,
            place=world.other_building.id,
            title="Groupe pirate",
            purpose="Prendre la main.",
            rhythm="Jamais",
        )
    )


def test_a_consultation_cannot_be_opened_on_another_landlords_place(app, staff, world):
    _refused(
        tampered(
            app,
            staff,
            "/consultations/nouvelle",
            "/consultations/nouvelle",
            place=world.other_building.id,
            title="Consultation pirate",
        )
    )


def test_a_reply_cannot_hang_under_another_proposals_comment(app, client, world, login):
    consultation = factories.consultation(world.territory, Phase.IDEAS)
    first = factories.proposal(consultation, author=world.staff)
    second = factories.proposal(consultation, author=world.staff)
    other = Comment(proposal=second, author=world.staff, body="Ailleurs")
    other.body_html = "<p>Ailleurs</p>"
    from participation.extensions import db

    db.session.add(other)
    db.session.commit()
    login(world.resident)
    before = snapshot(app)
    response = client.post(
        f"/propositions/{first.id}/commentaires",
        data={"body": "Réponse égarée", "parent_id": str(other.id)},
    )
    assert response.status_code < 500
    assert snapshot(app) == before


def test_a_duplicate_cannot_point_to_another_consultations_proposal(app, staff, world):
    here = factories.consultation(world.territory, Phase.IDEAS)
    elsewhere = factories.consultation(world.territory, Phase.IDEAS)
    proposal = factories.proposal(here, author=world.resident)
    factories.proposal(here, author=world.resident)  # a real candidate
    foreign = factories.proposal(elsewhere, author=world.resident)
    page = f"/propositions/{proposal.id}"
    _refused(tampered(app, staff, page, f"{page}/doublon", original=foreign.id))
