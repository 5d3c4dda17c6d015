"""Progress at a glance for the office: per unit kind and overall, the five most urgent items, the lists behind
each figure, the agenda of overdue and coming deadlines (/due), and the weekly digest. Blocking, on a Session."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, func, select

from bot.db.models import Admin, Chat, Deadline, Unit
from bot.deadlines.calendar import work_calendar
from bot.deadlines.events import overdue_clause
from bot.deadlines.planning import admin_ids
from bot.delivery import queue
from bot.monitoring.store import MonitorStanding, UrgentFinding, monitor_standing
from bot.registry.lookup import NAME_INDEX, UnitScope, units_by_short_name
from bot.reporting.collect import DomainLine, Registry, collect, kind_label, overdue_contact_changes
from bot.reporting.scope import office_scope
from knowledge.monitoring import PROGRESS_CLAUSES
from knowledge.progress import DONE, IN_PROGRESS, NOT_STARTED, STAGE_LABELS, STAGES, bar
from knowledge.text import compact

OVERDUE = "overdue"
GROUPS = (*STAGES, OVERDUE)
GROUP_LABELS = {**STAGE_LABELS, OVERDUE: "已逾期"}
MAX_UNITS = 50


def find_units(session: Session, query: str, region: str | None = None, scope: UnitScope | None = None) -> list[int]:
    """Units whose name contains the query (教育局 → every 教育局), else the unit the short name stands for in the
    office's region, read as /status reads it (教育局 → 武定县教育体育局), else the close misspellings of it; with a
    `scope`, only units in it (an office's admin never finds a sibling's)."""
    text = compact(query)
    if not text:
        return []
    contains = select(Unit.id).where(func.lower(Unit.name).contains(text, autoescape=True))
    if scope is not None:
        contains = contains.where(scope.clause())
    ids = list(session.exec(contains.limit(MAX_UNITS)).all())
    ids = ids or [unit.id for unit in units_by_short_name(session, text, region) if scope is None or scope.holds(unit)]
    return ids or [unit_id for unit_id, _ in NAME_INDEX.search(session, text, 5, scope)]


def registry_progress(session: Session, today: dt.date, query: str = "", region: str | None = None,
                      office_id: int | None = None) -> tuple[Registry, list[str]] | None:
    """(the registry's standing, the unit names in scope when a query narrowed it); None: no unit matched.
    `region` is the configured BOT_REGION (short names are read in the office's region). `office_id`: that
    office's progress (its units and those below; None: the home office's, everything); without a query, the
    registry's `by_office` holds the figures of each office directly below, counted in the same pass.
    LookupError: no such office."""
    from bot.offices.service import office_region

    office = office_scope(session, office_id)
    scope = office.scope
    if not query.strip():
        by_office = office.roll_up(today, "本级")
        registry = collect(session, today, work_calendar(session), scope=scope, by_office=by_office)
        registry.add_overdue(overdue_contact_changes(session, today, scope=scope))
        return registry, []
    ids = find_units(session, query, office_region(session, office_id, region or ""), scope)
    if not ids:
        return None
    registry = collect(session, today, work_calendar(session), ids, scope)
    registry.add_overdue(overdue_contact_changes(session, today, ids, scope))
    names = sorted({line.unit.unit.name for line in registry.lines} | {u.unit.name for u in registry.bare_units})
    return registry, names


def office_lines(registry: Registry) -> list[tuple[int | None, str]]:
    """One line per office directly below (and the office's own units), as (office id or None, HTML text)."""
    if registry.by_office is None:
        return []
    return [(row.office_id, f"• <b>{html.escape(row.label)}</b>：{row.registry.units} 个单位，"
                            f"{row.registry.domains} 个域名，完成率 {row.registry.completion:.0%}，"
                            f"已逾期 {row.registry.overdue_count}")
            for row in registry.by_office.rows]


def group_lines(registry: Registry, group: str) -> list[DomainLine]:
    if group == OVERDUE:
        lines = registry.overdue
    else:
        lines = [line for line in registry.lines if line.standing.stage == group]
    return sorted(lines, key=lambda line: (line.view.action.due is None, line.view.action.due or dt.date.max,
                                           line.unit.unit.name, line.name))


def summary_blocks(registry: Registry, heading: str) -> list[str]:
    """HTML blocks: per kind and overall, done / in progress / not started / overdue as text bars."""
    overdue_by_kind: dict[str, int] = {}
    for line in registry.overdue:
        overdue_by_kind[line.kind] = overdue_by_kind.get(line.kind, 0) + 1
    blocks = [f"<b>{html.escape(heading)}</b>",
              f"{registry.units} 个单位，{registry.domains} 个域名；未登记域名的单位 {len(registry.bare_units)} 个。"]
    rows = [(kind_label(k), registry.kind_total(k), [registry.by_stage[(k, s)] for s in STAGES],
             overdue_by_kind.get(k, 0)) for k in registry.kinds()]
    rows.append(("合计", registry.domains, [registry.stage_total(s) for s in STAGES], len(registry.overdue)))
    for label, total, counts, overdue in rows:
        done, doing, todo = counts
        blocks.append(f"<b>{html.escape(label)}</b> {bar(done, total)}\n"
                      f"  已完成 {done} · 办理中 {doing} · 未开始 {todo} · 已逾期 {overdue}")
    if registry.overdue_other:
        blocks.append(f"另有联系人变更逾期未报备 {registry.overdue_other} 项，/due 查看。")
    return blocks


def line_text(line: DomainLine, today: dt.date) -> str:
    due = line.view.action.due
    when = ""
    if due and not line.standing.done:
        when = f"，逾期 {(today - due).days} 天" if due < today else f"，{due.isoformat()} 前"
    return (f"• {html.escape(line.unit.unit.name)} <code>{html.escape(line.name)}</code>："
            f"{html.escape(line.standing.measure)}{html.escape(when)}")


# -- domain monitoring (五（三）（四）) in /progress -----------------------------------------------------------
MONITOR_SHARE = 3  # of the five urgent items, at most this many are monitoring findings


def scope_ids(registry: Registry, query: str, office_id: int | None = None) -> list[int] | None:
    """The units /progress shows (None: all of them: the home office's, unnarrowed)."""
    if not query.strip() and office_id is None:
        return None
    return sorted({line.unit.unit.id for line in registry.lines} | {u.unit.id for u in registry.bare_units})


def registry_monitoring(session: Session, registry: Registry, query: str,
                        office_id: int | None = None) -> MonitorStanding:
    return monitor_standing(session, scope_ids(registry, query, office_id))


def monitoring_block(standing: MonitorStanding) -> str:
    """Per unit kind, how many domains have open findings under 五（三） and 五（四）."""
    if not standing.total:
        return "<b>域名监测</b>\n没有未解决的监测问题（五（三）、五（四））。"
    rows = [(kind_label(kind), standing.by_kind[kind]) for kind in sorted(standing.by_kind, key=_kind_order)]
    if len(rows) > 1:
        rows.append(("合计", standing.total))
    lines = [f"{html.escape(label)}：" + " · ".join(f"{c} {counts.get(c, 0)} 个域名" for c in PROGRESS_CLAUSES)
             for label, counts in rows]
    return "<b>域名监测（有未解决问题的域名）</b>\n" + "\n".join(lines)


def _kind_order(kind: str) -> int:
    from knowledge.units import KINDS

    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def finding_line(item: UrgentFinding) -> str:
    f = item.finding
    return (f"• 🛡 {html.escape(item.unit)} <code>{html.escape(item.domain)}</code>："
            f"{html.escape(f.message)}（{html.escape(f.basis)}）")


def urgent_lines(registry: Registry, standing: MonitorStanding, today: dt.date, limit: int) -> list[str]:
    """The five most urgent items: the urgent monitoring findings first (signs of hijacking before the rest; at
    most MONITOR_SHARE, so the clean-up keeps its place), then the clean-up items that are overdue or due soonest."""
    found = [finding_line(item) for item in standing.urgent[:MONITOR_SHARE]]
    return found + [line_text(line, today) for line in registry.urgent(limit - len(found))]


# -- agenda: what is overdue and what falls due -----------------------------------------------------------
@dataclass
class Agenda:
    overdue: list[Deadline]
    upcoming: list[Deadline]
    total_overdue: int
    total_upcoming: int


def agenda(session: Session, today: dt.date, *, unit_ids: list[int] | None = None, everything: bool = False,
           until: dt.date | None = None, offset: int = 0, limit: int = 10) -> Agenda:
    """Open deadlines: overdue ones (campaign steps only within the look-back, so a finished campaign's old
    dates stay quiet), then those to come (up to `until`), paged together: overdue first."""
    base = select(Deadline).where(Deadline.status == "open")
    if not everything:
        conditions = [Deadline.audience == "groups"]
        if unit_ids:
            conditions.append(Deadline.unit_id.in_(unit_ids))
        base = base.where(or_(*conditions))
    late = base.where(overdue_clause(today))
    coming = base.where(Deadline.due >= today)
    if until is not None:
        coming = coming.where(Deadline.due <= until)
    total_late = session.exec(select(func.count()).select_from(late.subquery())).one()
    total_coming = session.exec(select(func.count()).select_from(coming.subquery())).one()
    overdue = list(session.exec(late.order_by(Deadline.due, Deadline.id).offset(offset).limit(limit)).all())
    rest = max(0, limit - len(overdue))
    later_offset = max(0, offset - total_late)
    upcoming = list(session.exec(coming.order_by(Deadline.due, Deadline.id).offset(later_offset).limit(rest)).all()) if rest else []
    return Agenda(overdue, upcoming, total_late, total_coming)


# -- the weekly digest ------------------------------------------------------------------------------------
def weekly_digest_due(session: Session, today: dt.date, weekday: int) -> bool:
    """The chosen working day of the week; when it is a day off, the first working day after it that week."""
    calendar = work_calendar(session)
    if not calendar.is_workday(today) or today.isoweekday() < weekday:
        return False
    day = today - dt.timedelta(days=today.isoweekday() - weekday)
    while day < today:
        if calendar.is_workday(day):
            return False  # it went out earlier this week
        day += dt.timedelta(days=1)
    return True


def digest_text(session: Session, today: dt.date, unit_ids: list[int] | None,
                office_id: int | None = None) -> str | None:
    """Progress and the coming week, or None when there is nothing to say (nothing pending, nothing due).
    `unit_ids`: a unit's group's; else the office `office_id`'s (its units and those below; None: everything)."""
    scope = office_scope(session, office_id).scope if unit_ids is None else None
    if scope is not None:
        unit_ids = sorted(scope.unit_ids(session))
    registry = collect(session, today, work_calendar(session), None if scope is not None else unit_ids, scope)
    everything = unit_ids is None
    week = agenda(session, today, unit_ids=unit_ids, everything=everything, until=today + dt.timedelta(days=7),
                  limit=15)
    pending = registry.domains - registry.stage_total(DONE)
    if not pending and not week.total_overdue and not week.total_upcoming:
        return None
    blocks = summary_blocks(registry, f"📋 域名清理每周汇总（{today.isoformat()}）")
    if week.overdue or week.upcoming:
        blocks.append("<b>已逾期和未来一周到期</b>")
        blocks += [f"• ⚠️ {d.due.isoformat()} {html.escape(d.title)}" for d in week.overdue]
        blocks += [f"• {d.due.isoformat()} {html.escape(d.title)}" for d in week.upcoming]
        more = week.total_overdue + week.total_upcoming - len(week.overdue) - len(week.upcoming)
        if more > 0:
            blocks.append(f"……另有 {more} 项，发送 /due 查看")
    text = "\n".join(blocks)
    return text  # a long digest goes out in parts (the outbox splits it)


def enqueue_weekly_digests(session: Session, now: dt.datetime, today: dt.date, weekday: int,
                           admins: frozenset[int]) -> int:
    """Queue this week's digest for every group with /digest on (a unit's group: that unit's; an office's group:
    that office's) and the admins (an office's admin: their office's), once per week each (the outbox key), and
    only on the chosen working day."""
    if not weekly_digest_due(session, today, weekday):
        return 0
    week = today.isocalendar()
    texts: dict[tuple, str | None] = {}
    targets: list[tuple[int, tuple]] = [
        (chat_id, ("unit", unit_id) if unit_id else ("office", office_id)) for chat_id, unit_id, office_id in
        session.exec(select(Chat.id, Chat.unit_id, Chat.office_id)
                     .where(Chat.digest == True, Chat.active == True)).all()]  # noqa: E712
    offices = dict(session.exec(select(Admin.telegram_id, Admin.office_id)).all())
    targets += [(admin, ("office", None if admin in admins else offices.get(admin)))
                for admin in sorted(admin_ids(session, admins))]
    count = 0
    for chat_id, whose in dict(targets).items():
        if whose not in texts:
            try:
                texts[whose] = (digest_text(session, today, [whose[1]]) if whose[0] == "unit"
                                else digest_text(session, today, None, whose[1]))
            except LookupError:  # an office no longer there: nothing to say
                texts[whose] = None
        text = texts[whose]
        if text:
            count += queue.enqueue(session, f"weekly:{week.year}-W{week.week}:c{chat_id}", chat_id, text, now, "digest")
    return count


__all__ = ["GROUPS", "GROUP_LABELS", "IN_PROGRESS", "NOT_STARTED", "OVERDUE", "agenda", "digest_text",
           "enqueue_weekly_digests", "group_lines", "line_text", "monitoring_block", "office_lines", "registry_monitoring", "registry_progress",
           "summary_blocks", "urgent_lines"]
