"""Finding units and domains: by any domain form, contact, or a (misspelt) unit name; the per-unit view with
compliance, next action and due date; registry advice for naming suggestions.

Functions take a SQLModel Session and are blocking: call them through `Database.run` from async code."""
from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import and_, bindparam, func, or_, text
from sqlmodel import Session, select

from bot.db.models import AuditLog, Contact, Domain, Unit
from bot.registry.region import home_region
from bot.ui import texts
from knowledge.actions import NextAction, next_action
from knowledge.domains import ip_host, looks_like_domain, parse_domain, site_text
from knowledge.naming import Suggestion, suggest
from knowledge.registry_model import KIND_LABELS, Status
from knowledge.rules import check
from knowledge.text import compact
from knowledge.units import find_department, parse_unit, qualify
from knowledge.workdays import WorkCalendar

log = logging.getLogger(__name__)


class RegistryError(ValueError):
    """A request the registry refuses; the message is for the user (Chinese)."""



FUZZY_MIN_SCORE = 70


@dataclass(frozen=True)
class UnitScope:
    """The units an office's admin (or a contact) may see: those of `offices` and the units in `units`. A home
    admin has no scope (None wherever a scope is taken): everything."""
    offices: frozenset[int] = frozenset()
    units: tuple[int, ...] = ()

    def clause(self):
        """SQL: a unit row (or a row joined to it) is in the scope. Indexed on unit.office_id and unit.id."""
        return or_(Unit.office_id.in_(sorted(self.offices) or [-1]), Unit.id.in_(self.units or (-1,)))

    def unit_ids(self, session: Session) -> set[int]:
        return set(session.exec(select(Unit.id).where(self.clause())).all())

    def holds(self, unit: Unit) -> bool:
        return self.holds_row(unit.id, unit.office_id)

    def holds_row(self, unit_id: int | None, office_id: int | None) -> bool:
        return unit_id in self.units or (office_id is not None and office_id in self.offices)


