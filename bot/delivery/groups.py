"""Which group receives what: who may bind a group, and to what (notes/acting-for-a-unit.md; offices:
notes/offices-at-every-level.md, Campaigns).

- a home admin: the home office's group (broadcasts, the home's campaign steps), `/subscribe 单位` a unit's group,
  `/subscribe 武定县` an office's group;
- an office's admin: their office's group (`/subscribe`), an office below theirs by name, or a unit of their
  offices; never a group already bound to a sibling office, to a unit outside their offices, or opened by a home
  admin to the home's notices;
- a unit's linked contact: only their own unit's group;
- anyone else: nothing.
A group is bound to a unit (Chat.unit_id; its office is the unit's) or to an office (Chat.office_id), never both."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.db.models import Chat, Office, Unit
from bot.delivery.chats import remember_chat
from bot.offices.service import find_office, office_region, place_of, title_of
from bot.registry.access import Role, role_of, unit_for, unit_office
from knowledge.offices import DEPARTMENTS, short_place

NOT_BOUND = ("只有机器人管理员或单位已绑定的联系人可以为本群开通通知。请本单位联系人在群里发送 "
             "<code>/subscribe 单位名称</code>（本群只接收该单位的提醒和汇总），或联系管理员。")
HOME_WORDS = ("本级",)


@dataclass(frozen=True)
class Binding:
    name: str | None = None  # "": the home's group; a unit's name; an office's title
    refused: str = ""


def office_named(session: Session, text: str) -> Office | None:
    """The office `text` names as such (武定县, 武定县人民政府办公室, 楚雄州直部门), not a unit of its place
    (武定县人民政府 is the county government, a unit)."""
    office = find_office(session, text)
    if office is None:
        return None
    place = place_of(office)
    if office.group == DEPARTMENTS:
        names = {title_of(office), place.name + "直部门", short_place(place) + "直部门"}
    else:
        names = {office.region, place.name, short_place(place), title_of(office)}
    return office if text.strip() in names else None


def may_rebind(session: Session, role: Role, row: Chat | None) -> bool:
    """Whether the user holds the group's present binding: a home admin any; an office's admin a group of their
    offices or of a unit in them; a contact their unit's group; anyone a group nobody bound."""
    if role.admin or row is None:
        return True
    if row.unit_id is not None:
        return role.may_edit(row.unit_id, unit_office(session, row.unit_id))
    if row.office_id is not None:
        return role.manages(row.office_id)
    return not (row.subscribed or row.digest)


def bind_group(session: Session, uid: int | None, configured: frozenset[int], home_region: str, chat_id: int,
               title: str, chat_type: str, named: str, **changes: object) -> Binding:
    """Bind the group as the sender may (module docstring) and apply `changes` (subscribed, digest)."""
    role = role_of(session, uid, configured)
    if role.guest:
        return Binding(refused=NOT_BOUND)
    row = session.get(Chat, chat_id)
    if not may_rebind(session, role, row):
        if row.unit_id is None and row.office_id is None:
            return Binding(refused="本群由管理员开通，接收本级的全部通知；只有管理员可以修改。")
        return Binding(refused="本群是其他单位或办公室的工作群，只有管理员或该单位的联系人可以修改。")
    unit_id, office_id = (row.unit_id, row.office_id) if row is not None else (None, None)
    office = office_named(session, named) if named and role.any_admin else None
    if named and role.any_admin and named.strip() in HOME_WORDS:
        unit_id, office_id = None, None if role.admin else role.office
    elif office is not None:
        if not role.manages(office.id):
            return Binding(refused=f"{title_of(office)}不在您管理的范围内，没有做任何修改。")
        unit_id, office_id = None, office.id
    elif named:
        region = office_region(session, role.office, home_region) if role.offices and not role.admin else home_region
        unit_id, office_id = unit_for(session, role, named, region=region).id, None  # checked: theirs only
    elif role.admin or unit_id is not None or office_id is not None:
        pass  # keeps what it is bound to (checked above)
    elif role.offices:
        office_id = role.office
    elif row is not None and (row.subscribed or row.digest):
        return Binding(refused="本群由管理员开通，接收本级的全部通知；只有管理员可以修改。")
    elif len(role.units) == 1:
        unit_id = role.units[0]
    else:
        return Binding(refused="您是多个单位的联系人，请写明本群所属单位：<code>/subscribe 单位名称</code>")
    if unit_id is None and office_id is None and not role.admin:
        return Binding(refused=NOT_BOUND)  # only a home admin opens a group to the home's notices
    if office_id is not None and changes.get("digest"):
        # the weekly digest is a unit's or the whole registry's (bot.reporting): an office's group would get all
        return Binding(refused="每周汇总目前只发给单位的群和本级的群；办公室的群请用 /due 查看本办公室的期限。")
    remember_chat(session, chat_id, title, chat_type, unit_id=unit_id, office_id=office_id, **changes)
    if unit_id is not None:
        return Binding(session.get(Unit, unit_id).name)
    return Binding(title_of(session.get(Office, office_id)) if office_id is not None else "")
