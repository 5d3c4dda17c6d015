"""The registry as the office reports it: one row per domain with its measure and stage, units without any
domain, and counts by unit kind. Loaded in bulk (lookup.view_all): three queries for any registry size."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, func, select

from bot.db.models import Unit
from bot.registry.lookup import DomainView, UnitView, view_all, view_unit
from knowledge.progress import ANNOUNCE, CANCEL, CANCEL_FILINGS, CANCELLED, MIGRATE, REGISTER, STAGES, Standing, is_live, standing
from knowledge.units import KIND_LABELS, KINDS, parse_unit
from knowledge.workdays import WorkCalendar


@dataclass
class DomainLine:
    unit: UnitView
    view: DomainView
    standing: Standing

    @property
    def name(self) -> str:
        return self.view.domain.unicode or self.view.domain.name

    @property
    def kind(self) -> str:
        return self.unit.unit.kind


@dataclass
class Registry:
    """Everything the report, /progress and the digest need, computed once."""
    today: dt.date
    lines: list[DomainLine] = field(default_factory=list)
    bare_units: list[UnitView] = field(default_factory=list)  # units with no domain registered
    units: int = 0
    sites: int = 0
    by_stage: Counter = field(default_factory=Counter)  # (kind, stage) → domains
    by_measure: Counter = field(default_factory=Counter)

    @property
    def domains(self) -> int:
        return len(self.lines)

    @property
    def overdue(self) -> list[DomainLine]:
        return [line for line in self.lines if line.standing.overdue]

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
                ("保留的规范域名", self.domains - sum(m[x] for x in (REGISTER, ANNOUNCE, MIGRATE, CANCEL, CANCEL_FILINGS, CANCELLED))),
                ("需申请规范域名", m[REGISTER]), ("公告中", m[ANNOUNCE]), ("待注销", m[MIGRATE] + m[CANCEL]),
                ("已注销", m[CANCELLED] + m[CANCEL_FILINGS]), ("备案待注销", m[CANCEL_FILINGS]),
                ("未登记域名的单位", len(self.bare_units)), ("已逾期事项", len(self.overdue))]

    def urgent(self, limit: int = 5) -> list[DomainLine]:
        """Overdue first, then what falls due soonest; items without a date last."""
        pending = [line for line in self.lines if not line.standing.done]
        pending.sort(key=lambda line: (line.view.action.due is None, line.view.action.due or dt.date.max,
                                       line.unit.unit.name))
        return pending[:limit]


def collect(session: Session, today: dt.date, calendar: WorkCalendar | None = None,
            unit_ids: list[int] | None = None) -> Registry:
    """The whole registry (bulk), or only the units in `unit_ids`."""
    registry = Registry(today=today)
    if unit_ids is None:
        views = view_all(session, calendar)
    else:
        views = (view_unit(session, unit, calendar) for unit in
                 session.exec(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.name)).all())
    for unit_view in views:
        registry.units += 1
        if not unit_view.domains:
            registry.bare_units.append(unit_view)
            continue
        live_site = False
        for view in unit_view.domains:
            state = standing(view.domain.status, view.compliant, view.action, today)
            registry.lines.append(DomainLine(unit_view, view, state))
            registry.by_stage[(unit_view.unit.kind, state.stage)] += 1
            registry.by_measure[state.measure] += 1
            live_site = live_site or (is_live(view.domain.status) and not view.domain.is_chinese)
        registry.sites += live_site
    return registry


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def office_region(session: Session, settings: object | None = None) -> str:
    """The office's region for titles: BOT_REGION when set, else the place most registered units' names share
    (武定县财政局 → 武定县; the 所属地区 column is often empty or a full path), else the commonest 所属地区."""
    configured = getattr(settings, "bot_region", "") if settings is not None else ""
    if configured:
        return configured
    places = Counter(parse_unit(name).place_full for name in session.exec(select(Unit.name)).all())
    places.pop("", None)
    if not places:
        regions = session.exec(select(Unit.region, func.count()).where(Unit.region != "").group_by(Unit.region)
                               .order_by(func.count().desc()).limit(1)).all()
        return regions[0][0] if regions else ""
    return places.most_common(1)[0][0] if places else ""
