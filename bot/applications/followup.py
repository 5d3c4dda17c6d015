"""The registry follows an application's outcome, through the registry's edit functions (audited, with the
application as the actor) and the deadline events:
- an approved registration adds the domain as in use; a domain it replaces starts its 3-month notice (四（三）),
  whose end is the deadline to cancel it;
- a completed cancellation marks the domains cancelled on the day, which starts the filing cancellations (三（五））;
- a contact change starts its 20-working-day report when it is filed (三（三）), and updates the contact when done."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.db.models import Application, Deadline
from bot.deadlines.events import ContactEvent, deadlines_for_events, mark_done
from bot.registry.edits import ensure_unit, record_domain, replace_contact, set_domain_fields
from bot.registry.lookup import domain_by_name
from knowledge.applications import STATUS_CANCELLED, STATUS_IN_USE, STATUS_NOTICE, Spec, add_years


def application_actor(application: Application, actor: str) -> str:
    """Audit entries name the application as the reason for the change."""
    return f"申请{application.created_at:%Y}-{application.id:04d}（{actor}）"[:100]


def _contact_key(application: Application, day: dt.date) -> str:
    return f"contact_change:unit:{application.unit_id}:{day.isoformat()}"


def on_created(session: Session, application: Application, spec: Spec, now: dt.datetime) -> None:
    if spec.action == "change_contact" and application.unit_id is not None:
        deadlines_for_events(session, contacts=[ContactEvent(application.unit_id, spec.unit, spec.contact.name, now.date())])


def on_approved(session: Session, application: Application, spec: Spec, actor: str, now: dt.datetime) -> None:
    who = application_actor(application, actor)
    today = now.date()
    if spec.action == "register":
        unit = ensure_unit(session, spec.unit, who, spec.kind)
        application.unit_id = unit.id
        for name in spec.domains:
            record_domain(session, unit, name, who, STATUS_IN_USE, registered_on=today,
                       expires_on=add_years(today, spec.years or 1))
        for old in spec.replaces:
            if domain_by_name(session, old) is not None:
                set_domain_fields(session, old, who, status=STATUS_NOTICE, changed_on=today)
    elif spec.action == "cancel":
        for name in spec.domains:
            if domain_by_name(session, name) is not None:
                set_domain_fields(session, name, who, status=STATUS_CANCELLED, changed_on=today)
    elif spec.action == "change_contact":
        unit = ensure_unit(session, spec.unit, who, spec.kind)
        # the applicant's contact replaces the unit's (one contact, as /setcontact keeps it), dated when it was
        # filed: the 20-working-day report it started is this application, done below
        replace_contact(session, unit.name, spec.contact.name, who, phone=spec.contact.phone, email=spec.contact.email,
                        on=application.created_at.date())
        opened = session.exec(select(Deadline).where(Deadline.key == _contact_key(application, application.created_at.date()))).first()
        if opened is not None:
            mark_done(session, opened.id, who, now)
