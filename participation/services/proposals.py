"""Proposals, comments, abuse reports and moderation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import BigInteger, cast, func, or_, orm, update
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.extensions import db
from participation.models import (
    Comment,
    Consultation,
    Phase,
    Place,
    PlaceKind,
    Proposal,
    ProposalStatus,
    Report,
    User,
    descendants_of,
)
from participation.models.proposal import (
    ANSWER_STATUSES,
    LISTED_STATUSES,
    VOTABLE_STATUSES,
)
from participation.services import (
    InvalidTransition,
    ValidationError,
    audit,
    notifications,
    require,
)
from participation.text import clean_line, clean_text, render_markdown

TITLE_LENGTH = (5, 120)
BODY_LENGTH = (10, 5000)
COMMENT_LENGTH = (2, 2000)
REASON_LENGTH = (3, 500)
MAX_COST = 10_000_000
SORTS = ("recent", "support", "random")
#: The same text sent again this soon by the same person is a double click.
RESUBMISSION = timedelta(minutes=2)


@dataclass
class ProposalValues:
    """What an author (or staff, for someone met in person) types in."""

    title: str
    body: str
    estimated_cost: int | None = None
    place: Place | None = None


def _check(consultation: Consultation, values: ProposalValues) -> dict[str, Any]:
    """Clean and check ``values``; raise ValidationError with every problem."""
    errors: dict[str | None, str] = {}
    title, body = clean_line(values.title), values.body.strip()
    if not TITLE_LENGTH[0] <= len(title) <= TITLE_LENGTH[1]:
        errors["title"] = _(
            "Le titre fait entre %(min)d et %(max)d caractères.",
            min=TITLE_LENGTH[0],
            max=TITLE_LENGTH[1],
        )
    if not BODY_LENGTH[0] <= len(body) <= BODY_LENGTH[1]:
        errors["body"] = _(
            "La description fait entre %(min)d et %(max)d caractères.",
            min=BODY_LENGTH[0],
            max=BODY_LENGTH[1],
        )
    cost = values.estimated_cost
    if cost is not None and not 0 <= cost <= MAX_COST:
        errors["estimated_cost"] = _(
            "Un montant en euros, entre 0 et %(max)s.", max=f"{MAX_COST:,}"
        )
    if values.place is not None and not values.place.is_within(consultation.place):
        errors["place"] = _("Choisissez un bâtiment du lieu de la consultation.")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "body": body,
        "body_html": render_markdown(body),
        "estimated_cost": cost,
        "place": values.place,
    }


def submit_proposal(
    author: User, consultation: Consultation, values: ProposalValues, now: datetime
) -> Proposal:
    """An eligible resident proposes an idea during the idea collection. The same
    idea sent again at once (a double click) gives back the first one.

    :raises PermissionDenied: not eligible, or not the idea collection phase.
    :raises ValidationError: bad title, text, cost or building.
    """
    require(permissions.can_propose(author, consultation, now))
    cleaned = _check(consultation, values)
    twin = _resubmitted(
        Proposal,
        now,
        consultation_id=consultation.id,
        author_id=author.id,
        title=cleaned["title"],
        body=cleaned["body"],
        status=ProposalStatus.PUBLISHED,
    )
    if twin is not None:
        return twin
    proposal = Proposal(
        consultation=consultation,
        author=author,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def _resubmitted(model, now: datetime, **same):
    """What the same person sent with the same text a moment ago (a double click
    or a reloaded form), so that it is not saved twice."""
    return db.session.scalars(
        db.select(model)
        .filter_by(**same)
        .where(model.created_at >= now - RESUBMISSION)
        .order_by(model.id)
        .limit(1)
    ).first()


def submit_on_behalf(
    actor: User,
    consultation: Consultation,
    values: ProposalValues,
    person_name: str,
    now: datetime,
) -> Proposal:
    """Staff type in an idea collected in person (``person_name`` may be empty for
    someone who prefers to stay anonymous); it is shown as such. Sent twice at
    once, it is saved once.

    :raises PermissionDenied: the actor does not manage it, or voting has started.
    :raises ValidationError: bad title, text, cost, building or name.
    """
    require(permissions.can_propose_on_behalf(actor, consultation, now))
    name = clean_line(person_name)
    name_errors = {"person_name": _("80 caractères au plus.")} if len(name) > 80 else {}
    try:
        cleaned = _check(consultation, values)
    except ValidationError as error:
        raise ValidationError({**error.errors, **name_errors}) from None
    if name_errors:
        raise ValidationError(name_errors)
    twin = _resubmitted(
        Proposal,
        now,
        consultation_id=consultation.id,
        entered_by_id=actor.id,
        on_behalf_of=name,
        title=cleaned["title"],
        body=cleaned["body"],
        status=ProposalStatus.PUBLISHED,
    )
    if twin is not None:
        return twin
    proposal = Proposal(
        consultation=consultation,
        entered_by=actor,
        on_behalf_of=name,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        actor,
        "proposal.enter_on_behalf",
        proposal,
        now,
        landlord_id=consultation.landlord_id,
        consultation_id=consultation.id,
    )
    db.session.commit()
    return proposal


def update_proposal(
    actor: User, proposal: Proposal, values: ProposalValues, now: datetime
) -> None:
    """The author (or staff, for an idea they typed in) edits before voting.

    :raises PermissionDenied: someone else, or voting has started.
    :raises ValidationError: bad values.
    """
    require(permissions.can_edit_proposal(actor, proposal, now))
    for name, value in _check(proposal.consultation, values).items():
        setattr(proposal, name, value)
    proposal.updated_at = now
    if proposal.collected_in_person:
        db.session.flush()
        audit.record(
            actor,
            "proposal.edit_on_behalf",
            proposal,
            now,
            landlord_id=proposal.consultation.landlord_id,
        )
    db.session.commit()


def withdraw_proposal(actor: User, proposal: Proposal, now: datetime) -> None:
    """The author takes their proposal back before voting starts.

    :raises PermissionDenied: not the author, or voting has started.
    """
    require(permissions.can_withdraw_proposal(actor, proposal, now))
    proposal.withdraw(now)
    db.session.commit()


# Moderation


def _reason(reason: str) -> str:
    cleaned = clean_text(reason)
    if not REASON_LENGTH[0] <= len(cleaned) <= REASON_LENGTH[1]:
        raise ValidationError(
            {"reason": _("Indiquez la raison (500 caractères au plus).")}
        )
    return cleaned


def hide_proposal(actor: User, proposal: Proposal, reason: str, now: datetime) -> None:
    """Take a proposal out of lists and counts; its author reads why.

    :raises PermissionDenied: the actor does not moderate this consultation.
    :raises ValidationError: no reason.
    :raises InvalidTransition: it is already hidden, merged or withdrawn.
    """
    require(permissions.can_moderate(actor, proposal.consultation))
    cleaned = _reason(reason)
    proposal.hide(actor, cleaned, now)
    _moderated(actor, proposal, "proposal.hide", now, reason=cleaned)


def mark_duplicate(
    actor: User, proposal: Proposal, original: Proposal, now: datetime
) -> None:
    """Merge a proposal into ``original`` before voting starts.

    :raises PermissionDenied: the actor does not moderate, or voting has started.
    :raises InvalidTransition: either proposal is not listed, or they differ in
        consultation.
    """
    consultation = proposal.consultation
    require(permissions.can_moderate(actor, consultation))
    if consultation.voting_has_started(now):
        raise InvalidTransition(
            _("Le vote a commencé : les propositions ne peuvent plus être fusionnées.")
        )
    proposal.mark_duplicate(original, actor, now)
    _moderated(actor, proposal, "proposal.duplicate", now, original_id=original.id)


def _moderated(
    actor: User, proposal: Proposal, action: str, now: datetime, **details
) -> None:
    _close_reports(actor, now, Report.proposal_id == proposal.id)
    audit.record(
        actor,
        action,
        proposal,
        now,
        landlord_id=proposal.consultation.landlord_id,
        **details,
    )
    notifications.proposal_moderated(proposal, now)
    db.session.commit()


def answer_proposal(
    actor: User,
    proposal: Proposal,
    status: ProposalStatus,
    answer: str,
    now: datetime,
) -> None:
    """Give the landlord's official answer and status; the author hears of it.

    :raises PermissionDenied: the actor does not moderate this consultation.
    :raises ValidationError: not an answer status, or "not retained" without a
        reason.
    :raises InvalidTransition: the proposal is hidden, merged or withdrawn; or,
        while voting is open, the new status would put it on the ballot or take it
        off (ballots already cast would not match).
    """
    require(permissions.can_moderate(actor, proposal.consultation))
    if proposal.consultation.phase(now) is Phase.VOTING and (
        proposal.is_votable != (status in VOTABLE_STATUSES)
    ):
        raise InvalidTransition(
            _(
                "Pendant le vote, une proposition ne peut ni entrer sur le bulletin "
                "ni en sortir : donnez ce statut après la fin du vote."
            )
        )
    answer = answer.strip()
    if status not in ANSWER_STATUSES:
        raise ValidationError({"status": _("Choisissez un statut.")})
    if status is ProposalStatus.NOT_RETAINED and len(answer) < 10:
        raise ValidationError(
            {"answer": _("Expliquez pourquoi la proposition n'est pas retenue.")}
        )
    if len(answer) > BODY_LENGTH[1]:
        raise ValidationError({"answer": _("5000 caractères au plus.")})
    proposal.give_answer(status, answer, render_markdown(answer), actor, now)
    audit.record(
        actor,
        "proposal.answer",
        proposal,
        now,
        landlord_id=proposal.consultation.landlord_id,
        status=status.value,
    )
    notifications.proposals_answered([proposal], now)
    db.session.commit()


# Comments and reports


def post_comment(
    author: User,
    proposal: Proposal,
    body: str,
    now: datetime,
    parent: Comment | None = None,
) -> Comment:
    """Comment on a proposal, or reply to a top-level comment; the same text sent
    again at once gives back the first comment.

    :raises PermissionDenied: not allowed to discuss it now.
    :raises ValidationError: empty or too long, or a reply to a reply.
    """
    require(permissions.can_comment(author, proposal, now))
    text = body.strip()
    if not COMMENT_LENGTH[0] <= len(text) <= COMMENT_LENGTH[1]:
        raise ValidationError(
            {
                "body": _(
                    "Le commentaire fait entre %(min)d et %(max)d caractères.",
                    min=COMMENT_LENGTH[0],
                    max=COMMENT_LENGTH[1],
                )
            }
        )
    if parent is not None and (
        parent.proposal_id != proposal.id
        or parent.parent_id is not None
        or parent.is_hidden
    ):
        raise ValidationError({None: _("On ne répond qu'à un commentaire visible.")})
    twin = _resubmitted(
        Comment,
        now,
        proposal_id=proposal.id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body=text,
        hidden_at=None,
    )
    if twin is not None:
        return twin
    comment = Comment(
        proposal=proposal,
        parent=parent,
        author=author,
        body=text,
        body_html=render_markdown(text),
        created_at=now,
    )
    db.session.add(comment)
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(comment_count=Proposal.comment_count + 1)
    )
    db.session.flush()
    notifications.comment_posted(comment, now)
    db.session.commit()
    return comment


def hide_comment(actor: User, comment: Comment, reason: str, now: datetime) -> None:
    """Moderation: remove a comment (and its count) from the page.

    :raises PermissionDenied: the actor does not moderate this consultation.
    :raises ValidationError: no reason.
    :raises InvalidTransition: already hidden.
    """
    proposal = comment.proposal
    require(permissions.can_moderate(actor, proposal.consultation))
    cleaned = _reason(reason)
    shown = _shown_with(comment)
    comment.hide(actor, cleaned, now)
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(comment_count=Proposal.comment_count - shown)
    )
    _close_reports(actor, now, Report.comment_id == comment.id)
    audit.record(
        actor,
        "comment.hide",
        comment,
        now,
        landlord_id=proposal.consultation.landlord_id,
        proposal_id=proposal.id,
        reason=cleaned,
    )
    notifications.comment_hidden(comment, now)
    db.session.commit()


def _shown_with(comment: Comment) -> int:
    """How many comments the public sees go when ``comment`` is hidden: replies
    disappear with the comment they answer (see :func:`comment_threads`)."""
    if comment.is_hidden:
        return 0
    if comment.parent is not None:
        return 0 if comment.parent.is_hidden else 1
    replies = db.session.scalar(
        db.select(func.count())
        .select_from(Comment)
        .where(Comment.parent_id == comment.id, Comment.hidden_at.is_(None))
    )
    return 1 + replies


def report(
    reporter: User,
    proposal: Proposal,
    reason: str,
    now: datetime,
    comment: Comment | None = None,
) -> Report:
    """Flag a proposal (or one of its comments) as abusive, once per person.

    :raises PermissionDenied: anonymous, or one's own text.
    :raises ValidationError: no reason.
    :raises InvalidTransition: already reported by this person.
    """
    author_id = comment.author_id if comment else proposal.author_id
    require(permissions.can_report(reporter, author_id))
    if comment is not None and comment.proposal_id != proposal.id:
        raise ValidationError({None: _("Ce commentaire n'est pas sur cette page.")})
    cleaned = _reason(reason)
    target = f"comment:{comment.id}" if comment else f"proposal:{proposal.id}"
    flag = Report(
        reporter=reporter,
        target=target,
        proposal=proposal,
        comment=comment,
        reason=cleaned,
        created_at=now,
    )
    db.session.add(flag)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidTransition(_("Vous l'avez déjà signalé ; merci.")) from None
    return flag


def dismiss_report(actor: User, flag: Report, now: datetime) -> None:
    """Staff looked at a report and leave the text as it is.

    :raises PermissionDenied: the actor does not moderate this consultation.
    """
    require(permissions.can_moderate(actor, flag.proposal.consultation))
    _close_reports(actor, now, Report.target == flag.target)
    audit.record(
        actor,
        "report.dismiss",
        flag,
        now,
        landlord_id=flag.proposal.consultation.landlord_id,
        target=flag.target,
    )
    db.session.commit()


def _close_reports(actor: User, now: datetime, condition) -> None:
    db.session.execute(
        update(Report)
        .where(condition, Report.handled_at.is_(None))
        .values(handled_at=now, handled_by_id=actor.id)
    )


# Reading


def proposals_query(
    consultation: Consultation,
    *,
    search: str = "",
    status: ProposalStatus | None = None,
    sort: str = "recent",
    seed: int = 0,
):
    """Listed proposals of a consultation, filtered and sorted.

    ``random`` shuffles with ``seed``: the same seed gives the same order on every
    page, a different one another order, so no proposal always comes first.
    """
    query = (
        db.select(Proposal)
        .where(Proposal.consultation_id == consultation.id)
        .options(db.joinedload(Proposal.author), db.joinedload(Proposal.place))
    )
    if status is not None and status.is_listed:
        query = query.where(Proposal.status == status)
    else:
        query = query.where(Proposal.status.in_(LISTED_STATUSES))
    for word in search.split()[:5]:
        query = query.where(
            or_(
                Proposal.title.icontains(word, autoescape=True),
                Proposal.body.icontains(word, autoescape=True),
            )
        )
    if sort == "support":
        order = (Proposal.support_count.desc(), Proposal.id)
    elif sort == "random":
        # A multiplicative hash of the id, keyed by the seed, computed in 64 bits
        # (PostgreSQL would overflow a 32-bit integer).
        key = cast(Proposal.id, BigInteger) + seed % 1_000_003
        order = ((key * 2_654_435_761) % 4_294_967_291,)
    else:
        order = (Proposal.created_at.desc(), Proposal.id.desc())
    return query.order_by(*order)


class ProposalPagination(SelectPagination):
    """Pages of :func:`proposals_query` that cost the same at the last page as at
    the first: the offset is walked over proposal ids only (an index scan, no
    rows carried through the sort), then the page's rows are loaded with what
    the list shows ("deferred join")."""

    def _query_items(self) -> list[Proposal]:
        query = self._query_args["select"]
        session = self._query_args["session"]
        ids = list(
            session.scalars(
                query.options(orm.lazyload("*"))
                .with_only_columns(Proposal.id)
                .limit(self.per_page)
                .offset(self._query_offset)
            )
        )
        if not ids:
            return []
        rows = session.scalars(query.order_by(None).where(Proposal.id.in_(ids)))
        loaded = {proposal.id: proposal for proposal in rows}
        return [loaded[proposal_id] for proposal_id in ids]


def paginate(query, per_page: int) -> ProposalPagination:
    """A page of ``query`` (from :func:`proposals_query`), numbered by ``?page``
    like ``db.paginate``."""
    return ProposalPagination(
        select=query,
        session=db.session(),
        per_page=per_page,
        max_per_page=per_page,
    )


def comments_of(
    proposal: Proposal, include_hidden: bool = False, author_id: int | None = None
) -> list[Comment]:
    """Top-level comments oldest first, each followed by its replies (one query).

    Without ``include_hidden``, a hidden comment's replies go with it, except that
    ``author_id`` still sees their own hidden comments (with the reason).
    """
    query = (
        db.select(Comment)
        .where(Comment.proposal_id == proposal.id)
        .options(db.joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )
    if not include_hidden:
        visible = Comment.hidden_at.is_(None)
        if author_id is not None:
            visible = or_(visible, Comment.author_id == author_id)
        query = query.where(visible)
    comments = db.session.scalars(query).all()
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    ordered = []
    for comment in comments:
        if comment.parent_id is None:
            ordered.append(comment)
            ordered.extend(replies.get(comment.id, []))
    return ordered


def comment_threads(
    proposal: Proposal, include_hidden: bool = False, author_id: int | None = None
) -> list[tuple[Comment, list[Comment]]]:
    """Each top-level comment with its replies, as :func:`comments_of` orders them."""
    threads: list[tuple[Comment, list[Comment]]] = []
    for comment in comments_of(proposal, include_hidden, author_id):
        if comment.parent_id is None:
            threads.append((comment, []))
        else:
            threads[-1][1].append(comment)
    return threads


def open_reports_of(proposal: Proposal) -> list[Report]:
    """Reports of a proposal and of its comments waiting for staff, oldest first."""
    return list(
        db.session.scalars(
            db.select(Report)
            .where(Report.proposal_id == proposal.id, Report.handled_at.is_(None))
            .options(
                db.joinedload(Report.comment).joinedload(Comment.author),
                db.joinedload(Report.reporter),
            )
            .order_by(Report.created_at, Report.id)
        )
    )


def open_reports_query(consultation: Consultation):
    """Reports waiting for staff, oldest first."""
    return (
        db.select(Report)
        .join(Report.proposal)
        .where(Proposal.consultation_id == consultation.id, Report.handled_at.is_(None))
        .options(
            db.contains_eager(Report.proposal),
            db.joinedload(Report.comment),
            db.joinedload(Report.reporter),
        )
        .order_by(Report.created_at, Report.id)
    )


def open_report_count(consultation: Consultation) -> int:
    return db.session.scalar(
        db.select(func.count()).select_from(open_reports_query(consultation).subquery())
    )


def buildings_of(consultation: Consultation) -> list[Place]:
    """Buildings and entrances inside the consultation's place (form choices)."""
    return list(
        db.session.scalars(
            db.select(Place)
            .where(
                descendants_of(consultation.place),
                Place.kind.in_([PlaceKind.BUILDING, PlaceKind.ENTRANCE]),
            )
            .order_by(Place.path)
        )
    )
