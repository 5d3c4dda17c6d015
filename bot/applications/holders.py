"""Who holds an application's step in this deployment, and who hears of it.

A step names the division whose office holds it (knowledge.applications.Step.place). The deployment's office
that records it is the office of that place; a place with no office of its own (a county with none, the province
above a prefecture's deployment, a national body) falls to the nearest office enclosing it, else the home office:
whoever holds it in this deployment. The applying unit's own steps (主要负责人同意) stay with the unit: its
contacts, or the admins of its office. See notes/offices-at-every-level.md, "Routes"."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from bot.db.models import Admin, Application, Chat, Contact
from bot.offices.service import office_codes, office_for_name, office_title_by_id
from bot.registry.access import Role, unit_office
from knowledge.applications import Step
from knowledge.offices import office_code_for
from knowledge.places import divisions


@dataclass(frozen=True)
class Holder:
    """The deployment's office that records a step (None: the home office) and whether the step is the applying
    unit's own (then its contacts may record it too)."""
    office_id: int | None
    own_unit: bool


UNKNOWN = object()  # the applicant's office not read yet


def applicant_office(session: Session, application: Application, known: object = UNKNOWN) -> int | None:
    """The office of the applying unit (a unit not yet registered: the office its name reads into); `known`:
    already read with the application (a listing reads them in one query)."""
    if known is not UNKNOWN and application.unit_id is not None:
        return known
    if application.unit_id is not None:
        return unit_office(session, application.unit_id)
    return office_for_name(session, application.unit_name)


def step_office(step: Step, codes: dict[tuple[str, str], int]) -> int | None:
    """The office of the step's place, else the nearest office enclosing it, else home (None). A departments
    group never holds a government office's step."""
    place = divisions().by_code.get(step.place) if step.place else None
    return office_code_for(place, codes, department=False) if codes else None


def holder_of(session: Session, application: Application, step: Step,
              codes: dict[tuple[str, str], int] | None = None, applicant: object = UNKNOWN) -> Holder:
    if step.own_unit:
        return Holder(applicant_office(session, application, applicant), True)
    return Holder(step_office(step, office_codes(session) if codes is None else codes), False)


def may_record(role: Role, application: Application, holder: Holder) -> bool:
    """The step's office's admins (a home admin: every step); the unit's own steps also its contacts."""
    if role.manages(holder.office_id):
        return True
    return holder.own_unit and application.unit_id is not None and application.unit_id in role.units


def may_see(session: Session, role: Role, application: Application, holder: Holder | None,
            applicant: object = UNKNOWN) -> bool:
    """Home admins: every application; an office's admins: their units' and those whose current step their
    office holds; contacts: their units'."""
    if role.admin or (application.unit_id is not None and application.unit_id in role.units):
        return True
    if not role.offices:
        return False
    if holder is not None and not holder.own_unit and holder.office_id in role.offices:
        return True
    return applicant_office(session, application, applicant) in role.offices


def office_title(session: Session, office_id: int | None) -> str:
    from bot.registry.region import home_region

    return office_title_by_id(session, office_id, home_region(session) if office_id is None else "")


def who_records(session: Session, step: Step, holder: Holder, application: Application) -> str:
    """Who records the step, in words for a refusal: 楚雄彝族自治州人民政府办公室的管理员."""
    title = office_title(session, holder.office_id)
    if holder.own_unit:
        return f"申请单位（{application.unit_name}）的联系人或{title}的管理员"
    return f"{title}的管理员" + ("（本部署代为登记）" if title != step.holder else "")


# -- who hears of it ----------------------------------------------------------------------------------------------
def office_recipients(session: Session, office_id: int | None, home_admins: frozenset[int] | set[int]) -> set[int]:
    """The office's admins' private chats and its own bound groups (Chat.office_id); the home office: its
    admins (BOT_ADMIN_IDS and those granted without an office)."""
    if office_id is None:
        return set(home_admins) | set(session.exec(select(Admin.telegram_id).where(Admin.office_id.is_(None))).all())
    admins = set(session.exec(select(Admin.telegram_id).where(Admin.office_id == office_id)).all())
    groups = set(session.exec(select(Chat.id).where(Chat.office_id == office_id, Chat.active == True)).all())  # noqa: E712
    return admins | groups


def unit_contacts(session: Session, application: Application) -> set[int]:
    if application.unit_id is None:
        return set()
    return set(session.exec(select(Contact.telegram_id).where(
        Contact.unit_id == application.unit_id, Contact.telegram_id.is_not(None))).all())


def step_recipients(session: Session, application: Application, holder: Holder,
                    home_admins: frozenset[int] | set[int]) -> set[int]:
    """Who is told a step is now in their hands: the holding office's admins and groups; for the unit's own
    step its contacts (its office's admins when it has no linked contact)."""
    if holder.own_unit:
        return unit_contacts(session, application) or office_recipients(session, holder.office_id, home_admins)
    return office_recipients(session, holder.office_id, home_admins)


def applicant_recipients(session: Session, application: Application, home_admins: frozenset[int] | set[int]) -> set[int]:
    """Who is told of the outcome: the applying unit's contacts and its office's admins."""
    return unit_contacts(session, application) | office_recipients(
        session, applicant_office(session, application), home_admins)
