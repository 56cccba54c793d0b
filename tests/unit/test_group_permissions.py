"""A partner acts for its organisation only while the organisation takes part in
the group: once removed, it reports nothing more (found in review)."""

from __future__ import annotations

from datetime import date

import pytest

from participation import permissions
from participation.extensions import db
from participation.models import CommitmentParty, GroupPartner
from tests import factories


@pytest.fixture
def setting(world):
    group = factories.group(world.territory, partners=[world.partner_org])
    objective = factories.objective(group, source_organisation=world.partner_org)
    commitment = factories.commitment(objective, world.partner_org)
    value = factories.measurement(
        objective,
        date(2026, 2, 28),
        12,
        organisation_id=world.partner_org.id,
    )
    return group, objective, commitment, value


def _partner_rights(world, objective, commitment, value) -> dict[str, bool]:
    return {
        "report_measurement": permissions.can_report_measurement(
            world.partner, objective
        ),
        "correct_measurement": permissions.can_correct_measurement(
            world.partner, value
        ),
        "edit_commitment": permissions.can_edit_commitment(world.partner, commitment),
        "report_action": permissions.can_report_action(world.partner, commitment),
    }


def test_a_partner_taking_part_reports_for_its_organisation(world, setting):
    _group, objective, commitment, value = setting
    assert all(_partner_rights(world, objective, commitment, value).values())


def test_a_partner_removed_from_the_group_loses_every_write_right(world, setting):
    group, objective, commitment, value = setting
    db.session.execute(db.delete(GroupPartner).where(GroupPartner.group_id == group.id))
    db.session.commit()
    db.session.expire_all()
    assert not any(_partner_rights(world, objective, commitment, value).values())
    # The landlord's staff keep theirs.
    assert permissions.can_report_measurement(world.staff, objective)
    assert permissions.can_correct_measurement(world.staff, value)


def test_a_partner_never_reports_for_another_organisation(world, setting):
    group, objective, _commitment, _value = setting
    other = factories.organisation(name="Association voisine")
    group.partners.append(GroupPartner(organisation=other))
    db.session.commit()
    theirs = factories.commitment(objective, other)
    residents = factories.commitment(objective)
    assert residents.party is CommitmentParty.RESIDENTS
    assert not permissions.can_report_action(world.partner, theirs)
    assert not permissions.can_edit_commitment(world.partner, theirs)
    assert not permissions.can_report_action(world.partner, residents)
