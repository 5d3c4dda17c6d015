"""Finding units and domains: by any domain form, contact, or a (misspelt) unit name; the per-unit view with
compliance, next action and due date; registry advice for naming suggestions.

Functions take a SQLModel Session and are blocking: call them through `Database.run` from async code."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import bindparam, func, text
from sqlmodel import Session, select

from bot.db.models import AuditLog, Contact, Domain, Unit
from knowledge.actions import NextAction, next_action
from knowledge.domains import looks_like_domain, parse_domain
from knowledge.rules import check
from knowledge.text import compact
from knowledge.units import parse_unit
from knowledge.workdays import WorkCalendar


class RegistryError(ValueError):
    """A request the registry refuses; the message is for the user (Chinese)."""



FUZZY_MIN_SCORE = 70


# -- lookup ------------------------------------------------------------------------------------------------
class UnitNameIndex:
    """Unit names in memory for rapidfuzz, reloaded when the unit table changes (count and last update)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._names: list[str] = []
        self._ids: list[int] = []

    def search(self, session: Session, query: str, limit: int) -> list[tuple[int, float]]:
        stamp = tuple(session.exec(select(func.count(Unit.id), func.max(Unit.updated_at))).one())
        with self._lock:
            if stamp != self._stamp:
                rows = session.exec(select(Unit.id, Unit.name)).all()
                self._ids = [r[0] for r in rows]
                self._names = [compact(r[1]) for r in rows]
                self._stamp = stamp
            names, ids = self._names, self._ids
        queries = _query_forms(query)
        # Names that mention the query's place are the candidates; without a place, all names are.
        stem = parse_unit(query).place_stem
        pool = [i for i, name in enumerate(names) if stem in name] if stem else range(len(names))
        best: dict[int, float] = {}
        from rapidfuzz import fuzz, process  # not needed before the first poll

        for q in queries:
            for _, score, index in process.extract(q, [names[i] for i in pool], scorer=fuzz.ratio, limit=limit,
                                                   score_cutoff=FUZZY_MIN_SCORE):
                unit_index = pool[index]
                best[unit_index] = max(best.get(unit_index, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:limit]
        return [(ids[i], score) for i, score in ranked]


def _query_forms(query: str) -> list[str]:
    """The query, and the same name with a department's short form written out (武定县人社局 →
    武定县人力资源和社会保障局), since ratio scoring punishes short forms."""
    text = compact(query)
    forms = [text]
    unit = parse_unit(text)
    if unit.department and unit.place_name and unit.unit != unit.department.name:
        forms.append(unit.place_name + unit.department.name)
    return forms


NAME_INDEX = UnitNameIndex()


@dataclass
class DomainView:
    domain: Domain
    compliant: bool
    problems: list[dict]
    action: NextAction

    def to_json(self) -> dict:
        return {"domain": self.domain.name, "unicode": self.domain.unicode, "status": self.domain.status,
                "primary": self.domain.is_primary, "compliant": self.compliant, "problems": self.problems,
                "next_action": self.action.action, "due": self.action.due.isoformat() if self.action.due else None,
                "provisional": self.action.provisional}


@dataclass
class UnitView:
    unit: Unit
    domains: list[DomainView] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    score: float = 100.0

    def to_json(self) -> dict:
        return {"unit": self.unit.name, "kind": self.unit.kind, "region": self.unit.region,
                "domains": [d.to_json() for d in self.domains],
                "contacts": [{"name": c.name, "phone": c.phone, "email": c.email,
                              "telegram_linked": c.telegram_id is not None} for c in self.contacts]}


def view_unit(session: Session, unit: Unit, calendar: WorkCalendar | None = None, score: float = 100.0) -> UnitView:
    domains = session.exec(select(Domain).where(Domain.unit_id == unit.id).order_by(Domain.is_chinese, Domain.name)).all()
    contacts = session.exec(select(Contact).where(Contact.unit_id == unit.id).order_by(Contact.id)).all()
    views = []
    in_use = [d for d in domains if d.status == "规范在用"]
    for domain in domains:
        result = check(domain.unicode or domain.name, unit.name, unit.kind)
        same_type = [d for d in in_use if d.is_chinese == domain.is_chinese]
        needs_primary = len(same_type) > 1 and not any(d.is_primary for d in same_type)
        action = next_action(domain.status, result.compliant, changed_on=domain.changed_on,
                             has_filings=bool(domain.icp_number or domain.gov_site_mark or domain.psb_number),
                             needs_primary=needs_primary, calendar=calendar)
        views.append(DomainView(domain, result.compliant, [p.to_json() for p in result.problems], action))
    return UnitView(unit, views, list(contacts), score)


def lookup(session: Session, query: str, calendar: WorkCalendar | None = None, limit: int = 5) -> list[UnitView]:
    """Exact domain (any accepted form), then contact name, then exact or fuzzy unit name."""
    text = compact(query)
    if not text:
        return []
    if looks_like_domain(query.strip()):
        parsed = parse_domain(query.strip())
        domain = session.exec(select(Domain).where(Domain.name == parsed.ascii)).first() if parsed.valid else None
        if domain:
            return [view_unit(session, session.get(Unit, domain.unit_id), calendar)]
        return []
    unit = session.exec(select(Unit).where(Unit.name == text)).first()
    if unit:
        return [view_unit(session, unit, calendar)]
    contacts = session.exec(select(Contact).where(Contact.name == text)).all()
    if contacts:
        units = {c.unit_id: session.get(Unit, c.unit_id) for c in contacts}
        return [view_unit(session, u, calendar) for u in units.values()][:limit]
    return [view_unit(session, session.get(Unit, unit_id), calendar, score)
            for unit_id, score in NAME_INDEX.search(session, text, limit)]


def domain_by_name(session: Session, name: str) -> Domain | None:
    parsed = parse_domain(name)
    return session.exec(select(Domain).where(Domain.name == parsed.ascii)).first() if parsed.valid else None


def history(session: Session, name: str, limit: int = 20) -> list[AuditLog]:
    domain = domain_by_name(session, name)
    if domain is None:
        raise RegistryError(f"登记册中没有域名“{name[:100]}”")
    return list(session.exec(select(AuditLog).where(AuditLog.entity == "domain", AuditLog.entity_id == domain.id)
                             .order_by(AuditLog.id.desc()).limit(limit)).all())


def find_unit_id(session: Session, unit_name: str) -> int | None:
    """The unit called `unit_name`, or the one its name is a near-certain misspelling of (score ≥ 90)."""
    unit_id = session.exec(select(Unit.id).where(Unit.name == compact(unit_name))).first()
    if unit_id is None:
        matches = NAME_INDEX.search(session, unit_name, 1)
        unit_id = matches[0][0] if matches and matches[0][1] >= 90 else None
    return unit_id


def registry_advice(session: Session, unit_name: str, candidates: list[str]) -> tuple[str | None, list[str]]:
    """One indexed query: the portal the registry knows for the unit's place (the first of the names that
    place's portal may have), and notes on `candidates` (ASCII domains) that another unit already holds."""
    parsed = parse_unit(unit_name)
    portals = _portal_candidates(parsed.place_full, tuple(p.name for p in parsed.regions)) if parsed.place_full else []
    wanted = list(dict.fromkeys([*candidates, *portals]))
    if not wanted:
        return None, []
    rows = session.execute(
        text("SELECT d.name, u.name, u.kind, d.status FROM domain d JOIN unit u ON u.id = d.unit_id "
             "WHERE d.name IN :names").bindparams(bindparam("names", expanding=True)), {"names": wanted}).all()
    found = {name: (holder, kind, status) for name, holder, kind, status in rows}
    portal = next((p for p in portals if p in found and found[p][1] == "portal" and found[p][2] == "规范在用"), None)
    own = compact(unit_name)
    notes = [f"{c} 已登记为“{found[c][0]}”的域名" for c in candidates if c in found and found[c][0] != own]
    return portal, notes


@lru_cache(maxsize=4096)
def _portal_candidates(place: str, regions: tuple[str, ...]) -> list[str]:
    """The names a place's portal may have: www.[region prefix]spelling.gov.cn."""
    from knowledge.naming import name_spellings

    cores = name_spellings(place)
    prefixes = [""] + [p for region in regions for p in name_spellings(region)[:4]]
    return [f"www.{prefix}{core}.gov.cn" for prefix in prefixes for core in cores]
