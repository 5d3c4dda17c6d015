"""Changes to domains and contacts, each written to the audit trail with the date it happened (blocking, on a
Session). Every change that the policy counts from (a notice, a cancellation, a new contact) starts its deadline
from the date given, not from the day it was typed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, select

from bot.config.settings import office_today
from bot.db.models import Contact, Deadline, Domain, Unit, utcnow
from bot.registry.audit import AUDITED_DOMAIN_FIELDS, Generation, audit, snapshot
from bot.registry.lookup import RegistryError, domain_by_name, find_unit_id, name_is
from bot.ui import texts
from knowledge.domains import ip_host, parse_domain, site_text
from knowledge.registry_model import DEFAULT_STATUS, Status, read_kind, read_status, status_help
from knowledge.text import clean_text, compact, name_text
from knowledge.units import parse_unit
from knowledge.when import DateOutOfRange, check_event_day

CONTACT_FIELDS = ("name", "phone", "email", "telegram_id")


def _domain(session: Session, name: str) -> Domain:
    domain = domain_by_name(session, name)
    if domain is None and (ip := ip_host(name)):
        domain = session.exec(select(Domain).where(Domain.name == ip)).first()
    if domain is None:
        raise RegistryError(texts.NO_SUCH_DOMAIN.format(name=name[:100]))
    return domain


def _start_domain_deadline(session: Session, domain: Domain) -> None:
    from bot.deadlines.events import DomainEvent, deadlines_for_events

    deadlines_for_events(session, domains=[DomainEvent(
        domain.id, domain.unit_id, site_text(domain), domain.status, domain.changed_on,
        bool(domain.icp_number or domain.gov_site_mark or domain.psb_number))])


# -- domains -----------------------------------------------------------------------------------------------
def set_domain_fields(session: Session, name: str, actor: str, **changes: object) -> tuple[Domain, dict, dict]:
    domain = _domain(session, name)
    if "status" in changes:
        status = read_status(str(changes["status"]))
        if status is None:
            raise RegistryError(f"状态“{str(changes['status'])[:20]}”无法识别。可填：{status_help()}")
        changes["status"] = status
    before = snapshot(domain, AUDITED_DOMAIN_FIELDS)
    if "status" in changes and changes["status"] != domain.status and "changed_on" not in changes:
        changes["changed_on"] = office_today()
    for key, value in changes.items():
        setattr(domain, key, value)
    after = snapshot(domain, AUDITED_DOMAIN_FIELDS)
    if before != after:
        Generation.bump()
        domain.updated_at = utcnow()
        session.add(domain)
        session.flush()
        diff_before = {k: v for k, v in before.items() if after[k] != v}
        diff_after = {k: after[k] for k in diff_before}
        audit(session, actor, "update", "domain", domain.id, site_text(domain), diff_before, diff_after)
        if "status" in diff_after or "changed_on" in diff_after:
            _start_domain_deadline(session, domain)
        return domain, diff_before, diff_after
    return domain, {}, {}


def note_line(text: str, author: str, on: dt.date | None = None) -> str:
    """A line for 备注; its text cleaned like all text entering (a service called other than from chat too)."""
    return f"{(on or office_today()).isoformat()} {clean_text(author, 100, False)}：{clean_text(text, 2000).strip()}"


def appended_notes(current: str, line: str) -> str:
    return (f"{current}\n{line}" if current else line)[-2000:]


def _happened(on: dt.date | None) -> None:
    """A date an event happened on (knowledge.when: 1990 … today), or RegistryError saying so."""
    if on is not None:
        try:
            check_event_day(on, office_today())
        except DateOutOfRange as exc:
            raise RegistryError(f"{exc}。没有做任何修改。") from None


def set_status(session: Session, name: str, actor: str, status: str, on: dt.date | None = None, note: str = "",
               author: str = "", confirmed: bool = False) -> tuple[Domain, dict, dict]:
    """A status change on the day it happened (`on`, default today); a note is appended with date and author.
    A change that skips or reverses a step of the clean-up is refused with the reason unless `confirmed`."""
    from knowledge.lifecycle import status_change_refusal

    _happened(on)
    domain = _domain(session, name)
    wanted = read_status(status)
    if wanted is None:
        raise RegistryError(f"状态“{status[:20]}”无法识别。可填：{status_help()}")
    refusal = status_change_refusal(site_text(domain), domain.status, wanted, on or office_today(),
                                    _notice_ends(session, domain))
    if refusal is not None and not (confirmed and refusal.confirmable):
        raise RegistryError(refusal.text())
    changes: dict[str, object] = {"status": status, "changed_on": on or office_today()}
    if wanted == domain.status and on is None:
        changes.pop("changed_on")
    if note:
        changes["notes"] = appended_notes(domain.notes, note_line(note, author or actor, on))
    return set_domain_fields(session, name, actor, **changes)


def _notice_ends(session: Session, domain: Domain) -> dt.date | None:
    """The day the 3-month notice of a domain 公告中 is over (its own working-day calendar)."""
    if domain.status != Status.NOTICE or domain.changed_on is None:
        return None
    from bot.deadlines.calendar import work_calendar
    from knowledge.workdays import deadline

    return deadline("notice_period", domain.changed_on, work_calendar(session)).due


def add_note(session: Session, name: str, actor: str, text: str, author: str = "",
             on: dt.date | None = None) -> tuple[Domain, dict, dict]:
    _happened(on)
    domain = _domain(session, name)
    return set_domain_fields(session, name, actor, notes=appended_notes(domain.notes, note_line(text, author or actor, on)))


def set_primary(session: Session, name: str, actor: str) -> tuple[Domain, list[str]]:
    """Make `name` the unit's 主域名 for its script (English or Chinese); the other loses the mark."""
    from knowledge.lifecycle import primary_refusal

    domain = _domain(session, name)
    if refusal := primary_refusal(site_text(domain), domain.status):
        raise RegistryError(refusal)
    others = session.exec(select(Domain).where(Domain.unit_id == domain.unit_id, Domain.is_chinese == domain.is_chinese,
                                               Domain.id != domain.id, Domain.is_primary)).all()
    moved = []
    for other in others:
        set_domain_fields(session, other.name, actor, is_primary=False)
        moved.append(site_text(other))
    set_domain_fields(session, name, actor, is_primary=True)
    return domain, moved


