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

from sqlalchemy import and_, bindparam, false, func, literal_column, or_, text
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
        """SQL: a unit row (or a row joined to it) is in the scope. Indexed on unit.office_id and unit.id (only
        the halves that hold something: an empty one would still be an OR the planner has to read around)."""
        parts = ([Unit.office_id.in_(sorted(self.offices))] if self.offices else []) + \
            ([Unit.id.in_(self.units)] if self.units else [])
        return or_(*parts) if len(parts) > 1 else parts[0] if parts else false()

    def unit_ids(self, session: Session) -> set[int]:
        return set(session.exec(select(Unit.id).where(self.clause())).all())

    def holds(self, unit: Unit) -> bool:
        return self.holds_row(unit.id, unit.office_id)

    def holds_row(self, unit_id: int | None, office_id: int | None) -> bool:
        return unit_id in self.units or (office_id is not None and office_id in self.offices)


# -- lookup ------------------------------------------------------------------------------------------------
class UnitNameIndex:
    """Unit names (and their offices) in memory for rapidfuzz, kept in step with the unit table (its count and
    last update).

    A change reads only the units updated after the newest one seen (an index of 100,000 names read in full
    holds the GIL for a few hundred ms, a wait for every chat when it happened inside a reply); the full read
    is left for the first use and for units removed. `refresh` is also called off the hot path (after the
    warm-up and after an import), so replies find the index current. A scoped search takes its candidates
    from the index's own office lists: no query for the thousands of units a prefecture's admin may see."""

    # How long the newest audit entry alone vouches for the index: every registry change writes one, but two
    # transactions may commit their entries out of id order, so the table's own stamp is read again this often.
    RECHECK_SECONDS = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._seen: tuple[int, float] | None = None  # (newest audit id, when the stamp was last read)
        self._names: list[str] = []
        self._ids: list[int] = []
        self._offices: list[int | None] = []
        self._by_office: dict[int | None, list[int]] = {}  # office → positions of its units
        self._positions: dict[int, int] = {}

    def refresh(self, session: Session) -> None:
        """Bring the names up to date with the unit table: nothing when no audit entry was written since the
        last look (one primary-key lookup; the unit table's count and newest update, a scan of the table, at
        most every RECHECK_SECONDS), else the units updated since the last look, else (units removed, first
        use) all of them."""
        from bot.registry.audit import last_change

        mark, now = last_change(session), time.monotonic()
        seen = self._seen
        if seen is not None and seen[0] == mark and now - seen[1] < self.RECHECK_SECONDS:
            return
        stamp = tuple(session.exec(select(func.count(Unit.id), func.max(Unit.updated_at))).one())
        with self._lock:
            if stamp != self._stamp:
                self._read(session, stamp)
        self._seen = (mark, now)

    def _read(self, session: Session, stamp: tuple) -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        read = self._changed_since(session, stamp)
        how = "changed"
        if read is None:
            how = "all"
            rows = session.exec(select(Unit.id, Unit.name, Unit.office_id)).all()
            self._swap([r[0] for r in rows], [compact(r[1]) for r in rows], [r[2] for r in rows])
            read = len(rows)
        self._stamp = stamp
        log.info("unit name index: %s read, %d rows, %d names, %.0f ms (%.0f ms CPU)", how, read, len(self._ids),
                 (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000)

    def _swap(self, ids: list[int], names: list[str], offices: list[int | None]) -> None:
        """New lists in place of the old (a search running meanwhile keeps the set it took)."""
        by_office: dict[int | None, list[int]] = {}
        for i, office in enumerate(offices):
            by_office.setdefault(office, []).append(i)
        self._ids, self._names, self._offices, self._by_office = ids, names, offices, by_office
        self._positions = {uid: i for i, uid in enumerate(ids)}

    def _changed_since(self, session: Session, stamp: tuple) -> int | None:
        """Apply the units updated after the newest update seen and return how many were read; None when that
        cannot account for the table (units removed, or written with an older time) and a full read is needed."""
        if self._stamp is None or self._stamp[1] is None or stamp[1] is None or stamp[0] < len(self._ids):
            return None
        # Strictly later: an import stamps all its rows with one time, and ">=" would read them all again.
        rows = session.exec(select(Unit.id, Unit.name, Unit.office_id).where(Unit.updated_at > self._stamp[1])).all()
        ids, names, offices, positions = list(self._ids), list(self._names), list(self._offices), self._positions
        for uid, name, office in rows:
            at = positions.get(uid)
            if at is None:
                at = len(ids)
                ids.append(uid)
                names.append("")
                offices.append(None)
            names[at], offices[at] = compact(name), office
        if len(ids) != stamp[0]:
            return None
        self._swap(ids, names, offices)
        return len(rows)

    def search(self, session: Session, query: str, limit: int, scope: UnitScope | None = None) -> list[tuple[int, float]]:
        self.refresh(session)
        with self._lock:
            names, ids, by_office, positions = self._names, self._ids, self._by_office, self._positions
        queries = _query_forms(query)
        # Names that mention the query's place are the candidates; without a place, all names are; a scoped
        # search ranks only the units in scope (a county's best matches are never crowded out by a sibling's).
        if scope is None:
            candidates = range(len(names))
        else:
            candidates = sorted({*(i for office in scope.offices for i in by_office.get(office, ())),
                                 *(positions[u] for u in scope.units if u in positions)})
        stem = parse_unit(query).place_stem
        pool = [i for i in candidates if stem in names[i]] if stem else candidates
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
    return view_units(session, [unit], calendar, [score])[0]


def view_units(session: Session, units: list[Unit], calendar: WorkCalendar | None = None,
               scores: list[float] | None = None) -> list[UnitView]:
    """view_unit for each of `units`, in their order, from four queries in all (a search's five matches cost
    what one does: 25 queries were 10 ms of a scoped /status on a busy PostgreSQL)."""
    if not units:
        return []
    calendar = _calendar(session, calendar)
    ids = [u.id for u in units]
    domains: dict[int, list[Domain]] = {}
    for domain in session.exec(select(Domain).where(Domain.unit_id.in_(ids))
                               .order_by(Domain.is_chinese, Domain.name)).all():
        domains.setdefault(domain.unit_id, []).append(domain)
    contacts: dict[int, list[Contact]] = {}
    for contact in session.exec(select(Contact).where(Contact.unit_id.in_(ids)).order_by(Contact.id)).all():
        contacts.setdefault(contact.unit_id, []).append(contact)
    portals = registry_portals(session, [u.name for u in units if u.kind != "portal"])
    views = [_build_view(unit, domains.get(unit.id, []), contacts.get(unit.id, []), calendar,
                         scores[i] if scores else 100.0, "" if unit.kind == "portal" else portals.get(unit.name, ""))
             for i, unit in enumerate(units)]
    return list(_without_held(session, views))


def _units_by_id(session: Session, ids: list[int]) -> list[Unit]:
    """The units of `ids` in that order (one query)."""
    found = {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(ids))).all()} if ids else {}
    return [found[i] for i in ids if i in found]


