"""Deadlines in the database: started by events (status or contact changes, campaigns), done, postponed, listed.

Blocking functions on a Session; `now` is always passed in, so tests control the clock."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, update
from sqlmodel import Session, select

from bot.db.bulk import bulk_insert_ignore
from bot.db.models import Deadline, Delivery, utcnow
from bot.deadlines.calendar import work_calendar
from bot.delivery.queue import insert_ignore
from bot.registry.audit import audit
from knowledge.registry_model import Status
from knowledge.workdays import RULES
from knowledge.workdays import deadline as compute_deadline

PLAN_LOOKBACK_DAYS = 30  # deadlines overdue longer than this get no new reminders (old campaigns stay quiet)
CONTACT_RULE = "contact_change"  # a changed contact to be reported within 20 working days
CAMPAIGN_RULE = "campaign"  # a step of a campaign's plan



# -- deadlines ---------------------------------------------------------------------------------------------
def ensure_deadline(session: Session, key: str, title: str, due: dt.date, *, rule: str = "", basis: str = "",
                    provisional: bool = False, unit_id: int | None = None, domain_id: int | None = None,
                    audience: str = "unit") -> Deadline:
    existing = session.exec(select(Deadline).where(Deadline.key == key)).first()
    if existing:
        return existing
    # Two processes may start the same deadline at once: insert-or-ignore, then read back.
    insert_ignore(session, [{"key": key, "title": title[:400], "due": due, "rule": rule, "basis": basis[:400],
                              "provisional": provisional, "unit_id": unit_id, "domain_id": domain_id,
                              "audience": audience, "status": "open", "done_by": "", "created_at": utcnow()}],
                   model=Deadline)
    return session.exec(select(Deadline).where(Deadline.key == key)).one()


def sync_campaigns(session: Session) -> int:
    """Every active campaign's steps as deadlines, office by office (bot.campaigns.cascade); how many were new."""
    from bot.campaigns.store import sync

    return sync(session)


def mark_done(session: Session, deadline_id: int, actor: str, now: dt.datetime) -> Deadline | None:
    row = session.get(Deadline, deadline_id)
    if row is None:
        return None
    if row.status != "done":
        row.status, row.done_by, row.done_at = "done", actor, now
        session.add(row)
        _cancel_pending(session, deadline_id)
    return row


def snooze(session: Session, deadline_id: int, actor: str) -> Deadline | None:
    """Move the deadline one working day later and plan its reminders again."""
    row = session.get(Deadline, deadline_id)
    if row is None or row.status == "done":
        return row
    row.due, provisional = work_calendar(session).add_working_days(row.due, 1)
    row.provisional = row.provisional or provisional
    row.done_by = f"postponed by {actor}"[:100]
    session.add(row)
    _cancel_pending(session, deadline_id)
    return row


def snooze_once(session: Session, deadline_id: int, actor: str, shown_due: dt.date) -> tuple[Deadline | None, bool]:
    """A 推迟 button press: moves the deadline only while it is still open and due on the day the button was sent
    for (one conditional UPDATE, so two presses at once move it once); a replayed press is spent. Audited."""
    new_due, provisional = work_calendar(session).add_working_days(shown_due, 1)
    moved = session.execute(
        update(Deadline).where(Deadline.id == deadline_id, Deadline.status == "open", Deadline.due == shown_due)
        .values(due=new_due, provisional=Deadline.provisional | provisional, done_by=f"postponed by {actor}"[:100])
        .returning(Deadline.id)).first() is not None
    row = session.get(Deadline, deadline_id, populate_existing=True)
    if moved and row is not None:
        _cancel_pending(session, deadline_id)
        audit(session, actor, "snooze", "deadline", deadline_id, row.title, {"due": shown_due.isoformat()},
              {"due": new_due.isoformat()})
    return row, moved


def _cancel_pending(session: Session, deadline_id: int) -> None:
    session.execute(update(Delivery).where(Delivery.deadline_id == deadline_id, Delivery.status == "pending")
                    .values(status="cancelled"))


def overdue_clause(today: dt.date):
    """The one test of an overdue deadline, for /due and the report: open and past its day; a campaign step
    only within PLAN_LOOKBACK_DAYS (an ended campaign's old dates stay quiet)."""
    return and_(Deadline.status == "open", Deadline.due < today,
                or_(Deadline.rule != CAMPAIGN_RULE, Deadline.due >= today - dt.timedelta(days=PLAN_LOOKBACK_DAYS)))