def add_domain(session: Session, unit_name: str, name: str, actor: str, status: str = "", kind: str = "",
               on: dt.date | None = None) -> tuple[Domain, Unit, bool]:
    """Register a domain (or an IP address a site is known by) for a unit; the unit is created when new."""
    ip = ip_host(name)
    parsed = parse_domain(name)
    if not ip and not parsed.valid:
        raise RegistryError(f"域名“{name[:100]}”无效：{parsed.error}")
    ascii_name, unicode_name = (ip, ip) if ip else (parsed.ascii, parsed.unicode)
    path = parsed.site_path  # a column (www.wuding.gov.cn/shishan) is a site of its own; its host's holder stays
    if session.exec(select(Domain).where(Domain.name == ascii_name, Domain.path == path)).first():
        raise RegistryError(f"{unicode_name + path} 已在登记册中，可用 /status {unicode_name + path} 查看")
    wanted_status = read_status(status)
    if wanted_status is None:
        raise RegistryError(f"状态“{status[:20]}”无法识别。可填：{status_help()}")
    domain_kind = read_kind(kind) if kind else ""
    if kind and not domain_kind:
        raise RegistryError(f"类型“{kind[:20]}”无法识别")
    unit_id = find_unit_id(session, unit_name)
    created = False
    if unit_id is None:
        parsed_unit = parse_unit(unit_name)
        unit_kind = parsed_unit.kind or (domain_kind if domain_kind != "system" else "")
        if not unit_kind:
            raise RegistryError("无法从名称判断单位类型，请在最后写上类型，例如：承担行政职能的事业单位")
        from bot.offices.service import office_for_name

        unit = Unit(name=name_text(unit_name)[:200], kind=unit_kind)
        unit.office_id = office_for_name(session, unit.name)  # a new unit joins the office of its place
        session.add(unit)
        session.flush()
        audit(session, actor, "create", "unit", unit.id, unit.name, None, {"name": unit.name, "kind": unit.kind})
        created = True
    else:
        unit = session.get(Unit, unit_id)
    if domain_kind == unit.kind:
        domain_kind = ""
    Generation.bump()
    domain = Domain(unit_id=unit.id, name=ascii_name, path=path, unicode=unicode_name,
                    is_chinese=bool(not ip and parsed.is_chinese),
                    status=wanted_status, kind=domain_kind or "",
                    changed_on=on if on else (office_today() if wanted_status != DEFAULT_STATUS else None))
    session.add(domain)
    session.flush()
    audit(session, actor, "create", "domain", domain.id, unicode_name + path, None,
          snapshot(domain, AUDITED_DOMAIN_FIELDS))
    if domain.status in (Status.NOTICE, Status.CANCELLED):
        _start_domain_deadline(session, domain)
    return domain, unit, created