# -- lookup ------------------------------------------------------------------------------------------------
class UnitNameIndex:
    """Unit names in memory for rapidfuzz, kept in step with the unit table (its count and last update).

    A change reads only the units updated after the newest one seen (an index of 100,000 names read in full
    holds the GIL for a few hundred ms, a wait for every chat when it happened inside a reply); the full read
    is left for the first use and for units removed. `refresh` is also called off the hot path (after the
    warm-up and after an import), so replies find the index current."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._names: list[str] = []
        self._ids: list[int] = []
        self._positions: dict[int, int] = {}

    def refresh(self, session: Session) -> None:
        """Bring the names up to date with the unit table: nothing when it has not changed (one query), else
        the units updated since the last look, else (units removed, first use) all of them."""
        stamp = tuple(session.exec(select(func.count(Unit.id), func.max(Unit.updated_at))).one())
        with self._lock:
            if stamp == self._stamp:
                return
            started, cpu = time.perf_counter(), time.thread_time()
            read = self._changed_since(session, stamp)
            how = "changed"
            if read is None:
                how = "all"
                rows = session.exec(select(Unit.id, Unit.name)).all()
                self._ids = [r[0] for r in rows]
                self._names = [compact(r[1]) for r in rows]
                self._positions = {uid: i for i, uid in enumerate(self._ids)}
                read = len(rows)
            self._stamp = stamp
            log.info("unit name index: %s read, %d rows, %d names, %.0f ms (%.0f ms CPU)", how, read, len(self._ids),
                     (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000)

    def _changed_since(self, session: Session, stamp: tuple) -> int | None:
        """Apply the units updated after the newest update seen and return how many were read; None when that
        cannot account for the table (units removed, or written with an older time) and a full read is needed.
        New lists are swapped in, so a search running meanwhile keeps a consistent pair."""
        if self._stamp is None or self._stamp[1] is None or stamp[1] is None or stamp[0] < len(self._ids):
            return None
        # Strictly later: an import stamps all its rows with one time, and ">=" would read them all again.
        rows = session.exec(select(Unit.id, Unit.name).where(Unit.updated_at > self._stamp[1])).all()
        ids, names, positions = list(self._ids), list(self._names), dict(self._positions)
        for uid, name in rows:
            at = positions.get(uid)
            if at is None:
                positions[uid] = len(ids)
                ids.append(uid)
                names.append(compact(name))
            else:
                names[at] = compact(name)
        if len(ids) != stamp[0]:
            return None
        self._ids, self._names, self._positions = ids, names, positions
        return len(rows)

    def search(self, session: Session, query: str, limit: int, scope: UnitScope | None = None) -> list[tuple[int, float]]:
        self.refresh(session)
        with self._lock:
            names, ids = self._names, self._ids
        queries = _query_forms(query)
        # Names that mention the query's place are the candidates; without a place, all names are; a scoped
        # search ranks only the units in scope (a county's best matches are never crowded out by a sibling's).
        stem = parse_unit(query).place_stem
        pool = [i for i, name in enumerate(names) if stem in name] if stem else range(len(names))
        if scope is not None:
            allowed = scope.unit_ids(session)
            pool = [i for i in pool if ids[i] in allowed]
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
    domain: Domain  # or a DomainRow (view_all)
    compliant: bool
    problems: list[dict]
    action: NextAction
    kind: str = ""  # the kind the domain is checked as (its own, else its unit's)
    notes: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)  # compliant names the unit should use instead
    replacement: str = ""  # a compliant site the unit already uses in place of this one (same script)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def to_json(self) -> dict:
        return {"domain": self.domain.name, "unicode": self.domain.unicode, "status": self.domain.status,
                "kind": self.kind, "primary": self.domain.is_primary, "compliant": self.compliant,
                "problems": self.problems, "notes": self.notes,
                "next_action": self.action.action, "due": self.action.due.isoformat() if self.action.due else None,
                "provisional": self.action.provisional}


@dataclass(slots=True)
class ContactInfo:
    """A contact as bulk views carry it (the fields views show; a fraction of an ORM object's memory)."""
    name: str
    phone: str
    email: str
    telegram_id: int | None


@dataclass
class UnitView:
    unit: Unit  # or a UnitRow (view_all)
    domains: list[DomainView] = field(default_factory=list)
    contacts: list[Contact | ContactInfo] = field(default_factory=list)
    score: float = 100.0
    portal: str = ""  # the registered portal the unit's domains are checked under
    late_contacts: int = 0  # contact changes not reported in time (set by the report: collect.with_late_contacts)

    def to_json(self) -> dict:
        return {"unit": self.unit.name, "kind": self.unit.kind, "region": self.unit.region, "portal": self.portal,
                "domains": [d.to_json() for d in self.domains],
                "contacts": [{"name": c.name, "phone": c.phone, "email": c.email,
                              "telegram_linked": c.telegram_id is not None} for c in self.contacts]}


def _calendar(session: Session, calendar: WorkCalendar | None) -> WorkCalendar:
    """Views count with the same calendar as the reminders: the official schedule and the admin-entered years."""
    if calendar is not None:
        return calendar
    from bot.deadlines.calendar import work_calendar

    return work_calendar(session)


def view_unit(session: Session, unit: Unit, calendar: WorkCalendar | None = None, score: float = 100.0) -> UnitView:
    """Each domain checked with its unit's kind (or its own), under the portal the registry holds, and its next
    step decided from the whole unit (a compliant domain already in use, the www name a registration serves)."""
    calendar = _calendar(session, calendar)
    domains = session.exec(select(Domain).where(Domain.unit_id == unit.id).order_by(Domain.is_chinese, Domain.name)).all()
    contacts = session.exec(select(Contact).where(Contact.unit_id == unit.id).order_by(Contact.id)).all()
    portal = "" if unit.kind == "portal" else (registry_advice(session, unit.name, [])[0] or "")
    return next(_without_held(session, [_build_view(unit, list(domains), list(contacts), calendar, score, portal)]))


def _row_class(model: type) -> type:
    """A stand-in for a model's row in bulk views: a named tuple with every column as an attribute of the same
    name (id first), no ORM state: a fifth of the cost of loading an ORM object."""
    names = tuple(model.__table__.columns.keys())
    assert names[0] == "id", names
    return namedtuple(f"{model.__name__}Row", names)


UnitRow, DomainRow = _row_class(Unit), _row_class(Domain)


def view_all(session: Session, calendar: WorkCalendar | None = None) -> Iterator[UnitView]:
    """Every unit's view, by unit name, from three queries (not three per unit) and one per 1,000 units for
    who holds the names suggested: reports and progress. Units and their domains come in one ordered join read
    in batches, so memory stays flat at any size; they are plain rows (UnitRow, DomainRow: the models'
    attributes, read-only), not ORM objects."""
    yield from _batched_without_held(session, _views(session, _calendar(session, calendar)))


def _views(session: Session, calendar: WorkCalendar) -> Iterator[UnitView]:
    portals = set(session.exec(select(Domain.name).join(Unit, Unit.id == Domain.unit_id)
                               .where(Unit.kind == "portal", Domain.status == Status.IN_USE, Domain.path == "")).all())
    contacts: dict[int, list[ContactInfo]] = {}
    for unit_id, *fields in session.exec(select(Contact.unit_id, Contact.name, Contact.phone, Contact.email,
                                                Contact.telegram_id).order_by(Contact.id)).all():
        contacts.setdefault(unit_id, []).append(ContactInfo(*fields))
    unit_columns = [Unit.__table__.c[name] for name in UnitRow._fields]
    domain_columns = [Domain.__table__.c[name] for name in DomainRow._fields]
    width = len(unit_columns)
    rows = session.connection().execute(
        select(*unit_columns, *domain_columns).join(Domain, Domain.unit_id == Unit.id, isouter=True)
        .order_by(Unit.name, Domain.is_chinese, Domain.name).execution_options(yield_per=2000))
    unit: UnitRow | None = None
    domains: list[DomainRow] = []
    for row in rows:
        if unit is None or row[0] != unit.id:
            if unit is not None:
                yield _build_view(unit, domains, contacts.get(unit.id, []), calendar, 100.0,
                                  _known_portal(unit, portals))
            unit, domains = UnitRow._make(row[:width]), []
        if row[width] is not None:  # the domain's id: None for a unit without domains
            domains.append(DomainRow._make(row[width:]))
    if unit is not None:
        yield _build_view(unit, domains, contacts.get(unit.id, []), calendar, 100.0, _known_portal(unit, portals))


def _batched_without_held(session: Session, views: Iterator[UnitView], size: int = 1000) -> Iterator[UnitView]:
    """The views with suggestions another unit holds left out, one query per `size` units (memory stays flat)."""
    batch: list[UnitView] = []
    for view in views:
        batch.append(view)
        if len(batch) >= size:
            yield from _without_held(session, batch)
            batch = []
    yield from _without_held(session, batch)


def _suggested_host(name: str) -> str:
    """The host a suggestion would take, or "" for a column (a path on the portal: a town's page is a site of
    its own, not the portal's host)."""
    parsed = parse_domain(name)
    return parsed.ascii if parsed.valid and not parsed.site_path else ""


def _without_held(session: Session, views: list[UnitView]) -> Iterator[UnitView]:
    """A report never suggests a name another unit holds in the registry (one query for the batch)."""
    wanted = {_suggested_host(e) for v in views for d in v.domains for e in d.expected} - {""}
    held: dict[str, int] = {}
    if wanted:
        rows = session.execute(text("SELECT name, unit_id FROM domain WHERE path = '' AND name IN :names")
                               .bindparams(bindparam("names", expanding=True)), {"names": sorted(wanted)}).all()
        held = {name: unit_id for name, unit_id in rows}
    for view in views:
        for d in view.domains:
            if d.expected and held:
                d.expected = [e for e in d.expected if held.get(_suggested_host(e), view.unit.id) == view.unit.id]
        yield view


def _known_portal(unit: Unit, portals: set[str]) -> str:
    """registry_advice's portal, answered from the portals in use loaded once (no query per unit)."""
    if unit.kind == "portal" or not portals:
        return ""
    for name in _unit_portal_names(unit.name):
        if name in portals or name[4:] in portals:
            return name
    return ""


def _unit_portal_names(unit_name: str) -> list[str]:
    """The www names the portal of the unit's place may have (the registered name is each without www.)."""
    parsed = parse_unit(unit_name)
    return _portal_candidates(parsed.place_full, tuple(p.name for p in parsed.regions)) if parsed.place_full else []


def _build_view(unit: Unit, domains: list[Domain], contacts: list, calendar: WorkCalendar, score: float,
                portal: str) -> UnitView:
    """Each domain checked with its unit's kind (or its own), under the portal the registry holds, and its next
    step decided from the whole unit."""
    results = {}
    own_hosts = {d.name for d in domains if not d.path}
    for domain in domains:
        kind = domain.kind or unit.kind
        results[domain.id] = check(site_text(domain), unit.name, kind, portal or None) \
            if not ip_host(domain.name) else check(domain.name, unit.name, kind, portal or None)
        if domain.path and domain.name not in own_hosts and not results[domain.id].compliant:
            # A column on a host the unit does not hold (another body's platform: www.hb.jcy.gov.cn/qingjiang):
            # the domain is its holder's business; the unit has no domain here to register or cancel.
            result = results[domain.id]
            result.problems, result.expected = [], []
            result.notes.append(f"这是 {domain.unicode or domain.name} 网站上的栏目，域名由该网站的主办单位管理，"
                                "本单位无需为它申请或注销域名")
    names = {d.name for d in domains}
    in_use = [d for d in domains if d.status == Status.IN_USE]
    views = []
    for domain in domains:
        result = results[domain.id]
        kind = domain.kind or unit.kind
        same_type = [d for d in in_use if d.is_chinese == domain.is_chinese]
        good = [d for d in same_type if results[d.id].compliant and d.id != domain.id]
        replacement = next((d for d in good if d.is_primary), good[0] if good else None)
        needs_primary = len([d for d in same_type if results[d.id].compliant]) > 1 and not any(
            d.is_primary for d in same_type)
        registered_for = ""
        if kind == "portal" and not result.compliant and {p.code for p in result.problems} <= {"portal_not_www"} \
                and len(domain.name.split(".")) == 3:
            www = f"www.{domain.name}"
            if www in names or check(www, unit.name, kind).compliant:
                registered_for = www
        action = next_action(domain.status, result.compliant, changed_on=domain.changed_on,
                             has_filings=bool(domain.icp_number or domain.gov_site_mark or domain.psb_number),
                             needs_primary=needs_primary, calendar=calendar,
                             problems=tuple(p.code for p in result.problems), kind=kind,
                             replacement=(site_text(replacement)) if replacement else "",
                             registered_for=registered_for)
        compliant = result.compliant or bool(registered_for)
        notes = list(result.notes)
        if portal and not result.compliant:
            notes.append(f"按登记册中的门户网站 {portal} 检查")
        views.append(DomainView(domain, compliant, [] if registered_for else [p.to_json() for p in result.problems],
                                action, kind, notes, list(result.expected),
                                site_text(replacement) if replacement else ""))
    return UnitView(unit, views, contacts, score, portal)


def lookup(session: Session, query: str, calendar: WorkCalendar | None = None, limit: int = 5,
           region: str | None = None, scope: UnitScope | None = None) -> list[UnitView]:
    """Exact domain (any accepted form) or IP, then the unit's name as written or read in the office's region
    (教育局 → 武定县教育局, 卫健局 → 武定县卫生健康局, 狮山镇 → 武定县狮山镇人民政府), a contact's name, phone or
    e-mail, then a fuzzy unit name. With a `scope`, only units in it are found (the domain of a unit out of
    scope is still returned, for the caller to refuse as a unit named directly)."""
    text = compact(query)
    if not text:
        return []
    calendar = _calendar(session, calendar)
    ip = ip_host(query)
    if ip or looks_like_domain(query.strip()):
        domain = find_site(session, query.strip(), fallback=True)
        if domain:
            return [view_unit(session, session.get(Unit, domain.unit_id), calendar)]
        return []

    def seen(units: list[Unit]) -> list[Unit]:
        return units if scope is None else [u for u in units if scope.holds(u)]

    unit = session.exec(select(Unit).where(name_is(text))).first()
    if unit and (scope is None or scope.holds(unit)):
        return [view_unit(session, unit, calendar)]
    units = seen(_units_by_short_name(session, text, home_region(session, region)))
    if units:
        return [view_unit(session, u, calendar) for u in units[:limit]]
    contacts = _contacts_matching(session, text)
    if contacts:
        found = seen(list({c.unit_id: session.get(Unit, c.unit_id) for c in contacts}.values()))
        if found or scope is None:
            return [view_unit(session, u, calendar) for u in found][:limit]
    wide = qualify(text, home_region(session, region))
    return [view_unit(session, session.get(Unit, unit_id), calendar, score)
            for unit_id, score in NAME_INDEX.search(session, wide, limit, scope)]


def units_by_short_name(session: Session, query: str, region: str | None = None) -> list[Unit]:
    """The units a short name or a name without its place stands for in the office's region (教育局 →
    武定县教育体育局), as /status reads it; [] when it names none."""
    text = compact(query)
    return _units_by_short_name(session, text, home_region(session, region)) if text else []


def _units_by_short_name(session: Session, text: str, region: str) -> list[Unit]:
    """The names a unit may be registered under when the query is a short name or lacks the place."""
    wide = qualify(text, region)
    parsed = parse_unit(wide)
    place = parsed.place_name or parsed.place_full
    names = [wide]
    if parsed.town:
        names += [wide + "人民政府", wide + "政府", wide.replace(parsed.town, parsed.town + "人民政府")]
    dept = parsed.department or find_department(parsed.unit)
    if dept and place:
        prefix = wide[: len(wide) - len(parsed.unit)] if wide.endswith(parsed.unit) else place
        names += [prefix + n for n in (dept.name, dept.short, *dept.aliases)]
    names = list(dict.fromkeys(n for n in names if n))
    units = list(session.exec(select(Unit).where(name_in(names))).all())
    if not units and parsed.town:
        units = list(session.exec(select(Unit).where(Unit.name.contains(parsed.town)).limit(5)).all())
    order = {n: i for i, n in enumerate(names)}
    return sorted(units, key=lambda u: order.get(u.name.lower(), len(order)))


def _contacts_matching(session: Session, text: str) -> list[Contact]:
    digits = "".join(ch for ch in text if ch.isdigit())
    if "@" in text:
        return list(session.exec(select(Contact).where(func.lower(Contact.email) == text.lower())).all())
    if len(digits) >= 5 and len(digits) >= len(text) - 3:
        # phones are stored as typed (0718-7220012, (0878) 8711677): compare their digits with the query's
        stored_digits = Contact.phone
        for mark in ("-", " ", "(", ")", "（", "）", "+"):
            stored_digits = func.replace(stored_digits, mark, "")
        return list(session.exec(select(Contact).where(stored_digits.contains(digits)).limit(10)).all())
    return list(session.exec(select(Contact).where(Contact.name == text)).all())


def find_site(session: Session, text: str, www: bool = True, fallback: bool = False) -> Domain | None:
    """The registered site `text` names (any accepted form, or an IP address): its host and path exactly, so a
    column (www.wuding.gov.cn/shishan) is never its host's whole site; with `www`, www. added when the bare host
    is not registered; with `fallback`, a path not registered finds its host's whole site (who holds it)."""
    ip = ip_host(text)
    parsed = parse_domain(text)
    host = ip or (parsed.ascii if parsed.valid else "")
    if not host:
        return None
    path = parsed.site_path

    def get(name: str, where: str) -> Domain | None:
        return session.exec(select(Domain).where(Domain.name == name, Domain.path == where)).first()

    hosts = [host] + ([f"www.{host}"] if www and not ip and not host.startswith("www.") else [])
    for wanted in [path, ""] if fallback and path else [path]:
        for name in hosts:
            if (found := get(name, wanted)) is not None:
                return found
    return None


def domain_by_name(session: Session, name: str) -> Domain | None:
    """The site `name` names exactly (host and path), as edits and /history take it."""
    return find_site(session, name, www=False)


def history(session: Session, name: str, limit: int = 20) -> list[AuditLog]:
    domain = domain_by_name(session, name)
    if domain is None:
        raise RegistryError(texts.NO_SUCH_DOMAIN.format(name=name[:100]))
    return list(session.exec(select(AuditLog).where(AuditLog.entity == "domain", AuditLog.entity_id == domain.id)
                             .order_by(AuditLog.id.desc()).limit(limit)).all())


def unit_history(session: Session, unit: Unit, limit: int = 30) -> list[AuditLog]:
    """A unit's trail: its own changes, its contacts' (a removed contact too: their entries name the unit) and
    its domains'."""
    domain_ids = list(session.exec(select(Domain.id).where(Domain.unit_id == unit.id)).all())
    mine = or_(and_(AuditLog.entity == "unit", AuditLog.entity_id == unit.id),
               and_(AuditLog.entity == "contact", AuditLog.summary.startswith(f"{unit.name} ", autoescape=True)))
    if domain_ids:
        mine = or_(mine, and_(AuditLog.entity == "domain", AuditLog.entity_id.in_(domain_ids)))
    return list(session.exec(select(AuditLog).where(mine).order_by(AuditLog.id.desc()).limit(limit)).all())


OTHER_UNIT = "其他单位"  # a unit out of the reader's scope, where an answer has to mention one


def unit_names_of(session: Session, entries: list[AuditLog], scope: UnitScope | None = None) -> dict[int, str]:
    """The names of the units the audit entries mention (unit_id in their snapshots), so none shows as a row id;
    with a `scope`, a unit out of it (the one a domain moved from) is only “其他单位”."""
    ids = {v for e in entries for snap in (e.before, e.after) if snap
           for k, v in json.loads(snap).items() if k == "unit_id" and isinstance(v, int)}
    if not ids:
        return {}
    names = dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(sorted(ids)))).all())
    if scope is None:
        return names
    seen = set(session.exec(select(Unit.id).where(Unit.id.in_(sorted(ids)), scope.clause())).all())
    return {uid: name if uid in seen else OTHER_UNIT for uid, name in names.items()}


