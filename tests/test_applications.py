"""Applications: the rules a spec must meet, the approval route, the CLI contract and the produced forms."""
from __future__ import annotations

import json

import pytest

from bot.cli import main
from knowledge.applications import Context, SpecError, check_years, parse_contact_text, route, validate

CONTACT = {"name": "张三", "post": "办公室主任", "phone": "0878-8711677", "email": "zs@example.cn"}
REGISTER = {"action": "register", "unit": "武定县人民政府", "domains": ["www.wuding.gov.cn"], "years": 10, "contact": CONTACT}


def _problems(raw, context=None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        validate(raw, context)
    return caught.value.problems


def test_a_compliant_registration_is_accepted_and_a_bad_one_refused_with_every_reason():
    spec = validate(REGISTER)
    assert (spec.unit, spec.domains, spec.years, spec.kind) == ("武定县人民政府", ["www.wuding.gov.cn"], 10, "portal")
    problems = _problems({**REGISTER, "domains": ["wuding.gov.cn"], "years": 11, "contact": {**CONTACT, "phone": ""}})
    assert any("www.□□□.gov.cn" in p for p in problems)
    assert any("www.wuding.gov.cn" in p for p in problems)  # the compliant suggestion is named
    assert any("10 年" in p and "11" in p for p in problems)
    assert any("缺少电话" in p for p in problems)


def test_a_department_domain_must_sit_under_the_registered_portal():
    spec = {**REGISTER, "unit": "武定县财政局", "domains": ["czj.lufeng.gov.cn"], "years": 5}
    assert any("二（二）" in p for p in _problems(spec, Context(portal="www.wuding.gov.cn")))
    assert validate({**spec, "domains": ["czj.wuding.gov.cn"]}, Context(portal="www.wuding.gov.cn")).domains == ["czj.wuding.gov.cn"]


def test_cancelling_another_units_domain_needs_a_reason_and_several_domains_fit_one_form():
    raw = {"action": "cancel", "unit": "武定县财政局", "domains": ["www.wdczj.com", "czj.wuding.gov.cn"], "contact": CONTACT}
    context = Context(holders={"czj.wuding.gov.cn": "武定县人民政府", "www.wdczj.com": "武定县财政局"})
    assert _problems(raw, context) == ["注销 czj.wuding.gov.cn 须说明原因：该域名登记在武定县人民政府名下"]
    spec = validate({**raw, "reason": "机构改革后由财政局统一注销"}, context)
    assert spec.domains == ["www.wdczj.com", "czj.wuding.gov.cn"] and spec.years is None
    assert spec.legacy  # a .com domain is not at the government registry: it goes through its registrar


@pytest.mark.parametrize("value, ok", [(1, True), ("10", True), ("10年", True), (0, False), (11, False), ("十", False)])
def test_term_is_one_to_ten_years(value, ok):
    years, problem = check_years(value)
    assert (years is not None) == ok and bool(problem) != ok


def test_contact_text_is_read_in_any_order():
    assert parse_contact_text("张三 办公室主任 zs@example.cn 0878-8711677") == CONTACT


def test_route_follows_level_and_kind():
    county_portal, basis = route("register", "武定县人民政府")
    assert basis.endswith("三（一）")
    assert [s.holder for s in county_portal] == ["本地区主要负责人", "楚雄彝族自治州人民政府办公室", "云南省人民政府办公厅",
                                                 "国家域名注册管理机构"]
    department, basis = route("cancel", "武定县财政局")
    assert basis.endswith("三（二）") and department[1].holder == "武定县人民政府办公室"
    assert department[-1].task == "收回下级域名"
    prefecture, _ = route("register", "楚雄彝族自治州人民政府")
    assert [s.holder for s in prefecture][1] == "云南省人民政府办公厅"
    legacy, basis = route("cancel", "武定县财政局", legacy=True)
    assert basis.endswith("三（四）") and legacy[-1].holder == "域名注册服务机构"
    contact, basis = route("change_contact", "武定县财政局")
    assert basis.endswith("三（三）") and "20个工作日" in contact[1].task


def _docx_fields(path) -> dict[str, str]:
    from docx import Document

    table = Document(str(path)).tables[0]
    return {row.cells[0].text: row.cells[1].text for row in table.rows}


def test_cli_writes_the_filled_docx_and_xlsx(tmp_path, capsys):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**REGISTER, "reason": "规范门户网站域名"}, ensure_ascii=False), encoding="utf-8")
    docx, xlsx = tmp_path / "form.docx", tmp_path / "form.xlsx"
    assert main(["apply", str(spec), "--out", str(docx), "--out", str(xlsx)]) == 0
    fields = _docx_fields(docx)
    assert fields["申请单位（全称，须与公章一致）"] == "武定县人民政府"
    assert fields["业务类型"] == "注册" and fields["域名"] == "www.wuding.gov.cn" and fields["注册年限"] == "10 年"
    assert (fields["域名联系人姓名"], fields["联系人职务"], fields["联系人电话"], fields["联系人邮箱"]) == tuple(CONTACT.values())
    assert "楚雄彝族自治州人民政府办公室" in fields["审核流程"]
    # signature, seal and opinion boxes are left for the signers
    assert "张三" not in fields["申请单位盖章"] and "（盖章）" in fields["申请单位盖章"]
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["域名"] == "www.wuding.gov.cn" and values["联系人电话"] == "0878-8711677"


@pytest.mark.parametrize("change, reason", [
    ({"domains": ["www.wdczj.com"]}, ".gov.cn"),
    ({"years": 11}, "最长 10 年"),
    ({"contact": {**CONTACT, "phone": ""}}, "缺少电话"),
])
def test_cli_refuses_and_writes_nothing(tmp_path, capsys, change, reason):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**REGISTER, **change}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "form.docx"
    assert main(["apply", "--json", str(spec), "--out", str(out)]) == 1
    assert not out.exists()
    assert reason in capsys.readouterr().err
