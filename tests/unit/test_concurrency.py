"""Races: an invitation code used at the same instant by several people."""

from __future__ import annotations

import threading

from participation.extensions import db
from participation.models import InvitationCode, Residency, User
from participation.services import ValidationError, accounts, invitations
from participation.timeutil import utcnow
from tests import factories

ATTEMPTS = 6


def test_a_code_sent_by_several_people_at_once_verifies_exactly_one(app):
    """The code is consumed by a conditional UPDATE, never check-then-insert: out
    of simultaneous sign-ups with the same code, one gets the dwelling, the others
    get the French refusal and no account."""
    landlord = factories.organisation()
    territory, _, _, _, homes = factories.tree(landlord, dwellings=1)
    [issued] = invitations.issue_codes(None, territory, homes, utcnow())
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []

    def sign_up(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                accounts.register(
                    email=f"race{index}@example.fr",
                    display_name=f"Course {index}",
                    password=factories.PASSWORD,
                    code=issued.code,
                    now=utcnow(),
                )
                outcomes.append("ok")
            except ValidationError as error:
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    db.session.expire_all()
    assert outcomes.count("ok") == 1
    assert all("code d'invitation" in o for o in outcomes if o != "ok")
    residencies = db.session.scalars(db.select(Residency)).all()
    assert len(residencies) == 1
    code = db.session.scalar(db.select(InvitationCode))
    assert code.used_by_id == residencies[0].user_id
    racers = db.session.scalars(db.select(User).where(User.email.like("race%"))).all()
    assert len(racers) == 1