def _row_class(model: type) -> type:
    """A stand-in for a model's row in bulk views: a named tuple with every column as an attribute of the same
    name (id first), no ORM state: a fifth of the cost of loading an ORM object."""
    names = tuple(model.__table__.columns.keys())
    assert names[0] == "id", names
    return namedtuple(f"{model.__name__}Row", names)


UnitRow, DomainRow = _row_class(Unit), _row_class(Domain)


def view_all(session: Session, calendar: WorkCalendar | None = None,
             scope: UnitScope | None = None) -> Iterator[UnitView]:
    """Every unit's view, by unit name, from three queries (not three per unit) and one per 1,000 units for
    who holds the names suggested: reports and progress. Units and their domains come in one ordered join read
    in batches, so memory stays flat at any size; they are plain rows (UnitRow, DomainRow: the models'
    attributes, read-only), not ORM objects. With a `scope`, only its units (an office's report)."""
    yield from _batched_without_held(session, _views(session, _calendar(session, calendar), scope))


def _views(session: Session, calendar: WorkCalendar, scope: UnitScope | None = None) -> Iterator[UnitView]:
    portals = set(session.exec(select(Domain.name).join(Unit, Unit.id == Domain.unit_id)
                               .where(Unit.kind == "portal", Domain.status == Status.IN_USE, Domain.path == "")).all())
    contacts: dict[int, list[ContactInfo]] = {}
    contact_query = select(Contact.unit_id, Contact.name, Contact.phone, Contact.email, Contact.telegram_id)
    if scope is not None:
        contact_query = contact_query.join(Unit, Unit.id == Contact.unit_id).where(scope.clause())
    for unit_id, *fields in session.exec(contact_query.order_by(Contact.id)).all():
        contacts.setdefault(unit_id, []).append(ContactInfo(*fields))
    unit_columns = [Unit.__table__.c[name] for name in UnitRow._fields]
    domain_columns = [Domain.__table__.c[name] for name in DomainRow._fields]
    width = len(unit_columns)
    query = select(*unit_columns, *domain_columns).join(Domain, Domain.unit_id == Unit.id, isouter=True)
    if scope is not None:
        query = query.where(scope.clause())
    rows = session.connection().execute(
        query.order_by(Unit.name, Domain.is_chinese, Domain.name).execution_options(yield_per=2000))
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
           region: str | None = None, scope: UnitScope | None = None, reading: str | None = None) -> list[UnitView]:
    """Exact domain (any accepted form) or IP, then the unit's name as written or read in the office's region
    (教育局 → 武定县教育局, 卫健局 → 武定县卫生健康局, 狮山镇 → 武定县狮山镇人民政府), a contact's name, phone or
    e-mail, then a fuzzy unit name. With a `scope`, only units in it are found, by any of these (`status
    --office` prints what it returns; views_for refuses an empty answer alike for every cause). `reading`: the
    place a name without one is read in, when not the deployment's region (an office's: 教育局 from 禄丰市's
    admin)."""
    text = compact(query)
    if not text:
        return []
    calendar = _calendar(session, calendar)
    where = reading or home_region(session, region)
    ip = ip_host(query)
    if ip or looks_like_domain(query.strip()):
        domain = find_site(session, query.strip(), fallback=True)
        unit = session.get(Unit, domain.unit_id) if domain else None
        return [view_unit(session, unit, calendar)] if unit and (scope is None or scope.holds(unit)) else []

    def seen(units: list[Unit]) -> list[Unit]:
        return units if scope is None else [u for u in units if scope.holds(u)]

    if not _names_a_contact(text):  # a phone number or an e-mail address is no unit's name
        unit = session.exec(select(Unit).where(name_is(text))).first()
        if unit and (scope is None or scope.holds(unit)):
            return [view_unit(session, unit, calendar)]
        units = seen(_units_by_short_name(session, text, where, scope))
        if units:
            return view_units(session, units[:limit], calendar)
    contacts = _contacts_matching(session, text, scope)
    if contacts:
        found = seen(_units_by_id(session, list(dict.fromkeys(c.unit_id for c in contacts))))
        if found or scope is None:
            return view_units(session, found[:limit], calendar)
    matches = NAME_INDEX.search(session, qualify(text, where), limit, scope)
    units = _units_by_id(session, [unit_id for unit_id, _ in matches])
    score = dict(matches)
    return view_units(session, units, calendar, [score[u.id] for u in units])


