"""The registry as the office reports it: one row per domain with its measure and stage, units without any
domain, and counts by unit kind. Loaded in bulk (lookup.view_all): three queries for any registry size."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlmodel import Session, func, select

from bot.db.models import Deadline, Setting, Unit
from bot.deadlines.events import CONTACT_RULE, overdue_clause
from bot.registry.lookup import DomainView, UnitScope, UnitView, view_all, view_unit
from bot.registry.region import REGION_KEY
from knowledge.domains import site_text
from knowledge.progress import (
    ANNOUNCE,
    CANCEL,
    CANCEL_FILINGS,
    CANCELLED,
    DONE,
    KEEP,
    MIGRATE,
    REGISTER,
    STAGES,
    Standing,
    is_live,
    standing,
)
from knowledge.registry_model import Status
from knowledge.units import KIND_LABELS, KINDS, parse_unit
from knowledge.workdays import WorkCalendar

ANNOUNCING = Status.NOTICE.value


@dataclass
class DomainLine:
    unit: UnitView
    view: DomainView
    standing: Standing

    @property
    def name(self) -> str:
        return site_text(self.view.domain)

    @property
    def kind(self) -> str:
        return self.unit.unit.kind


@dataclass
class Registry:
    """Everything the report, /progress and the digest need, counted as units stream by (`add`). With
    keep_lines the domain rows are kept too (/progress, the digest); the report streams them instead."""
    today: dt.date
    keep_lines: bool = True
    lines: list[DomainLine] = field(default_factory=list)
    bare_units: list[UnitView] = field(default_factory=list)  # units with no domain registered (when kept)
    units: int = 0
    sites: int = 0
    domains: int = 0
    bare: int = 0
    by_stage: Counter = field(default_factory=Counter)  # (kind, stage) → domains
    by_measure: Counter = field(default_factory=Counter)
    announcing: int = 0  # domains under notice (公告中): ANNOUNCE also holds those still in use, replaced
    overdue_by_kind: Counter = field(default_factory=Counter)
    overdue_other: int = 0  # overdue items that are not a domain's (unreported contact changes)
    by_office: RollUp | None = None  # the figures by office below, counted in the same pass (a roll-up report)

    def add(self, unit_view: UnitView) -> list[DomainLine]:
        """Count one unit; its domain lines (empty for a unit without a domain)."""
        lines = [DomainLine(unit_view, view, standing(view.domain.status, view.compliant, view.action, self.today,
                                                      bool(view.replacement)))
                 for view in unit_view.domains]
        self.count(unit_view, lines)
        if self.by_office is not None:
            self.by_office.add(unit_view, lines)
        return lines

    def count(self, unit_view: UnitView, lines: list[DomainLine]) -> None:
        """Count one unit whose domain lines are already made (a roll-up counts each unit twice: overall, and in
        its office's row; the standings are worked out once)."""
        self.units += 1
        if not lines:
            self.bare += 1
            if self.keep_lines:
                self.bare_units.append(unit_view)
            return
        live_site = False
        kind = unit_view.unit.kind
        for line in lines:
            view, state = line.view, line.standing
            self.by_stage[(kind, state.stage)] += 1
            self.by_measure[state.measure] += 1
            self.announcing += view.domain.status == ANNOUNCING
            self.overdue_by_kind[kind] += state.overdue
            live_site = live_site or (is_live(view.domain.status) and not view.domain.is_chinese)
        self.sites += live_site
        self.domains += len(lines)
        if self.keep_lines:
            self.lines += lines

    def add_overdue(self, by_kind: Counter) -> None:
        """Overdue items that are not a domain's (unreported contact changes), by unit kind."""
        self.overdue_by_kind.update(by_kind)
        self.overdue_other += sum(by_kind.values())

    @property
    def overdue_count(self) -> int:
        return sum(self.overdue_by_kind.values())

    @property
    def overdue(self) -> list[DomainLine]:
        return [line for line in self.lines if line.standing.overdue]

    @property
    def completion(self) -> float:
        """完成率: the share of domains whose clean-up is done (the kind table's and the roll-up's)."""
        return self.stage_total(DONE) / self.domains if self.domains else 0

    def stage_total(self, stage: str, kind: str | None = None) -> int:
        kinds = [kind] if kind else KINDS
        return sum(self.by_stage[(k, stage)] for k in kinds)

    def kind_total(self, kind: str) -> int:
        return sum(self.by_stage[(kind, s)] for s in STAGES)

    def kinds(self) -> list[str]:
        return [k for k in KINDS if self.kind_total(k)]

    def figures(self) -> list[tuple[str, int]]:
        m = self.by_measure
        return [("单位数", self.units), ("网站数", self.sites), ("域名数", self.domains),
                # 保留 + 需申请 + 公告中 + 待注销 + 已注销 = 域名数: a replaced domain still in use is to be cancelled
                ("保留的规范域名", m[KEEP]), ("需申请规范域名", m[REGISTER]), ("公告中", self.announcing),
                ("待注销", m[MIGRATE] + m[CANCEL] + m[ANNOUNCE] - self.announcing),
                ("已注销", m[CANCELLED] + m[CANCEL_FILINGS]),
                ("备案待注销", m[CANCEL_FILINGS]), ("未登记域名的单位", self.bare), ("已逾期事项", self.overdue_count)]

    def urgent(self, limit: int = 5) -> list[DomainLine]:
        """Overdue first, then what falls due soonest; items without a date last."""
        pending = [line for line in self.lines if not line.standing.done]
        pending.sort(key=lambda line: (line.view.action.due is None, line.view.action.due or dt.date.max,
                                       line.unit.unit.name))
        return pending[:limit]


@dataclass
class OfficeRow:
    """One row of a roll-up: an office directly below the reporting one (its units and those of the offices
    under it), or the reporting office's own units (`office_id` None: 本级)."""
    label: str
    office_id: int | None
    registry: Registry


@dataclass
class RollUp:
    """The figures by office below, filled as the units stream by (Registry.add): each unit counted into its
    row with the standings the overall count already worked out, so a province's 146 offices cost one pass."""
    rows: list[OfficeRow]
    route: dict[int | None, int]  # a unit's office_id → its row
    own: int  # the row of the reporting office's own units (and of any office not routed)

    def add(self, unit_view: UnitView, lines: list[DomainLine]) -> None:
        registry = self.rows[self.route.get(unit_view.unit.office_id, self.own)].registry
        registry.count(unit_view, lines)
        if unit_view.late_contacts:
            registry.add_overdue(Counter({unit_view.unit.kind: unit_view.late_contacts}))


def unit_views(session: Session, calendar: WorkCalendar | None = None,
               unit_ids: list[int] | None = None, scope: UnitScope | None = None) -> Iterator[UnitView]:
    """The whole registry or an office's part of it (`scope`; streamed, in bulk), or only the units in `unit_ids`
    (those of the scope)."""
    if unit_ids is None:
        return view_all(session, calendar, scope)
    query = select(Unit).where(Unit.id.in_(unit_ids))
    if scope is not None:
        query = query.where(scope.clause())
    return (view_unit(session, unit, calendar) for unit in session.exec(query.order_by(Unit.name)).all())


def overdue_contact_changes(session: Session, today: dt.date, unit_ids: list[int] | None = None,
                            scope: UnitScope | None = None) -> Counter:
    """Contact changes not reported in time, by unit kind: the deadlines /due lists as overdue (the same test,
    events.overdue_clause), so the report's 已逾期事项, /progress and /due count them alike."""
    query = (select(Unit.kind, func.count()).join(Deadline, Deadline.unit_id == Unit.id)
             .where(Deadline.rule == CONTACT_RULE, overdue_clause(today)))
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    if scope is not None:
        query = query.where(scope.clause())
    return Counter(dict(session.exec(query.group_by(Unit.kind)).all()))


def late_contact_units(session: Session, today: dt.date, scope: UnitScope | None = None) -> Counter:
    """Unit id → its contact changes not reported in time (the test /due and overdue_contact_changes use)."""
    query = select(Deadline.unit_id, func.count()).where(Deadline.rule == CONTACT_RULE, overdue_clause(today))
    if scope is not None:
        query = query.join(Unit, Unit.id == Deadline.unit_id).where(scope.clause())
    return Counter(dict(session.exec(query.group_by(Deadline.unit_id)).all()))


def with_late_contacts(views: Iterable[UnitView], late: Counter) -> Iterator[UnitView]:
    """The views, each unit's overdue contact changes noted on it (so its report rows say so)."""
    for view in views:
        view.late_contacts = late.get(view.unit.id, 0)
        yield view


def line_note(line: DomainLine, today: dt.date) -> str:
    """A report row's 备注: how late it is, an overdue contact change of its unit, then the registry's notes."""
    due, state = line.view.action.due, line.standing
    parts = [f"已逾期 {(today - due).days} 天" if state.overdue and due and not state.done else "",
             f"联系人变更逾期未报备（{line.unit.late_contacts} 项）" if line.unit.late_contacts else "",
             line.view.domain.notes]
    return "；".join(p for p in parts if p)


def collect(session: Session, today: dt.date, calendar: WorkCalendar | None = None,
            unit_ids: list[int] | None = None, scope: UnitScope | None = None,
            by_office: RollUp | None = None) -> Registry:
    """The registry's standing (an office's with `scope`), and its figures by office below with `by_office`."""
    registry = Registry(today=today, by_office=by_office)
    views = unit_views(session, calendar, unit_ids, scope)
    if by_office is not None:  # each office's row counts its late contact changes as its own report does
        views = with_late_contacts(views, late_contact_units(session, today, scope))
    for unit_view in views:
        registry.add(unit_view)
    return registry


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


REGION_SAMPLE = 2000


def office_region(session: Session, settings: object | None = None) -> str:
    """The office's region for titles: the one an admin set in chat (/region, as its place: 武定县), else
    BOT_REGION, else the place most of the home office's registered units' names share (武定县财政局 → 武定县; the
    所属地区 column is often empty or a full path), else the commonest 所属地区."""
    stored = session.get(Setting, REGION_KEY)
    if stored is not None and stored.value:
        return parse_unit(stored.value + "人民政府").place_full or stored.value
    configured = getattr(settings, "bot_region", "") if settings is not None else ""
    if configured:
        return configured
    # the home office's own units (office_id NULL) say where it is; the offices' below would name a county
    names = session.exec(select(Unit.name).where(Unit.office_id.is_(None))).all() or \
        session.exec(select(Unit.name)).all()
    step = max(1, len(names) // REGION_SAMPLE)  # a spread sample is as good as all names, and 50x cheaper
    places = Counter(parse_unit(name).place_full for name in names[::step])
    places.pop("", None)
    if not places:
        regions = session.exec(select(Unit.region, func.count()).where(Unit.region != "").group_by(Unit.region)
                               .order_by(func.count().desc()).limit(1)).all()
        return regions[0][0] if regions else ""
    return places.most_common(1)[0][0] if places else ""