def name_is(key: str):
    """Unit.name equal to a `compact` key. Names keep their case (R&D), keys are lower case: a key with Latin
    letters is compared with lower(name); any other (nearly all) uses the name's index."""
    return func.lower(Unit.name) == key if _has_letters(key) else Unit.name == key


def name_in(keys: list[str]):
    """`name_is` for several keys."""
    plain, lettered = [k for k in keys if not _has_letters(k)], [k for k in keys if _has_letters(k)]
    return or_(Unit.name.in_(plain), func.lower(Unit.name).in_(lettered)) if lettered else Unit.name.in_(plain)


def _has_letters(key: str) -> bool:
    return any("a" <= ch <= "z" for ch in key)


def find_unit_id(session: Session, unit_name: str) -> int | None:
    """The unit called `unit_name`, or the one its name is a near-certain misspelling of (score ≥ 90)."""
    unit_id = session.exec(select(Unit.id).where(name_is(compact(unit_name)))).first()
    if unit_id is None:
        matches = NAME_INDEX.search(session, unit_name, 1)
        unit_id = matches[0][0] if matches and matches[0][1] >= 90 else None
    return unit_id


def registry_advice(session: Session, unit_name: str, candidates: list[str]) -> tuple[str | None, list[str]]:
    """One indexed query: the portal the registry knows for the unit's place (the first of the names that
    place's portal may have, www or the registered name behind it), and notes on `candidates` (ASCII domains)
    that another unit already holds."""
    portals = [name for p in _unit_portal_names(unit_name) for name in (p, p[4:])]
    wanted = list(dict.fromkeys([*candidates, *portals]))
    if not wanted:
        return None, []
    rows = session.execute(
        text("SELECT d.name, u.name, u.kind, d.status FROM domain d JOIN unit u ON u.id = d.unit_id "
             "WHERE d.name IN :names AND d.path = ''").bindparams(bindparam("names", expanding=True)), {"names": wanted}).all()
    found = {name: (holder, kind, status) for name, holder, kind, status in rows}
    portal = next((p for p in portals if p in found and found[p][1] == "portal" and found[p][2] == Status.IN_USE), None)
    if portal and not portal.startswith("www."):
        portal = f"www.{portal}"
    own = compact(unit_name)
    notes = [f"{c} 已登记为“{found[c][0]}”的域名" for c in candidates if c in found and found[c][0].lower() != own]
    return portal, notes


