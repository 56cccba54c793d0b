"""The public showcase of published initiatives (/initiatives), with open-data
exports; staff publish a group's initiative from the group page (/groupes/…)."""

from flask import Blueprint

# No url_prefix: the publishing verbs live under the group's URL (/groupes/<id>/…).
bp = Blueprint("showcase", __name__)

from participation.blueprints.showcase import views  # noqa: E402,F401