def units_by_short_name(session: Session, query: str, region: str | None = None) -> list[Unit]:
    """The units a short name or a name without its place stands for in the office's region (教育局 →
    武定县教育体育局), as /status reads it; [] when it names none."""
    text = compact(query)
    return _units_by_short_name(session, text, home_region(session, region)) if text else []


def _units_by_short_name(session: Session, text: str, region: str, scope: UnitScope | None = None) -> list[Unit]:
    """The names a unit may be registered under when the query is a short name or lacks the place (a town's
    name found anywhere in a name: only among the units in `scope`, so five of another office's never crowd
    out the asker's, and the search reads the scope's units by index, not the whole table)."""
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
        within = select(Unit).where(Unit.name.contains(parsed.town))
        units = list(session.exec((within if scope is None else within.where(scope.clause())).limit(5)).all())
    order = {n: i for i, n in enumerate(names)}
    return sorted(units, key=lambda u: order.get(u.name.lower(), len(order)))


def _names_a_contact(text: str) -> bool:
    """Whether a search is an e-mail address or a phone number (five digits or more, little else)."""
    digits = sum(ch.isdigit() for ch in text)
    return "@" in text or (digits >= 5 and digits >= len(text) - 3)


def _contacts_matching(session: Session, text: str, scope: UnitScope | None = None) -> list[Contact]:
    """Contacts by e-mail, phone digits or name (each indexed: ix_contact_email_lower, ix_contact_phone_digits,
    ix_contact_name); with a `scope`, only those of units in it, so a sibling office's never crowd out the
    asker's within the limit."""
    digits = "".join(ch for ch in text if ch.isdigit())
    contacts = select(Contact) if scope is None else select(Contact).join(Unit, Unit.id == Contact.unit_id).where(
        scope.clause())
    if "@" in text:
        return list(session.exec(contacts.where(func.lower(Contact.email) == text.lower())).all())
    if _names_a_contact(text):
        # phones are stored as typed (0718-7220012, (0878) 8711677): compare their digits with the query's, the
        # whole number first (indexed: ix_contact_phone_digits), then a part of one (a scan of the contacts)
        whole = list(session.exec(contacts.where(phone_digits() == digits).limit(10)).all())
        return whole or list(session.exec(contacts.where(phone_digits().contains(digits)).limit(10)).all())
    return list(session.exec(contacts.where(Contact.name == text)).all())


