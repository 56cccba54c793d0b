"""Reading what a test did: a page's visible text, a field's errors, rows saved."""

from __future__ import annotations

import html
import re

from participation.extensions import db


def text(response) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


def field_errors(response, field_id: str) -> str:
    """The error list shown next to a field (empty when there is none)."""
    found = re.search(
        rf'<ul class="field-errors" id="{re.escape(field_id)}-errors">(.*?)</ul>',
        response.get_data(as_text=True),
        re.S,
    )
    return (
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())
        if found
        else ""
    )


def count(model, *where) -> int:
    """Rows committed to the database (uncommitted changes are discarded first)."""
    db.session.rollback()
    return db.session.scalar(
        db.select(db.func.count()).select_from(model).where(*where)
    )


def fresh(item):
    """``item`` as committed (uncommitted changes are discarded first)."""
    db.session.rollback()
    db.session.refresh(item)
    return item
