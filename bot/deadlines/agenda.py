"""What /due lists, by office: an office's own campaign steps and its units' deadlines, the offices below it as
counts (each opens its own list), a contact's units, a group's unit or office. Blocking, on a Session."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, false, func, or_
from sqlmodel import Session, select

from bot.db.models import Chat, Deadline, Office, Unit
from bot.deadlines.events import overdue_clause

STEP_AUDIENCES = ("groups", "office")  # a campaign step (the home's, an office's), not a unit's deadline


@dataclass(frozen=True)
class Due:
    overdue: list[Deadline]
    upcoming: list[Deadline]
    total_overdue: int
    total_upcoming: int


@dataclass(frozen=True)
class OfficeCount:
    office_id: int
    overdue: int
    upcoming: int


def steps_of(office_id: int | None):
    """SQL: a campaign step carried by the office (None: the home office)."""
    if office_id is None:
        return and_(Deadline.audience == "groups", Deadline.office_id.is_(None))
    return and_(Deadline.audience.in_(STEP_AUDIENCES), Deadline.office_id == office_id)


def office_items(office_id: int | None):
    """SQL: what an office has to do: its campaign steps and its units' deadlines. The home office also keeps
    what belongs to no office (so a deployment without offices sees everything, as before)."""
    units = select(Unit.id).where(Unit.office_id.is_(None) if office_id is None else Unit.office_id == office_id)
    if office_id is None:
        return and_(Deadline.office_id.is_(None), or_(Deadline.unit_id.is_(None), Deadline.unit_id.in_(units)))
    return or_(Deadline.office_id == office_id, Deadline.unit_id.in_(units))


def unit_items(session: Session, unit_ids: list[int]):
    """SQL: a contact's (or a unit group's) list: the units' deadlines and the steps of the offices they are in."""
    if not unit_ids:
        return steps_of(None)
    offices = set(session.exec(select(Unit.office_id).where(Unit.id.in_(unit_ids))).all())
    return or_(Deadline.unit_id.in_(unit_ids), *(steps_of(office) for office in sorted(offices, key=lambda o: o or 0)))


def group_items(session: Session, chat_id: int):
    """SQL: a group's list: its unit's (and its office's steps), or the office it works for, or (a group an admin
    opened to everything) the home office's campaign steps."""
    row = session.get(Chat, chat_id)
    if row is None or not (row.subscribed or row.digest or row.unit_id or row.office_id):
        return steps_of(None)
    if row.unit_id is not None:
        return unit_items(session, [row.unit_id])
    if row.office_id is not None:
        return office_items(row.office_id)
    return steps_of(None)


def listing(session: Session, today: dt.date, where, *, offset: int = 0, limit: int = 10) -> Due:
    """Open deadlines matching `where`: overdue first (campaign steps only within the look-back), then those to
    come, paged together."""
    base = select(Deadline).where(Deadline.status == "open", where if where is not None else false())
    late = base.where(overdue_clause(today))
    coming = base.where(Deadline.due >= today)
    total_late = session.exec(select(func.count()).select_from(late.subquery())).one()
    total_coming = session.exec(select(func.count()).select_from(coming.subquery())).one()
    overdue = list(session.exec(late.order_by(Deadline.due, Deadline.id).offset(offset).limit(limit)).all())
    rest = max(0, limit - len(overdue))
    upcoming = (list(session.exec(coming.order_by(Deadline.due, Deadline.id).offset(max(0, offset - total_late))
                                  .limit(rest)).all()) if rest else [])
    return Due(overdue, upcoming, total_late, total_coming)


def below_counts(session: Session, office_id: int | None, today: dt.date) -> list[OfficeCount]:
    """For each office directly below `office_id` (None: the home office): what its whole part of the tree has
    overdue and coming (its steps and its units', and those of the offices under it). Two grouped reads."""
    parents = dict(session.exec(select(Office.id, Office.parent_id)).all())
    children = sorted(o for o, parent in parents.items() if parent == office_id)
    if not children:
        return []
    owner = func.coalesce(Deadline.office_id, Unit.office_id)
    late = overdue_clause(today)
    rows = session.exec(
        select(owner, func.sum(case((late, 1), else_=0)), func.sum(case((Deadline.due >= today, 1), else_=0)))
        .select_from(Deadline).outerjoin(Unit, Unit.id == Deadline.unit_id)
        .where(Deadline.status == "open", owner.is_not(None), or_(late, Deadline.due >= today))
        .group_by(owner)).all()
    totals = {child: [0, 0] for child in children}
    for office, overdue, upcoming in rows:
        at, seen = office, set()
        while at is not None and at not in totals and at not in seen:  # up to the child of `office_id`
            seen.add(at)
            at = parents.get(at)
        if at in totals:
            totals[at][0] += int(overdue or 0)
            totals[at][1] += int(upcoming or 0)
    return [OfficeCount(child, *totals[child]) for child in children]
