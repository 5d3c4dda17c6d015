"""Writing checked rows to the registry in bulk: units, domains and contacts upserted as plain tuples, every change
audited, identical rows changing nothing, a later state never undone by an older sheet."""
from __future__ import annotations

import datetime as dt
import operator
import pickle
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.db.bulk import bulk_update as _bulk_update
from bot.db.bulk import execute_tuples, insert_tuples
from bot.db.models import AuditLog, Contact, Domain, Unit, utcnow
from bot.offices.service import office_codes, office_for_name
from bot.registry.audit import AUDITED_DOMAIN_FIELDS, Generation, dumps, jsonable
from bot.registry.lookup import UnitScope
from bot.registry.sheet_rows import ImportReport, ParsedRow
from bot.registry.sheets import SpreadsheetError
from knowledge.offices import encloses, place_of_unit
from knowledge.places import Place
from knowledge.registry_model import STAGE, Status
from knowledge.units import written_forms

# -- writing -----------------------------------------------------------------------------------------------
_EMPTY = (None, "", False)  # a new row's empty fields say nothing in its audit entry
DOMAIN_FIELDS = ("unicode", "is_chinese", "is_primary", "status", "registrar", "registered_on", "expires_on",
                 "changed_on", "icp_number", "gov_site_mark", "psb_number", "notes", "kind", "site_name")
_NEW_DOMAIN = ("name", "path", "unit_id", *DOMAIN_FIELDS, "updated_at")  # a new site's tuple
_row_fields = operator.attrgetter(*(f if f != "kind" else "domain_kind" for f in DOMAIN_FIELDS))
_AUDITED_AT = tuple((k, _NEW_DOMAIN.index(k)) for k in AUDITED_DOMAIN_FIELDS)  # where each audited field sits
_NEW_CONTACT = ("unit_id", "name", "phone", "email", "telegram_id", "updated_at")
_NEW_UNIT = ("name", "kind", "region", "short_name", "parent_id", "updated_at", "office_id")
_AUDIT = ("at", "actor", "action", "entity", "entity_id", "summary", "before", "after")


@dataclass(frozen=True)
class ImportTarget:
    """Which office a sheet is for: `office` (None: the home office) takes every unit the sheet names (`domainbot
    import --office`, or an office admin's upload); `place` bounds where its units may be; `scope`, when set, is
    what the importer may touch: a unit of another office, or a place outside `place`, refuses the whole file."""
    office: int | None
    place: Place | None = None
    scope: UnitScope | None = None


def apply_rows(session: Session, rows: list[ParsedRow], actor: str, report: ImportReport,
               progress: Callable[[int], None] | None = None, region: str = "",
               target: ImportTarget | None = None) -> ImportReport:
    """Upsert units, domains and contacts in bulk (plain tuples to the driver, not ORM objects: 100,000 rows in
    seconds); audit every change; identical rows change nothing. `region`: as the rows were read with it."""
    writer = _Writer(session, actor, report, region, target)
    writer.add(rows, progress)
    return writer.finish(progress)


_IN_LIST = 500  # values in one SQL "IN (…)" list