def remove_domain(session: Session, name: str, actor: str) -> Domain:
    """Take a domain out of the registry (entered by mistake); the audit log keeps what it held. A domain that
    was given up is not removed but set to 已注销."""
    domain = _domain(session, name)
    Generation.bump()
    audit(session, actor, "delete", "domain", domain.id, site_text(domain),
          snapshot(domain, AUDITED_DOMAIN_FIELDS), None)
    session.execute(update(Deadline).where(Deadline.domain_id == domain.id, Deadline.status == "open")
                    .values(status="done", done_by=f"domain removed by {actor}"[:100], done_at=utcnow()))
    session.execute(update(Deadline).where(Deadline.domain_id == domain.id).values(domain_id=None))
    session.delete(domain)
    session.flush()
    return domain


# -- contacts ----------------------------------------------------------------------------------------------
def _unit_for_contact(session: Session, unit_name: str, allowed_units: tuple[int, ...] | None) -> Unit:
    unit_id = find_unit_id(session, unit_name)
    if unit_id is None:
        raise RegistryError(texts.NO_SUCH_UNIT.format(name=unit_name[:100]))
    if allowed_units is not None and unit_id not in allowed_units:
        raise RegistryError("只能修改本单位的联系人。")
    return session.get(Unit, unit_id)


def upsert_contact(session: Session, unit_name: str, name: str, actor: str, phone: str = "", email: str = "",
                   telegram_id: int | None = None, allowed_units: tuple[int, ...] | None = None) -> Contact:
    """Add or update one of a unit's contacts (invites, imports); `allowed_units` (None: any) limits a contact
    to their own units. /setcontact replaces instead: see replace_contact."""
    unit = _unit_for_contact(session, unit_name, allowed_units)
    contact = session.exec(select(Contact).where(Contact.unit_id == unit.id, Contact.name == name)).first()
    Generation.bump()
    if contact is None:
        contact = Contact(unit_id=unit.id, name=name, phone=phone, email=email, telegram_id=telegram_id)
        session.add(contact)
        session.flush()
        audit(session, actor, "create", "contact", contact.id, f"{unit.name} {name}", None, snapshot(contact, CONTACT_FIELDS))
        return contact
    before = snapshot(contact, CONTACT_FIELDS)
    contact.phone = phone or contact.phone
    contact.email = email or contact.email
    contact.telegram_id = telegram_id if telegram_id is not None else contact.telegram_id
    after = snapshot(contact, CONTACT_FIELDS)
    if before != after:
        contact.updated_at = utcnow()
        session.add(contact)
        audit(session, actor, "update", "contact", contact.id, f"{unit.name} {name}", before, after)
        if (before["phone"], before["email"]) != (after["phone"], after["email"]):
            from bot.deadlines.events import ContactEvent, deadlines_for_events

            deadlines_for_events(session, contacts=[ContactEvent(unit.id, unit.name, name, office_today())])
    return contact


def ensure_unit(session: Session, name: str, actor: str, kind: str | None = None) -> Unit:
    """The unit called `name`, created (and audited) when the registry does not have it yet, in the office of
    its place (an approved registration for a new 武定县 unit puts it in 武定县's office)."""
    from knowledge.units import parse_unit

    unit = session.exec(select(Unit).where(name_is(compact(name)))).first()
    if unit is not None:
        return unit
    from bot.offices.service import office_for_name

    parsed = parse_unit(name, kind)
    unit = Unit(name=name_text(name)[:200], kind=kind or parsed.kind or "department", region=parsed.place_full[:200],
                office_id=office_for_name(session, name_text(name)[:200]))  # the office of its place, as an import does
    Generation.bump()
    session.add(unit)
    session.flush()
    audit(session, actor, "create", "unit", unit.id, unit.name, None, {"name": unit.name, "kind": unit.kind})
    return unit


