"""Views of the working groups: charter, members, partners, meetings, hand votes."""

from __future__ import annotations

from datetime import UTC

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from participation import permissions
from participation.blueprints.common import (
    EmptyForm,
    apply_errors,
    authorize,
    place_filter,
)
from participation.blueprints.groups import bp
from participation.blueprints.groups.forms import (
    DecisionForm,
    FacilitatorForm,
    GroupForm,
    HandVoteForm,
    JoinForm,
    MeetingForm,
    NewGroupForm,
    PartnerForm,
    StaffForm,
)
from participation.extensions import db
from participation.models import (
    Consultation,
    GroupMember,
    Organisation,
    Place,
    Proposal,
    User,
    WorkingGroup,
)
from participation.services import (
    InvalidTransition,
    ValidationError,
    groups,
    places,
)
from participation.timeutil import utcnow

PER_PAGE = 30


@bp.app_template_global()
def group_source_count(consultation: Consultation) -> int:
    """How many proposals of a consultation a group may be born from (selected
    or done): the consultation page offers to start one when there are any."""
    return db.session.scalar(
        select(func.count())
        .select_from(Proposal)
        .where(
            Proposal.consultation_id == consultation.id,
            Proposal.status.in_(groups.SOURCE_STATUSES),
        )
    )


def _load(group_id: int) -> tuple[WorkingGroup, GroupMember | None]:
    """The group (404 when unknown) and the user's own row; 403 for whoever may
    not see it."""
    group = db.get_or_404(WorkingGroup, group_id, options=groups.GROUP_OPTIONS)
    member = groups.membership_of(current_user, group)
    authorize(permissions.can_view_group(current_user, group, member))
    return group, member


def _managed(group_id: int) -> WorkingGroup:
    group = db.get_or_404(WorkingGroup, group_id, options=groups.GROUP_OPTIONS)
    authorize(permissions.can_manage_group(current_user, group))
    return group


def _facilitated(group_id: int) -> WorkingGroup:
    group, member = _load(group_id)
    authorize(permissions.can_facilitate(current_user, group, member))
    return group


def _to_detail(group: WorkingGroup, anchor: str | None = None):
    return redirect(url_for(".detail", group_id=group.id, _anchor=anchor))


def _to_members(group: WorkingGroup, anchor: str | None = None):
    return redirect(url_for(".members", group_id=group.id, _anchor=anchor))


def _values(form: GroupForm) -> groups.GroupValues:
    return groups.GroupValues(
        title=form.title.data or "",
        purpose=form.purpose.data or "",
        method=form.method.data or "",
        rhythm=form.rhythm.data or "",
        open_to_residents=bool(form.open_to_residents.data),
    )


def _place_choices(within: Place | None) -> list[tuple[int, str]]:
    """The places the user manages (only ``within`` and below, if given),
    labelled with their chain."""
    query = places.managed_places_query(current_user)
    rows = places.tree_rows(db.session.scalars(query).all())
    by_id = {p.id: p for p in rows}
    return [
        (
            p.id,
            " › ".join(
                [*(by_id[i].name for i in p.ancestor_ids if i in by_id), p.name]
            ),
        )
        for p in rows
        if within is None or p.is_within(within)
    ]


# The list and the charter