class _Writer:
    """`apply_rows` in steps: `add` the validated rows as they come (in file order), then `finish` once. The
    registry and its audit log come out exactly as from one `apply_rows` of all the rows: unit ids in order of
    first appearance, domain ids in row order, and the audit rows of new units first, then those of new
    domains, then every other change (held until `finish`). Memory stays that of one step: the rows are not
    kept (only the few that `finish` needs), the audit rows of new units and domains are held packed."""

    def __init__(self, session: Session, actor: str, report: ImportReport, region: str = "",
                 target: ImportTarget | None = None) -> None:
        self.session, self.actor, self.report, self.region, self.target = session, actor, report, region, target
        from bot.registry.importlock import hold_import_lock

        hold_import_lock(session)  # before any read: a concurrent import's rows are then seen, not re-inserted
        self.now = utcnow()
        Generation.bump()
        # keyed by the compared (lower-case) form of the name, as rows name their unit
        self.units, self.unit_offices = {}, {}
        for uid, name, office in session.exec(select(Unit.id, Unit.name, Unit.office_id)).all():
            self.units[name.lower()], self.unit_offices[uid] = uid, office
        self.office_codes = office_codes(session)
        self.office_moves: dict[int, tuple[str, int | None]] = {}  # unit → (name, office before) for a target office
        # The registered domains are read a step at a time, not all at once (~55 MB at 100k domains): those with
        # ids up to `last_old` are the registry as it stood, since updates are written at `finish` and the file
        # names each domain once.
        self.columns = [getattr(Domain, f) for f in ("id", "name", "path", "unit_id", *DOMAIN_FIELDS)]
        self.last_old = _max_id(session, Domain)
        self.registered_dated: dict[str, int] = {}  # the ids of registered domains among `dated`
        self.last_unit = _max_id(session, Unit)  # units above it are this import's
        self.unit_kinds: dict[int, tuple[str, str, str]] = {}  # registered unit → (name, its kind, the sheet's)
        # Registered contacts too are read a step at a time (those of the step's units, ids up to `last_contact`).
        self.last_contact = _max_id(session, Contact)
        self.first_seen: dict[tuple[int, str], int] = {}  # registered contacts in the order the file first names them
        # a registered contact whose row differs from the registry, or that a later row may change back: its
        # registered (id, phone, e-mail) and its last row's (phone, e-mail)
        self.wanted_contacts: dict[tuple[int, str], tuple[tuple, tuple[str, str]]] = {}
        self.contacts_created = 0
        self.new_contacts: set[tuple[int, str]] = set()  # (unit id, name) of those this import inserted
        self.repeated: dict[tuple[int, str], tuple[str, str]] = {}  # the last phone and e-mail of new ones seen again
        # contacts a person replaced after the sheet was made (/setcontact, an approved change): "单位 姓名" of the
        # audit log's removals; an older sheet naming them again does not bring them back
        self.replaced_contacts = set(session.exec(select(AuditLog.summary).where(
            AuditLog.entity == "contact", AuditLog.action == "delete")).all())
        self.contacts_kept_out: set[tuple[str, str]] = set()
        self.count = 0  # rows added
        self.marked: dict[tuple[int, bool], str] = {}  # (unit id, Chinese?) → the domain a row marks 主域名
        self.dated: list[tuple] = []  # rows that may start a deadline (公告中, 已注销 with a date)
        self.dated_domains: set[str] = set()  # their domains
        self.unit_audits: list[bytes] = []  # packed (_pack) audit rows of new units, then those of new domains
        self.created_audits: list[bytes] = []
        self.audits: list[tuple] = []
        self.inserts: list[tuple] = []
        self.updates: list[dict] = []
        self.created = 0  # new domains
        self.inserted: dict[str, int] = {}  # the ids of new domains in `dated`

    def add(self, rows: list[ParsedRow], progress: Callable[[int], None] | None = None) -> None:
        session, now, actor, report, units = self.session, self.now, self.actor, self.report, self.units
        start = self.count
        self.count += len(rows)
        new_units: dict[str, tuple] = {}
        for row in rows:
            if row.unit not in units and row.unit not in new_units:
                # 狮山镇, imported before the region was known, is the 武定县狮山镇 this row names: the same unit.
                registered = next((units[n] for n in written_forms(row.unit, self.region) if n in units), None)
                if registered is not None:
                    units[row.unit] = registered
                else:
                    name = row.name or row.unit
                    new_units[row.unit] = (name, row.kind, row.region, "", None, now, self._office_of_new(row.row, name))
        if new_units:
            before = _max_id(session, Unit)
            insert_tuples(session, Unit, _NEW_UNIT, new_units.values())
            inserted = _new_ids(session, Unit, [values[0] for values in new_units.values()], before)
            units.update({key: inserted[values[0]] for key, values in new_units.items()})
            self.unit_audits.append(_pack([(units[name.lower()], name[:400], dumps({"name": name, "kind": kind, "region": region}))
                                           for name, kind, region, *_ in new_units.values()]))
            report.units_created += len(new_units)
        if self.target is not None:
            self._to_target(rows)
        self._compare_kinds(rows)
        marked, dated = self.marked, self.dated
        for row in rows:
            if not row.domain:
                continue  # a unit without a site: the unit and its contact only
            if row.is_primary:
                marked[(units[row.unit], row.is_chinese)] = row.domain + row.path
            if row.status in (Status.NOTICE, Status.CANCELLED) and row.changed_on:
                dated.append((row.domain + row.path, row.unit, row.unicode + row.path, row.status, row.changed_on,
                              bool(row.icp_number or row.gov_site_mark or row.psb_number)))
                self.dated_domains.add(row.domain + row.path)
        existing = self._registered(list({row.domain for row in rows if row.domain}))
        inserts, updates, audits = self.inserts, self.updates, self.audits
        for i, row in enumerate(rows, start + 1):
            if not row.domain:
                continue
            site = row.domain + row.path  # the key of a site: host and path
            current = existing.get(site)
            if current is None:
                inserts.append((row.domain, row.path, units[row.unit], *_row_fields(row), now))
                if len(inserts) >= 10_000:
                    self._write_inserts()
                continue
            if site in self.dated_domains:
                self.registered_dated[site] = current[0]
            wanted = {"unit_id": units[row.unit], **row.domain_fields()}
            before = dict(zip(("unit_id", *DOMAIN_FIELDS), current[3:]))
            if STAGE.get(wanted["status"], 1) < STAGE.get(before["status"], 1) and not (
                    row.changed_on and (before["changed_on"] is None or row.changed_on > before["changed_on"])):
                # An older sheet does not undo what happened since: the later state stays, and the result says so.
                report.kept_later_state.append(
                    f"第{row.row}行 {row.unicode}：登记册中为“{before['status']}”"
                    f"{'（' + before['changed_on'].isoformat() + '）' if before['changed_on'] else ''}，表中为"
                    f"“{wanted['status']}”，保留“{before['status']}”（表中写上更晚的状态变更日期才会改回）")
                audits.append(_audit(now, actor, "keep", "domain", current[0], row.unicode + row.path,
                                     {"status": wanted["status"]}, {"status": before["status"]}))
                wanted["status"], wanted["changed_on"] = before["status"], before["changed_on"]
            changed = {k: v for k, v in wanted.items() if before[k] != v}
            if changed:
                updates.append({"id": current[0], **changed, "updated_at": now})
                audits.append(_audit(now, actor, "update", "domain", current[0], row.unicode + row.path,
                                     {k: before[k] for k in changed}, changed))
            else:
                report.unchanged += 1
            if progress and i % 2000 == 0:
                progress(i)
        self._add_contacts(rows)

    def _compare_kinds(self, rows: list[ParsedRow]) -> None:
        """A registered unit whose row states another 单位类型 takes it (the last such row wins), written and
        audited at `finish`; a kind read from the name only never overrides the registry."""
        written = {self.units[row.unit]: (row.unit, row.kind) for row in rows if row.kind_written}
        ids = [i for i in written if i <= self.last_unit]
        for start in range(0, len(ids), _IN_LIST):
            for unit_id, kind in self.session.exec(select(Unit.id, Unit.kind).where(Unit.id.in_(ids[start:start + _IN_LIST]))):
                name, wanted = written[unit_id]
                before = self.unit_kinds.get(unit_id, (name, kind, kind))[1]
                if wanted != before or unit_id in self.unit_kinds:
                    self.unit_kinds[unit_id] = (name, before, wanted)

    def _registered(self, names: list[str]) -> dict[str, tuple]:
        """The registry's rows of these domains as they stood before the import."""
        found = {}
        for start in range(0, len(names) if self.last_old else 0, _IN_LIST):
            found.update(self._registered_where(Domain.name.in_(names[start:start + _IN_LIST])))
        return found

    def _registered_where(self, *where) -> dict[str, tuple]:
        """name → (id, name, unit id, DOMAIN_FIELDS) of the registered domains that meet `where`, as they stood
        before the import, in id order."""
        query = select(*self.columns).where(Domain.id <= self.last_old, *where).order_by(Domain.id)
        return {r[1] + r[2]: r for r in self.session.exec(query)}

    def _registered_contacts(self, unit_ids: list[int]) -> dict[tuple[int, str], tuple[int, str, str]]:
        """(unit id, name) → (id, phone, e-mail) of the registered contacts of these units, as before the import
        (updates are written at `finish`; those inserted by this import have larger ids)."""
        found = {}
        columns = (Contact.id, Contact.unit_id, Contact.name, Contact.phone, Contact.email)
        for start in range(0, len(unit_ids) if self.last_contact else 0, _IN_LIST):
            found.update(((unit_id, name), (cid, phone, email)) for cid, unit_id, name, phone, email in self.session.exec(
                select(*columns).where(Contact.unit_id.in_(unit_ids[start:start + _IN_LIST]),
                                       Contact.id <= self.last_contact)))
        return found

    def _add_contacts(self, rows: list[ParsedRow]) -> None:
        """A contact new to the unit goes in at its first row; a later row of it is settled in `finish` (the last
        row wins, as it always did). Held until then: the phone and e-mail of new contacts seen again, and of
        registered ones whose rows differ from the registry; not those of every contact (100,000 of them in a
        large import), nor the registry's contacts (read a step at a time)."""
        wanted, repeated, first_seen, new, units, now = (self.wanted_contacts, self.repeated, self.first_seen,
                                                         self.new_contacts, self.units, self.now)
        known = self._registered_contacts(list({units[row.unit] for row in rows if row.contact}))
        inserts = []
        for row in rows:
            if row.contact:
                key = (units[row.unit], row.contact)
                current = known.get(key)
                if current is not None:
                    first_seen.setdefault(key, len(first_seen))
                    value = (row.phone, row.email)
                    if key in wanted or current[1:] != value:
                        wanted[key] = (current, value)
                elif key in new:
                    repeated[key] = (row.phone, row.email)
                elif f"{row.unit} {row.contact}" in self.replaced_contacts:
                    if (row.unit, row.contact) not in self.contacts_kept_out:
                        self.contacts_kept_out.add((row.unit, row.contact))
                        self.report.notes.append(f"第{row.row}行 联系人“{row.contact}”已在登记册中被替换，未重新加入"
                                                 f"（{row.unit}；确需恢复请用 /setcontact）")
                else:
                    new.add(key)
                    inserts.append((*key, row.phone, row.email, None, now))
        insert_tuples(self.session, Contact, _NEW_CONTACT, inserts)
        self.contacts_created += len(inserts)

    def _finish_contacts(self, audits: list[tuple]) -> None:
        session, now, actor, report = self.session, self.now, self.actor, self.report
        updates = []
        later = [(*value, *key) for key, value in self.repeated.items()]  # unchanged ones too: a no-op
        first_seen = self.first_seen
        unit_names = {uid: name for name, uid in self.units.items()} if self.wanted_contacts else {}
        for key, (current, (phone, email)) in sorted(self.wanted_contacts.items(), key=lambda item: first_seen[item[0]]):
            if current[1:] != (phone, email):
                updates.append({"id": current[0], "phone": phone, "email": email, "updated_at": now})
                # "单位 姓名", as chat edits write it: a unit's /history finds its contacts by it
                audits.append(_audit(now, actor, "update", "contact", current[0], f"{unit_names[key[0]]} {key[1]}",
                                     {"phone": current[1], "email": current[2]}, {"phone": phone, "email": email}))
        if later:
            table = Contact.__table__
            execute_tuples(session, f"UPDATE {table.name} SET phone = {{mark}}, email = {{mark}} "
                                    "WHERE unit_id = {mark} AND name = {mark}",
                           [table.c.phone, table.c.email, table.c.unit_id, table.c.name], later)
        _bulk_update(session, Contact, updates)
        report.contacts_created, report.contacts_updated = self.contacts_created, len(updates)

    def _write_inserts(self) -> None:
        """New domains go in by slices of 10,000; their audit rows are made at once, written in `finish`."""
        session, inserts = self.session, self.inserts
        before = _max_id(session, Domain)
        insert_tuples(session, Domain, _NEW_DOMAIN, inserts)
        ids = _new_site_ids(session, [d[0] + d[1] for d in inserts], before)
        self.created_audits.append(_pack([
            (ids[d[0] + d[1]], (d[3] + d[1])[:400],
             dumps({k: jsonable(d[i]) for k, i in _AUDITED_AT if d[i] not in _EMPTY})) for d in inserts]))
        self.created += len(ids)
        self.inserted.update((name, i) for name, i in ids.items() if name in self.dated_domains)
        inserts.clear()

    def _office_of_new(self, row: int, name: str) -> int | None:
        """A new unit's office: the target's, else the office its place reads into (None: the home office)."""
        if self.target is None:
            return office_for_name(self.session, name, self.office_codes)
        self._check_place(row, name)
        return self.target.office

    def _check_place(self, row: int, name: str) -> None:
        place = place_of_unit(name) if self.target.place is not None else None
        if place is not None and not encloses(self.target.place, place):
            raise SpreadsheetError(f"第{row}行的单位“{name[:60]}”在{place.name}，不属于{self.target.place.name}；"
                                   "这份表格没有导入任何内容。请只导入本办公室的单位，或用对应办公室导入。")

    def _to_target(self, rows: list[ParsedRow]) -> None:
        """Units the sheet names that already exist: refused when out of the importer's scope, else they now
        belong to the target office."""
        target, units = self.target, self.units
        for row in rows:
            unit_id = units[row.unit]
            office = self.unit_offices.get(unit_id, target.office)
            if office == target.office or unit_id in self.office_moves:
                continue
            if target.scope is not None and not (office is not None and office in target.scope.offices):
                raise SpreadsheetError(f"第{row.row}行的单位“{row.unit[:60]}”属于其他办公室，您无权修改；"
                                       "这份表格没有导入任何内容。")
            self._check_place(row.row, row.unit)
            self.office_moves[unit_id] = (row.unit, office)

    def finish(self, progress: Callable[[int], None] | None = None) -> ImportReport:
        session, now, actor, report, units = self.session, self.now, self.actor, self.report, self.units
        moves = self.office_moves
        _bulk_update(session, Unit, [{"id": uid, "office_id": self.target.office, "updated_at": now} for uid in moves])
        self.audits += [_audit(now, actor, "update", "unit", uid, name, {"office": before}, {"office": self.target.office})
                        for uid, (name, before) in moves.items()]
        if self.inserts:
            self._write_inserts()
        for entity, packs in (("unit", self.unit_audits), ("domain", self.created_audits)):
            for pack in packs:
                insert_tuples(session, AuditLog, _AUDIT, ((now, actor, "create", entity, entity_id, summary, "", after)
                                                          for entity_id, summary, after in _unpack(pack)))
        self.unit_audits, self.created_audits = [], []
        updates, audits = self.updates, self.audits
        marked_units = list({unit_id for unit_id, _ in self.marked})
        primaries = {}  # the registered 主域名 of the units a row marks: the mark may move from them
        for start in range(0, len(marked_units), _IN_LIST):
            primaries.update(self._registered_where(Domain.is_primary == True,  # noqa: E712
                                                    Domain.unit_id.in_(marked_units[start:start + _IN_LIST])))
        updates += _one_primary(self.marked, primaries, {u["id"] for u in updates}, now, actor, audits)
        _bulk_update(session, Domain, updates)
        report.domains_created, report.domains_updated = self.created, len(updates)
        self._finish_contacts(audits)
        kinds = [(unit_id, name, before, after) for unit_id, (name, before, after) in self.unit_kinds.items()
                 if before != after]
        _bulk_update(session, Unit, [{"id": unit_id, "kind": after, "updated_at": now} for unit_id, _, _, after in kinds])
        audits += [_audit(now, actor, "update", "unit", unit_id, name, {"kind": before}, {"kind": after})
                   for unit_id, name, before, after in kinds]
        report.units_updated = len(kinds)
        _start_deadlines(session, self.dated, units, self.registered_dated, self.inserted, updates)
        insert_tuples(session, AuditLog, _AUDIT, audits)
        if progress:
            progress(self.count)
        report.written = True
        return report


