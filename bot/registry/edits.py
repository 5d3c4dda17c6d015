"""Changes to domains and contacts, each written to the audit trail (blocking, on a Session)."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.db.models import Contact, Domain, Unit, utcnow
from bot.registry.audit import AUDITED_DOMAIN_FIELDS, Generation, audit, snapshot
from bot.registry.lookup import RegistryError, domain_by_name
from knowledge.actions import STATUSES
from knowledge.text import compact


# -- edits -------------------------------------------------------------------------------------------------
def set_domain_fields(session: Session, name: str, actor: str, **changes: object) -> tuple[Domain, dict, dict]:
    domain = domain_by_name(session, name)
    if domain is None:
        raise RegistryError(f"登记册中没有域名“{name[:100]}”")
    if "status" in changes and changes["status"] not in STATUSES:
        raise RegistryError(f"状态只能是：{'、'.join(STATUSES)}")
    before = snapshot(domain, AUDITED_DOMAIN_FIELDS)
    if "status" in changes and changes["status"] != domain.status and "changed_on" not in changes:
        changes["changed_on"] = dt.date.today()
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
        audit(session, actor, "update", "domain", domain.id, domain.unicode or domain.name, diff_before, diff_after)
        if "status" in diff_after:
            from bot.deadlines.events import DomainEvent, deadlines_for_events

            deadlines_for_events(session, domains=[DomainEvent(
                domain.id, domain.unit_id, domain.unicode or domain.name, domain.status, domain.changed_on,
                bool(domain.icp_number or domain.gov_site_mark or domain.psb_number))])
        return domain, diff_before, diff_after
    return domain, {}, {}


def upsert_contact(session: Session, unit_name: str, name: str, actor: str, phone: str = "", email: str = "",
                   telegram_id: int | None = None, allowed_units: tuple[int, ...] | None = None) -> Contact:
    """Add or update a unit's contact; `allowed_units` (None: any) limits a contact to their own units."""
    unit = session.exec(select(Unit).where(Unit.name == compact(unit_name))).first()
    if unit is None:
        raise RegistryError(f"登记册中没有单位“{unit_name[:100]}”")
    if allowed_units is not None and unit.id not in allowed_units:
        raise RegistryError("只能修改本单位的联系人。")
    contact = session.exec(select(Contact).where(Contact.unit_id == unit.id, Contact.name == name)).first()
    fields = ("name", "phone", "email", "telegram_id")
    Generation.bump()
    if contact is None:
        contact = Contact(unit_id=unit.id, name=name, phone=phone, email=email, telegram_id=telegram_id)
        session.add(contact)
        session.flush()
        audit(session, actor, "create", "contact", contact.id, f"{unit.name} {name}", None, snapshot(contact, fields))
        return contact
    before = snapshot(contact, fields)
    contact.phone = phone or contact.phone
    contact.email = email or contact.email
    contact.telegram_id = telegram_id if telegram_id is not None else contact.telegram_id
    after = snapshot(contact, fields)
    if before != after:
        contact.updated_at = utcnow()
        session.add(contact)
        audit(session, actor, "update", "contact", contact.id, f"{unit.name} {name}", before, after)
        if (before["phone"], before["email"]) != (after["phone"], after["email"]):
            from bot.deadlines.events import ContactEvent, deadlines_for_events

            deadlines_for_events(session, contacts=[ContactEvent(unit.id, unit.name, name, dt.date.today())])
    return contact


def ensure_unit(session: Session, name: str, actor: str, kind: str | None = None) -> Unit:
    """The unit called `name`, created (and audited) when the registry does not have it yet."""
    from knowledge.units import parse_unit

    unit = session.exec(select(Unit).where(Unit.name == compact(name))).first()
    if unit is not None:
        return unit
    parsed = parse_unit(name, kind)
    unit = Unit(name=compact(name)[:200], kind=kind or parsed.kind or "department", region=parsed.place_full[:200])
    Generation.bump()
    session.add(unit)
    session.flush()
    audit(session, actor, "create", "unit", unit.id, unit.name, None, {"name": unit.name, "kind": unit.kind})
    return unit


def add_domain(session: Session, unit: Unit, name: str, actor: str, status: str, *,
               registered_on: dt.date | None = None, expires_on: dt.date | None = None) -> Domain:
    """Register a domain for `unit` (or update the row the registry already has), audited."""
    from knowledge.domains import parse_domain

    parsed = parse_domain(name)
    if not parsed.valid:
        raise RegistryError(f"“{name[:100]}”不是有效的域名")
    if status not in STATUSES:
        raise RegistryError(f"状态只能是：{'、'.join(STATUSES)}")
    existing = domain_by_name(session, parsed.ascii)
    if existing is not None:
        domain, _, _ = set_domain_fields(session, parsed.ascii, actor, unit_id=unit.id, status=status,
                                         registered_on=registered_on, expires_on=expires_on)
        return domain
    domain = Domain(unit_id=unit.id, name=parsed.ascii, unicode=parsed.unicode, is_chinese=parsed.is_chinese,
                    status=status, registered_on=registered_on, expires_on=expires_on, changed_on=dt.date.today())
    Generation.bump()
    session.add(domain)
    session.flush()
    audit(session, actor, "create", "domain", domain.id, domain.unicode or domain.name, None,
          snapshot(domain, AUDITED_DOMAIN_FIELDS))
    return domain