def record_domain(session: Session, unit: Unit, name: str, actor: str, status: str, *,
               registered_on: dt.date | None = None, expires_on: dt.date | None = None) -> Domain:
    """An application's outcome: the domain registered for `unit` (or the row the registry already has updated),
    with its registration term, audited. (Staff add domains by hand with add_domain.)"""
    from knowledge.domains import parse_domain

    parsed = parse_domain(name)
    if not parsed.valid:
        raise RegistryError(f"“{name[:100]}”不是有效的域名")
    status = read_status(status) or ""
    if not status:
        raise RegistryError(f"状态只能是：{status_help()}")
    existing = domain_by_name(session, parsed.ascii)
    if existing is not None:
        domain, _, _ = set_domain_fields(session, parsed.ascii, actor, unit_id=unit.id, status=status,
                                         registered_on=registered_on, expires_on=expires_on)
        return domain
    domain = Domain(unit_id=unit.id, name=parsed.ascii, unicode=parsed.unicode, is_chinese=parsed.is_chinese,
                    status=status, registered_on=registered_on, expires_on=expires_on, changed_on=office_today())
    Generation.bump()
    session.add(domain)
    session.flush()
    audit(session, actor, "create", "domain", domain.id, site_text(domain), None,
          snapshot(domain, AUDITED_DOMAIN_FIELDS))
    return domain


def replace_contact(session: Session, unit_name: str, name: str, actor: str, phone: str = "", email: str = "",
                    on: dt.date | None = None, allowed_units: tuple[int, ...] | None = None) -> tuple[Contact, list[dict]]:
    """The unit's contact is now `name`: the others are removed (kept in the audit log); a new person or new
    details start the 20-working-day 报备 deadline from `on` (default today). Returns the contact and the
    snapshots of the contacts replaced. A malformed phone or email (the import's rules) changes nothing."""
    from bot.registry.sheet_rows import _EMAIL, _PHONE

    if phone and not _PHONE.match(phone):
        raise RegistryError(f"联系电话“{phone[:50]}”格式不对：写成 0878-8711677 或 13812345678。没有做任何修改。")
    _happened(on)
    if email and not _EMAIL.match(email):
        raise RegistryError(f"邮箱“{email[:50]}”格式不对：写成 name@example.cn。没有做任何修改。")
    unit = _unit_for_contact(session, unit_name, allowed_units)
    current = session.exec(select(Contact).where(Contact.unit_id == unit.id).order_by(Contact.id)).all()
    same = next((c for c in current if c.name == name), None)
    replaced = []
    Generation.bump()
    for old in current:
        if old is same:
            continue
        replaced.append(snapshot(old, CONTACT_FIELDS))
        audit(session, actor, "delete", "contact", old.id, f"{unit.name} {old.name}", snapshot(old, CONTACT_FIELDS), None)
        session.execute(update_invites_for(old.id))
        session.delete(old)
    session.flush()
    changed = bool(replaced)
    if same is None:
        same = Contact(unit_id=unit.id, name=name, phone=phone, email=email)
        session.add(same)
        session.flush()
        audit(session, actor, "create", "contact", same.id, f"{unit.name} {name}", None, snapshot(same, CONTACT_FIELDS))
        changed = True
    else:
        before = snapshot(same, CONTACT_FIELDS)
        same.phone, same.email = phone or same.phone, email or same.email
        after = snapshot(same, CONTACT_FIELDS)
        if before != after:
            same.updated_at = utcnow()
            session.add(same)
            audit(session, actor, "update", "contact", same.id, f"{unit.name} {name}", before, after)
            changed = True
    if changed:
        from bot.deadlines.events import ContactEvent, deadlines_for_events

        deadlines_for_events(session, contacts=[ContactEvent(unit.id, unit.name, name, on or office_today())])
    return same, replaced


def update_invites_for(contact_id: int):
    from bot.db.models import Invite

    return update(Invite).where(Invite.contact_id == contact_id).values(contact_id=None)