def _pack(rows: list[tuple]) -> bytes:
    return zlib.compress(pickle.dumps(rows, pickle.HIGHEST_PROTOCOL), 1)


def _unpack(packed: bytes) -> list[tuple]:
    return pickle.loads(zlib.decompress(packed))


def _one_primary(marked: dict[tuple[int, bool], str], existing: dict, updated: set[int], now: dt.datetime,
                 actor: str, audits: list[tuple]) -> list[dict]:
    """A row marked 主域名 (`marked`: (unit id, Chinese?) → its domain) takes the mark from the unit's other
    domain of the same script."""
    if not marked:
        return []
    index = {name: i for i, name in enumerate(("id", "name", "path", "unit_id", *DOMAIN_FIELDS))}
    out = []
    for current in existing.values():
        key = (current[index["unit_id"]], current[index["is_chinese"]])
        if current[index["is_primary"]] and key in marked and marked[key] != current[1] + current[2] \
                and current[0] not in updated:
            out.append({"id": current[0], "is_primary": False, "updated_at": now})
            audits.append(_audit(now, actor, "update", "domain", current[0], current[index["unicode"]] + current[2],
                                 {"is_primary": True},
                                 {"is_primary": False}))
    return out


def _start_deadlines(session: Session, dated: list[tuple], units: dict[str, int], registered: dict[str, int],
                     inserted: dict[str, int], updates: list[dict]) -> None:
    """New or changed rows under notice (公告中) or cancelled (已注销) start their policy deadlines. `dated`: the
    rows under notice or cancelled with a date, as (domain, unit, unicode, status, changed_on, has filings);
    `inserted` and `registered`: the ids of those among them that are new, and of those already registered."""
    from bot.deadlines.events import DomainEvent, deadlines_for_events

    updated = {u["id"] for u in updates}
    ids = {}  # the domain id of each candidate: new ones from the insert, the others from the registry
    for domain, *_ in dated:
        if domain in inserted:
            ids[domain] = inserted[domain]
        elif registered.get(domain) in updated:
            ids[domain] = registered[domain]
    if not ids:
        return
    deadlines_for_events(session, domains=[
        DomainEvent(ids[domain], units[unit], unicode, status, changed_on, filings)
        for domain, unit, unicode, status, changed_on, filings in dated if domain in ids])


