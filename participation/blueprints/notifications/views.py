"""Views of the notifications blueprint: the list, marking as read, preferences."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from participation.blueprints.notifications import bp
from participation.blueprints.notifications.forms import PreferencesForm
from participation.blueprints.notifications.messages import describe, target
from participation.extensions import db
from participation.models import Notification, NotificationKind
from participation.services import notifications
from participation.timeutil import utcnow

PER_PAGE = 20


def _unread_notifications() -> int:
    """The signed-in user's unread count, queried once per request, when shown."""
    if "unread_notifications" not in g:
        g.unread_notifications = (
            notifications.unread_count(current_user)
            if current_user.is_authenticated
            else 0
        )
    return g.unread_notifications


@bp.app_context_processor
def unread_notifications() -> dict:
    """Every page's header shows the unread count (one COUNT, only if shown)."""
    return {"unread_notifications": _unread_notifications}


@bp.get("/")
@login_required
def index():
    """The user's notifications, newest first, unread ones marked."""
    page = db.paginate(
        notifications.notifications_query(current_user),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
    )
    return render_template(
        "notifications/index.html",
        page=page,
        entries=[(item, describe(item)) for item in page.items],
    )


@bp.post("/<int:notification_id>/lue")
@login_required
def read(notification_id: int):
    """Mark one of one's notifications read and go to what it is about."""
    notification = db.get_or_404(Notification, notification_id)
    if notification.user_id != current_user.id:
        abort(404)  # someone else's: as if it did not exist
    destination = target(notification)
    notifications.mark_read(current_user, utcnow(), notification.id)
    return redirect(destination)


@bp.post("/tout-lu")
@login_required
def read_all():
    """Mark every one of one's notifications read."""
    count = notifications.mark_read(current_user, utcnow())
    flash(
        ngettext(
            "%(num)d notification marquée comme lue.",
            "%(num)d notifications marquées comme lues.",
            count,
        ),
        "success",
    )
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Choose which kinds of notification to receive."""
    disabled = notifications.disabled_kinds(current_user)
    form = PreferencesForm(
        data={kind.value: kind not in disabled for kind in NotificationKind}
    )
    if form.validate_on_submit():
        notifications.set_preferences(
            current_user, [kind for kind in NotificationKind if form[kind.value].data]
        )
        flash(_("Vos préférences de notification sont enregistrées."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html", form=form, kinds=list(NotificationKind)
    )
