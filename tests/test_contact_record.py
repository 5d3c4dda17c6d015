"""One contact per unit, kept the same by chat, import and applications: an approved contact change replaces the
old person, and an older sheet does not bring back a contact that was replaced after it was made."""
from __future__ import annotations

import datetime as dt

from sqlmodel import select

from bot.applications.followup import on_approved
from bot.applications.records import create, spec_of
from bot.db.models import Application, Contact, Deadline
from bot.registry.access import Role
from bot.registry.edits import replace_contact
from bot.registry.importer import import_file
from knowledge.applications import validate

SHEET = "单位名称,域名,联系人,联系电话\n武定县财政局,czj.wuding.gov.cn,李四,0878-8711001\n".encode()


def _contacts(db) -> list[tuple[str, str]]:
    return db.call(lambda s: [(c.name, c.phone) for c in s.exec(select(Contact).order_by(Contact.id)).all()])


def test_an_approved_contact_change_replaces_the_old_contact(db):
    assert import_file(db.call, SHEET, "a.csv", "test").written
    spec = validate({"action": "change_contact", "unit": "武定县财政局", "domains": ["czj.wuding.gov.cn"],
                     "contact": {"name": "王五", "post": "办公室主任", "phone": "0878-8711999", "email": "ww@example.cn"}})
    now = dt.datetime.now(dt.UTC)

    def approve(s):
        progress = create(s, spec, "telegram:1", Role(True, ()), now)
        application = s.get(Application, progress.application.id)
        on_approved(s, application, spec_of(application), "telegram:1", now)

    db.call(approve)
    assert _contacts(db) == [("王五", "0878-8711999")]
    # the application was the report the change needed: no 20-working-day deadline left open for it
    assert db.call(lambda s: s.exec(select(Deadline).where(Deadline.status == "open")).all()) == []


def test_an_older_sheet_does_not_bring_back_a_replaced_contact(db):
    assert import_file(db.call, SHEET, "a.csv", "test").written
    db.call(lambda s: replace_contact(s, "武定县财政局", "王五", "telegram:1", phone="0878-8711999"))
    again = import_file(db.call, SHEET, "a.csv", "test")
    assert again.written
    assert _contacts(db) == [("王五", "0878-8711999")]
    assert any("李四" in note and "已在登记册中被替换" in note and note.startswith("第2行") for note in again.notes)


def test_a_phone_is_found_as_it_is_stored_and_as_digits(db):
    from bot.registry.lookup import lookup

    sheet = "单位名称,域名,联系人,联系电话\n利川市人力资源和社会保障局,rsj.lichuan.gov.cn,周七,0718-7220012\n".encode()
    assert import_file(db.call, sheet, "a.csv", "test").written
    for query in ("0718-7220012", "07187220012", "7220012", "0718 7220012"):
        found = db.call(lambda s, q=query: lookup(s, q))
        assert [v.unit.name for v in found] == ["利川市人力资源和社会保障局"], query


def test_a_units_history_shows_its_contact_changes_and_its_domains(db):
    from bot.db.models import Unit
    from bot.registry.edits import set_status
    from bot.registry.lookup import unit_history

    assert import_file(db.call, SHEET, "a.csv", "test").written
    changed = SHEET.replace(b"0878-8711001", b"0878-8711002")
    assert import_file(db.call, changed, "b.csv", "test").written  # the import's own contact change
    db.call(lambda s: replace_contact(s, "武定县财政局", "王五", "telegram:1", phone="0878-8711999"))
    db.call(lambda s: set_status(s, "czj.wuding.gov.cn", "telegram:1", "闲置"))
    entries = db.call(lambda s: unit_history(s, s.exec(select(Unit)).one()))
    seen = {(e.entity, e.action, e.summary) for e in entries}
    assert ("contact", "update", "武定县财政局 李四") in seen  # the import's phone change
    assert ("contact", "delete", "武定县财政局 李四") in seen and ("contact", "create", "武定县财政局 王五") in seen
    assert ("domain", "update", "czj.wuding.gov.cn") in seen