def _max_id(session: Session, model: type) -> int:
    return session.connection().exec_driver_sql(f"SELECT MAX(id) FROM {model.__table__.name}").scalar() or 0


def _new_ids(session: Session, model: type, names: list[str], before: int) -> dict[str, int]:
    """Ids of the rows just inserted under `names`: those above the largest id before the insert (one range scan),
    any not found there by name."""
    wanted = set(names)
    rows = session.connection().exec_driver_sql(
        f"SELECT name, id FROM {model.__table__.name} WHERE id > {int(before)}").cursor.fetchall()
    ids = {name: i for name, i in rows if name in wanted}
    if len(ids) < len(wanted):
        ids.update(_ids_by_name(session, model, [n for n in wanted if n not in ids]))
    return ids


def _new_site_ids(session: Session, sites: list[str], before: int) -> dict[str, int]:
    """Ids of the sites just inserted (host + path), as `_new_ids` finds them."""
    wanted = set(sites)
    rows = session.connection().exec_driver_sql(
        f"SELECT name, path, id FROM domain WHERE id > {int(before)}").cursor.fetchall()
    ids = {name + path: i for name, path, i in rows if name + path in wanted}
    if len(ids) < len(wanted):
        hosts = list({site.split("/", 1)[0] for site in wanted if site not in ids})
        for start in range(0, len(hosts), _IN_LIST):
            ids.update((name + path, i) for name, path, i in session.exec(
                select(Domain.name, Domain.path, Domain.id).where(Domain.name.in_(hosts[start:start + _IN_LIST])))
                if name + path in wanted)
    return ids


def _ids_by_name(session: Session, model: type, names: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(names), _IN_LIST):
        chunk = names[start:start + _IN_LIST]
        ids.update(session.exec(select(model.name, model.id).where(model.name.in_(chunk))).all())
    return ids


def _audit(now: dt.datetime, actor: str, action: str, entity: str, entity_id: int, summary: str,
           before: dict | None, after: dict | None) -> tuple:
    """An audit row in _AUDIT order."""
    return (now, actor, action, entity, entity_id, summary[:400],
            dumps({k: jsonable(v) for k, v in before.items()}) if before else "",
            dumps({k: jsonable(v) for k, v in after.items()}) if after else "")