@bp.get("/")
@login_required
def index():
    """The groups the user may see, each with its members and objectives."""
    now = utcnow()
    manager = permissions.can_access_back_office(current_user)
    place = place_filter() if manager else None
    page = db.paginate(
        groups.groups_query(current_user, place),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
    )
    items = list(page.items)
    return render_template(
        "groups/index.html",
        page=page,
        groups=items,
        summaries=groups.summaries(items, now),
        ancestors=places.ancestors_by_id([g.place for g in items]),
        place=place,
        place_choices=_place_choices(None) if manager else [],
        now=now,
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def create():
    """Staff start a group for a place (``?place_id``), possibly from a
    consultation's selected proposals (``?consultation_id``)."""
    authorize(permissions.can_access_back_office(current_user))
    now = utcnow()
    consultation_id = request.values.get("consultation_id", type=int)
    consultation = None
    if consultation_id is not None:
        consultation = db.get_or_404(Consultation, consultation_id)
        authorize(permissions.can_manage_consultation(current_user, consultation))
    place_id = request.args.get("place_id", type=int)
    if place_id is not None:
        authorize(
            permissions.can_create_group(current_user, db.get_or_404(Place, place_id))
        )
    sources = groups.selected_proposals(consultation) if consultation else []
    form = NewGroupForm(
        place=place_id or (consultation.place_id if consultation else None),
        consultation_id=consultation_id,
        proposals=[p.id for p in sources],
        title=consultation.title if consultation else None,
    )
    form.place.choices = _place_choices(consultation.place if consultation else None)
    form.proposals.choices = [(p.id, p.title) for p in sources]
    if form.validate_on_submit():
        place = db.get_or_404(Place, form.place.data)
        try:
            group = groups.create_group(
                current_user,
                place,
                _values(form),
                now,
                consultation=consultation,
                proposal_ids=form.proposals.data or [],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Le groupe « %(title)s » est créé.", title=group.title), "success")
            return _to_detail(group)
    return render_template(
        "groups/create.html", form=form, consultation=consultation, sources=sources
    )


def _detail_page(
    group: WorkingGroup, member: GroupMember | None, join_form=None
) -> tuple[str, int]:
    now = utcnow()
    page = render_template(
        "groups/detail.html",
        group=group,
        member=member,
        takes_part=permissions.takes_part_in(current_user, group),
        page=groups.group_page(group),
        ancestors=places.ancestors_by_id([group.place]),
        join_form=join_form or JoinForm(formdata=None),
        action_form=EmptyForm(formdata=None),
        now=now,
    )
    return page, 422 if join_form is not None else 200


@bp.get("/<int:group_id>")
@login_required
def detail(group_id: int):
    """The group: charter, members by party, objectives, meetings."""
    return _detail_page(*_load(group_id))


@bp.route("/<int:group_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(group_id: int):
    """Staff change the group's charter."""
    group = _managed(group_id)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            groups.update_group(current_user, group, _values(form), utcnow())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Modifications enregistrées."), "success")
            return _to_detail(group)
    return render_template("groups/edit.html", form=form, group=group)


# Joining and leaving


@bp.post("/<int:group_id>/rejoindre")
@login_required
def join(group_id: int):
    """A resident of the place joins the group, or asks to."""
    group, member = _load(group_id)
    # Someone already in the group (or waiting) is told so, not refused.
    authorize(
        member is not None or permissions.can_join_group(current_user, group, member)
    )
    form = JoinForm()
    if not form.validate_on_submit():
        return _detail_page(group, member, form)
    try:
        joined = groups.join(current_user, group, utcnow(), form.message.data or "")
    except ValidationError as error:
        apply_errors(form, error)
        return _detail_page(group, member, form)
    except InvalidTransition as error:
        flash(str(error), "info")
        return _to_detail(group)
    if joined.is_active:
        flash(
            _("Bienvenue dans le groupe « %(title)s » !", title=group.title), "success"
        )
    else:
        flash(
            _(
                "Votre demande est envoyée : l'équipe d'animation du groupe va vous "
                "répondre."
            ),
            "success",
        )
    return _to_detail(group)


@bp.post("/<int:group_id>/quitter")
@login_required
def leave(group_id: int):
    """A member leaves the group."""
    group, member = _load(group_id)
    authorize(permissions.can_leave_group(current_user, member))
    if EmptyForm().validate_on_submit():
        groups.leave(current_user, group, utcnow())
        flash(_("Vous avez quitté le groupe."), "success")
    return redirect(
        url_for(".detail", group_id=group.id)
        if permissions.can_view_group(current_user, group, None)
        else url_for(".index")
    )


# Members and partners


def _members_page(
    group: WorkingGroup,
    failed: str | None = None,
    form=None,
    organisation: Organisation | None = None,
):
    """The members page; ``failed`` names the form (``partner``, ``staff``) that
    ``form`` failed to submit (for ``organisation``), to show its errors where it
    was typed (422)."""
    manage = permissions.can_manage_group(current_user, group)
    partner_form = form if failed == "partner" else None
    staff_form = form if failed == "staff" else StaffForm(formdata=None)
    organisations, colleagues = [], []
    page = groups.group_page(group)
    if manage:
        organisations = groups.partner_organisations()
        if organisation is None:
            chosen = request.args.get("organisation_id", type=int)
            organisation = next((o for o in organisations if o.id == chosen), None)
        if organisation is not None and partner_form is None:
            current = next(
                (p for p in group.partners if p.organisation_id == organisation.id),
                None,
            )
            partner_form = PartnerForm(
                formdata=None,
                organisation=organisation.id,
                role=current.role if current else "",
            )
        if partner_form is not None and organisation is not None:
            # Those who already represent it are listed, not offered again.
            already = {m.user_id for m in page.representatives.get(organisation.id, [])}
            partner_form.representatives.choices = [
                (u.id, u.display_name)
                for u in groups.partner_users(organisation)
                if u.id not in already
            ]
        colleagues = groups.staff_users(group)
    active = {m.user_id for members in page.members.values() for m in members}
    staff_form.staff_user.choices = _staff_choices(
        [u for u in colleagues if u.id not in active]
    )
    return render_template(
        "groups/members.html",
        group=group,
        page=page,
        organisations=organisations,
        organisation=organisation,
        partner_form=partner_form,
        staff_form=staff_form,
        action_form=EmptyForm(formdata=None),
        failed=failed,
        now=utcnow(),
    ), 422 if failed else 200


def _staff_choices(colleagues: list[User]) -> list[tuple[str | int, str]]:
    return [("", _("Choisissez…")), *((u.id, u.display_name) for u in colleagues)]


@bp.get("/<int:group_id>/membres")
@login_required
def members(group_id: int):
    """Facilitators answer requests to join; staff manage members and partners."""
    return _members_page(_facilitated(group_id))


def _member(group: WorkingGroup, member_id: int) -> GroupMember:
    member = db.get_or_404(GroupMember, member_id)
    if member.group_id != group.id:
        abort(404)
    return member


@bp.post("/<int:group_id>/membres/<int:member_id>/decision")
@login_required
def decide(group_id: int, member_id: int):
    """A facilitator accepts (``accept=1``) or refuses a request to join."""
    group = _facilitated(group_id)
    member = _member(group, member_id)
    form = DecisionForm()
    if form.accept.data not in ("0", "1"):
        abort(400)
    if form.validate_on_submit():
        accept = form.accept.data == "1"
        try:
            groups.decide_membership(current_user, member, accept, utcnow())
        except InvalidTransition as error:
            flash(str(error), "info")
        else:
            name = member.user.display_name
            flash(
                _("%(name)s fait maintenant partie du groupe.", name=name)
                if accept
                else _("La demande de %(name)s est refusée.", name=name),
                "success",
            )
    return _to_members(group, "demandes")


@bp.post("/<int:group_id>/membres/<int:member_id>/animation")
@login_required
def set_facilitator(group_id: int, member_id: int):
    """Staff make a member a facilitator (``on=1``) or not."""
    group = _managed(group_id)
    member = _member(group, member_id)
    form = FacilitatorForm()
    if form.on.data not in ("0", "1"):
        abort(400)
    if form.validate_on_submit():
        try:
            groups.set_facilitator(current_user, member, form.on.data == "1", utcnow())
        except InvalidTransition as error:
            flash(str(error), "error")
        else:
            flash(_("Modifications enregistrées."), "success")
    return _to_members(group, "membres")


@bp.post("/<int:group_id>/membres/<int:member_id>/retirer")
@login_required
def remove_member(group_id: int, member_id: int):
    """Staff take someone out of the group."""
    group = _managed(group_id)
    member = _member(group, member_id)
    if EmptyForm().validate_on_submit():
        try:
            groups.remove_member(current_user, member, utcnow())
        except InvalidTransition as error:
            flash(str(error), "error")
        else:
            flash(
                _(
                    "%(name)s ne fait plus partie du groupe.",
                    name=member.user.display_name,
                ),
                "success",
            )
    return _to_members(group, "membres")


@bp.post("/<int:group_id>/partenaires")
@login_required
def add_partner(group_id: int):
    """Staff bring a partner organisation in, with its representatives."""
    group = _managed(group_id)
    form = PartnerForm()
    organisation = db.get_or_404(Organisation, form.organisation.data or 0)
    form.representatives.choices = [
        (u.id, u.display_name) for u in groups.partner_users(organisation)
    ]
    if form.validate_on_submit():
        try:
            groups.add_partner(
                current_user,
                group,
                organisation,
                form.role.data or "",
                form.representatives.data or [],
                utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "info")
            return _to_members(group, "partenaires")
        else:
            flash(_("%(name)s participe au groupe.", name=organisation.name), "success")
            return _to_members(group, "partenaires")
    return _members_page(group, "partner", form, organisation)


@bp.post("/<int:group_id>/partenaires/<int:organisation_id>/retirer")
@login_required
def remove_partner(group_id: int, organisation_id: int):
    """Staff take a partner organisation out of the group."""
    group = _managed(group_id)
    organisation = db.get_or_404(Organisation, organisation_id)
    if EmptyForm().validate_on_submit():
        try:
            groups.remove_partner(current_user, group, organisation, utcnow())
        except InvalidTransition as error:
            flash(str(error), "error")
        else:
            flash(
                _("%(name)s ne participe plus au groupe.", name=organisation.name),
                "success",
            )
    return _to_members(group, "partenaires")


@bp.post("/<int:group_id>/equipe")
@login_required
def add_staff(group_id: int):
    """Staff add a colleague of the landlord to the group."""
    group = _managed(group_id)
    form = StaffForm()
    form.staff_user.choices = _staff_choices(groups.staff_users(group))
    if form.validate_on_submit():
        colleague = db.get_or_404(User, form.staff_user.data)
        try:
            groups.add_staff_member(
                current_user, group, colleague, form.facilitator.data, utcnow()
            )
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "info")
            return _to_members(group, "equipe")
        else:
            flash(
                _("%(name)s fait partie du groupe.", name=colleague.display_name),
                "success",
            )
            return _to_members(group, "equipe")
    return _members_page(group, "staff", form)


# Meetings and show-of-hands votes


def _meeting_values(form: MeetingForm) -> groups.MeetingValues:
    starts_at = form.starts_at.data
    return groups.MeetingValues(
        starts_at=starts_at.astimezone(UTC) if starts_at else None,
        location=form.location.data or "",
        agenda=form.agenda.data or "",
        minutes=form.minutes.data or "",
        decisions=form.decisions.data or "",
        attendance=form.attendance.data,
    )


def _load_meeting(group_id: int, meeting_id: int):
    group, member = _load(group_id)
    meeting = groups.meeting_of(group, meeting_id)
    if meeting is None:
        abort(404)
    return group, member, meeting


@bp.route("/<int:group_id>/reunions/nouvelle", methods=["GET", "POST"])
@login_required
def create_meeting(group_id: int):
    """A facilitator schedules a meeting; the members hear of it."""
    group = _facilitated(group_id)
    now = utcnow()
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = groups.schedule_meeting(
                current_user, group, _meeting_values(form), now
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("La réunion est enregistrée."), "success")
            return redirect(
                url_for(".meeting", group_id=group.id, meeting_id=meeting.id)
            )
    return render_template(
        "groups/meeting_form.html", form=form, group=group, meeting=None, now=now
    )


@bp.route("/<int:group_id>/reunions/<int:meeting_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_meeting(group_id: int, meeting_id: int):
    """A facilitator changes a meeting or writes its minutes."""
    group, member, meeting = _load_meeting(group_id, meeting_id)
    authorize(permissions.can_facilitate(current_user, group, member))
    now = utcnow()
    form = MeetingForm(obj=meeting)
    if form.validate_on_submit():
        try:
            groups.record_meeting(current_user, meeting, _meeting_values(form), now)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Modifications enregistrées."), "success")
            return redirect(
                url_for(".meeting", group_id=group.id, meeting_id=meeting.id)
            )
    return render_template(
        "groups/meeting_form.html", form=form, group=group, meeting=meeting, now=now
    )


def _meeting_page(group, member, meeting, form=None):
    now = utcnow()
    return render_template(
        "groups/meeting.html",
        group=group,
        member=member,
        meeting=meeting,
        vote_form=form or HandVoteForm(formdata=None),
        now=now,
    ), 422 if form is not None else 200


@bp.get("/<int:group_id>/reunions/<int:meeting_id>")
@login_required
def meeting(group_id: int, meeting_id: int):
    """A meeting: agenda, minutes, decisions, attendance and hand votes."""
    return _meeting_page(*_load_meeting(group_id, meeting_id))


@bp.post("/<int:group_id>/reunions/<int:meeting_id>/votes")
@login_required
def add_hand_vote(group_id: int, meeting_id: int):
    """A facilitator enters the counts of a show-of-hands vote."""
    group, member, meeting = _load_meeting(group_id, meeting_id)
    authorize(permissions.can_facilitate(current_user, group, member))
    form = HandVoteForm()
    if form.validate_on_submit():
        try:
            groups.add_hand_vote(
                current_user,
                meeting,
                form.question.data,
                form.votes_for.data,
                form.votes_against.data,
                form.abstentions.data,
                utcnow(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        except InvalidTransition as error:
            flash(str(error), "error")
            return redirect(
                url_for(".meeting", group_id=group.id, meeting_id=meeting.id)
            )
        else:
            flash(_("Le vote à main levée est enregistré."), "success")
            return redirect(
                url_for(
                    ".meeting",
                    group_id=group.id,
                    meeting_id=meeting.id,
                    _anchor="votes",
                )
            )
    return _meeting_page(group, member, meeting, form)