def registry_holder(session: Session, domain: str, scope: UnitScope | None = None
                    ) -> tuple[str, str | None, str | None] | None:
    """(unit name, its kind or the domain's own, the portal registered for its place) of the unit that holds
    `domain` in the registry, or None: a bare domain is checked as the unit it is registered for. With a
    `scope`, only a unit in it (another office's unit is not named to the asker)."""
    parsed = parse_domain(domain)
    if not parsed.valid:
        return None
    row = session.exec(select(Domain, Unit).join(Unit, Unit.id == Domain.unit_id)
                       .where(Domain.name == parsed.ascii)).first()
    if row is None:
        return None
    held, unit = row
    if scope is not None and not scope.holds(unit):
        return None
    kind = held.kind or unit.kind or None
    portal = None if kind == "portal" else registry_advice(session, unit.name, [])[0]
    return unit.name, kind, portal


def registry_taken(session: Session, unit_name: str, candidates: list[str],
                   scope: UnitScope | None = None) -> dict[str, str]:
    """Which of `candidates` (ASCII domains) a unit other than `unit_name` holds, and that unit's name (one
    indexed query); with a `scope`, a holder out of it is only “其他单位” (the name is taken, whose is not said)."""
    if not candidates:
        return {}
    rows = session.execute(
        text("SELECT d.name, u.name, u.id, u.office_id FROM domain d JOIN unit u ON u.id = d.unit_id "
             "WHERE d.name IN :names")
        .bindparams(bindparam("names", expanding=True)), {"names": list(dict.fromkeys(candidates))}).all()
    own = compact(unit_name)
    return {name: holder if scope is None or scope.holds_row(uid, office) else OTHER_UNIT
            for name, holder, uid, office in rows if holder != own}


