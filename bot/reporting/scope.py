"""Which office a report, export or /progress is for: its units (the office's and those of every office under
it), the names on its cover, and the rows of its roll-up (one per office directly below it, and its own units).

The home office has no row (office_id None): its report covers everything. A county's report is what a
single-office deployment of that county gives: its units only, its own office and region on the cover."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.db.models import Office
from bot.offices.service import below, place_of, title_of
from bot.registry.lookup import UnitScope
from bot.reporting.collect import OfficeRow, Registry, RollUp
from knowledge.offices import DEPARTMENTS, group_title


@dataclass(frozen=True)
class Child:
    office_id: int
    label: str  # 武定县, 楚雄州直部门


@dataclass(frozen=True)
class OfficeScope:
    office_id: int | None  # None: the home office
    scope: UnitScope | None  # None: every unit (the home office)
    region: str  # the report's title: 武定县 → 武定县政府网站域名清理情况统计表; "" for the home (its own reading)
    title: str  # 填报单位: 武定县人民政府办公室; "" for the home (its own reading)
    children: tuple[Child, ...]  # the offices directly below, in the order of the tree
    route: tuple[tuple[int, int], ...]  # (office id, index of the child it lies under) for every office below

    def roll_up(self, today: dt.date, own_label: str) -> RollUp | None:
        """Empty rows to count into as the units stream by; None when no office is below (no roll-up: the
        report is exactly a single office's)."""
        if not self.children:
            return None
        rows = [OfficeRow(child.label, child.office_id, Registry(today=today, keep_lines=False))
                for child in self.children]
        rows.append(OfficeRow(own_label, None, Registry(today=today, keep_lines=False)))
        return RollUp(rows, dict(self.route), len(rows) - 1)


def office_label(office: Office) -> str:
    place = place_of(office)
    return group_title(place) if office.group == DEPARTMENTS else place.name


def office_scope(session: Session, office_id: int | None) -> OfficeScope:
    """The office `office_id` (None: home) as a report sees it. LookupError: no such office."""
    offices = list(session.exec(select(Office).order_by(Office.code, Office.group)).all())
    by_id = {o.id: o for o in offices}
    if office_id is not None and office_id not in by_id:
        raise LookupError(office_id)
    children = [o for o in offices if o.parent_id == office_id]
    index = {o.id: i for i, o in enumerate(children)}
    route = []
    for office in offices:  # each office below: the child of `office_id` it lies under
        current, seen = office, set()
        while current.parent_id != office_id and current.parent_id in by_id and current.id not in seen:
            seen.add(current.id)
            current = by_id[current.parent_id]
        if current.id in index:
            route.append((office.id, index[current.id]))
    kids = tuple(Child(o.id, office_label(o)) for o in children)
    if office_id is None:
        return OfficeScope(None, None, "", "", kids, tuple(route))
    office = by_id[office_id]
    return OfficeScope(office_id, UnitScope(below(session, office_id)), office_label(office), title_of(office),
                       kids, tuple(route))