def upcoming(session: Session, *, unit_ids: list[int] | None = None, everything: bool = False,
             today: dt.date, limit: int = 20) -> list[Deadline]:
    query = select(Deadline).where(Deadline.status == "open", Deadline.due >= today - dt.timedelta(days=PLAN_LOOKBACK_DAYS))
    if not everything:
        conditions = [Deadline.audience == "groups"]
        if unit_ids:
            conditions.append(Deadline.unit_id.in_(unit_ids))
        query = query.where(or_(*conditions))
    return list(session.exec(query.order_by(Deadline.due).limit(limit)).all())


# -- registry events ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DomainEvent:
    domain_id: int
    unit_id: int
    name: str
    status: str
    changed_on: dt.date | None
    has_filings: bool


@dataclass(frozen=True)
class ContactEvent:
    unit_id: int
    unit_name: str
    contact: str
    changed_on: dt.date


def deadlines_for_events(session: Session, domains: list[DomainEvent] = (), contacts: list[ContactEvent] = ()) -> int:
    """Policy deadlines that registry changes start, in bulk (an import may bring thousands):
    公告中 → cancel the old domain when the 3-month notice ends; 已注销 with filings → cancel the filings;
    a changed contact → report it within 20 working days."""
    calendar = work_calendar(session)
    wanted: dict[str, dict] = {}
    computed_for: dict[tuple[str, dt.date], object] = {}  # an import starts thousands on a few hundred days
    for e in domains:
        rule = {Status.NOTICE: "notice_period",
                Status.CANCELLED: "filing_cancellation" if e.has_filings else ""}.get(e.status, "")
        if not rule or e.changed_on is None:
            continue
        computed = computed_for.get((rule, e.changed_on))
        if computed is None:
            computed = computed_for[(rule, e.changed_on)] = compute_deadline(rule, e.changed_on, calendar)
        key = f"{rule}:domain:{e.domain_id}:{e.changed_on.isoformat()}"
        wanted[key] = {"key": key, "title": f"{RULES[rule].title}：{e.name}"[:400], "rule": rule, "basis": computed.basis,
                       "due": computed.due, "provisional": computed.provisional, "unit_id": e.unit_id,
                       "domain_id": e.domain_id}
    for e in contacts:
        computed = compute_deadline(CONTACT_RULE, e.changed_on, calendar)
        key = f"{CONTACT_RULE}:unit:{e.unit_id}:{e.changed_on.isoformat()}"
        wanted[key] = {"key": key, "title": f"{RULES[CONTACT_RULE].title}：{e.unit_name}（{e.contact}）"[:400],
                       "rule": CONTACT_RULE, "basis": computed.basis, "due": computed.due,
                       "provisional": computed.provisional, "unit_id": e.unit_id, "domain_id": None}
    _settle_superseded(session, {e.domain_id for e in domains}, set(wanted))
    if not wanted:
        return 0
    keys = list(wanted)
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing |= set(session.exec(select(Deadline.key).where(Deadline.key.in_(keys[start:start + 500]))).all())
    now = utcnow()
    rows = [{**v, "audience": "unit", "status": "open", "done_by": "", "created_at": now}
            for k, v in wanted.items() if k not in existing]
    if len(rows) > 500:  # an import: the driver's executemany (rows already filtered against existing keys)
        bulk_insert_ignore(session, Deadline, rows)
        return len(rows)
    return insert_ignore(session, rows, model=Deadline)


DOMAIN_RULES = ("notice_period", "filing_cancellation")


def _settle_superseded(session: Session, domain_ids: set[int], current: set[str]) -> None:
    """A domain's new status settles what its earlier status started: once 公告中 turns 已注销 (or back to 在用)
    the notice period is over, and it must leave /due, the report and the reminders."""
    if not domain_ids:
        return
    stale = []
    ids = sorted(domain_ids)
    for start in range(0, len(ids), 500):
        stale += session.exec(select(Deadline).where(
            Deadline.domain_id.in_(ids[start:start + 500]), Deadline.status == "open",
            Deadline.rule.in_(DOMAIN_RULES))).all()
    now = utcnow()
    for row in stale:
        if row.key in current:
            continue
        row.status, row.done_by, row.done_at = "done", "superseded by a later status", now
        session.add(row)
        _cancel_pending(session, row.id)