def registry_suggest(session: Session, unit_name: str, kind: str | None = None, parent: str | None = None,
                     advice: Suggestion | None = None, scope: UnitScope | None = None) -> Suggestion:
    """suggest() that never offers a domain another unit holds in the registry: the naming model's next
    spellings instead, with a note saying which were passed over and who holds them (one indexed query; with a
    `scope`, a holder out of it is not named)."""
    advice = advice or suggest(unit_name, kind, parent)
    shown = [d.split("/", 1)[0] for d in advice.english] + [a for a in advice.to_json()["chinese_ascii"] if a]
    taken = registry_taken(session, unit_name, [*shown, *advice.pool], scope)
    passed = [name for name in shown if name in taken]
    if not passed:
        return advice
    again = suggest(unit_name, kind or advice.kind, parent, taken=frozenset(taken))
    notes = [f"{name} 已登记为“{taken[name]}”的域名，已改荐其他写法" for name in passed[:3]]
    return dataclasses.replace(again, notes=[*again.notes, *notes])


def registry_check_context(session: Session, unit_name: str) -> tuple[str | None, str | None]:
    """(the unit's kind if it is registered, the portal registered for its place) for checking its domains."""
    unit = session.exec(select(Unit).where(name_is(compact(unit_name)))).first()
    kind = unit.kind if unit else None
    portal = None if kind == "portal" else registry_advice(session, unit_name, [])[0]
    return kind, portal


@lru_cache(maxsize=4096)
def _portal_candidates(place: str, regions: tuple[str, ...]) -> list[str]:
    """The names a place's portal may have: www.[region prefix]spelling.gov.cn."""
    from knowledge.naming import name_spellings

    cores = name_spellings(place)
    prefixes = [""] + [p for region in regions for p in name_spellings(region)[:4]]
    return [f"www.{prefix}{core}.gov.cn" for prefix in prefixes for core in cores]