PHONE_MARKS = ("-", " ", "(", ")", "（", "）", "+")


def phone_digits():
    """SQL: a contact's phone as typed reduced to its digits, the marks written as constants: the expression the
    index ix_contact_phone_digits (migration 0012_scale) is built on, which the database uses only for the
    same expression."""
    stored = Contact.phone
    for mark in PHONE_MARKS:
        stored = func.replace(stored, literal_column(f"'{mark}'"), literal_column("''"))
    return stored


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
    letters is compared with lower(name) (indexed: ix_unit_name_lower); any other (nearly all) uses the name's
    index."""
    return func.lower(Unit.name) == key if _has_letters(key) else Unit.name == key


def name_in(keys: list[str]):
    """`name_is` for several keys."""
    plain, lettered = [k for k in keys if not _has_letters(k)], [k for k in keys if _has_letters(k)]
    return or_(Unit.name.in_(plain), func.lower(Unit.name).in_(lettered)) if lettered else Unit.name.in_(plain)


def _has_letters(key: str) -> bool:
    return any("a" <= ch <= "z" for ch in key)


def find_unit_id(session: Session, unit_name: str, scope: UnitScope | None = None) -> int | None:
    """The unit called `unit_name`, or the one its name is a near-certain misspelling of (score ≥ 90; with a
    `scope`, among the units in it)."""
    unit_id = session.exec(select(Unit.id).where(name_is(compact(unit_name)))).first()
    if unit_id is None:
        matches = NAME_INDEX.search(session, unit_name, 1, scope)
        unit_id = matches[0][0] if matches and matches[0][1] >= 90 else None
    return unit_id


# The holding unit's column of a domain row, read by primary key. Not a join: with a hundred names asked
# (a portal's spellings) PostgreSQL plans a join as a hash join over the whole unit table (2.6 ms at 20,000
# units, measured by benchmarks/bench_offices.py) although one or two domains match.
_HOLDER = "(SELECT u.{} FROM unit u WHERE u.id = d.unit_id)"


def registry_advice(session: Session, unit_name: str, candidates: list[str]) -> tuple[str | None, list[str]]:
    """One indexed query: the portal the registry knows for the unit's place (the first of the names that
    place's portal may have, www or the registered name behind it), and notes on `candidates` (ASCII domains)
    that another unit already holds."""
    portals = [name for p in _unit_portal_names(unit_name) for name in (p, p[4:])]
    wanted = list(dict.fromkeys([*candidates, *portals]))
    if not wanted:
        return None, []
    found = _held(session, wanted)
    own = compact(unit_name)
    notes = [f"{c} 已登记为“{found[c][0]}”的域名" for c in candidates if c in found and found[c][0].lower() != own]
    return _registered_portal(portals, found) or None, notes


def registry_portals(session: Session, unit_names: list[str]) -> dict[str, str]:
    """registry_advice's portal for each of several units, in one query ('' where none is registered)."""
    portals = {n: [name for p in _unit_portal_names(n) for name in (p, p[4:])] for n in unit_names}
    found = _held(session, list(dict.fromkeys(name for names in portals.values() for name in names)))
    return {n: _registered_portal(names, found) for n, names in portals.items()}


def _held(session: Session, names: list[str]) -> dict[str, tuple[str, str, str]]:
    """Domain (whole site) → (holding unit's name, its kind, the domain's status), for those of `names` held."""
    if not names:
        return {}
    rows = session.execute(
        text(f"SELECT d.name, {_HOLDER.format('name')}, {_HOLDER.format('kind')}, d.status FROM domain d "
             "WHERE d.name IN :names AND d.path = ''").bindparams(bindparam("names", expanding=True)), {"names": names}).all()
    return {name: (holder, kind, status) for name, holder, kind, status in rows}


def _registered_portal(portals: list[str], found: dict[str, tuple[str, str, str]]) -> str:
    """The first of a place's portal names held by a portal in use, as its www name ('' for none)."""
    portal = next((p for p in portals if p in found and found[p][1] == "portal" and found[p][2] == Status.IN_USE), "")
    return f"www.{portal}" if portal and not portal.startswith("www.") else portal


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
