"""The registry's vocabulary as data: kinds of site, the life of a domain, and the one column table that
import, export, the template, audit labels and the report all read (pure).

Compliance is never stored: it is computed from the rules and the registry. A domain's status only says where
it is in its life (在用 … 已注销); the words offices type (规范在用, 正常, 拟注销 …) are read into it through
STATUS_SYNONYMS."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PORTAL = "portal"
    DEPARTMENT = "department"
    INSTITUTION_ADMIN = "institution_admin"
    INSTITUTION_OTHER = "institution_other"
    SYSTEM = "system"
    TOWNSHIP = "township"


KIND_LABELS: dict[str, str] = {
    Kind.PORTAL: "政府门户网站",
    Kind.DEPARTMENT: "政府部门网站",
    Kind.INSTITUTION_ADMIN: "承担行政职能的事业单位",
    Kind.INSTITUTION_OTHER: "不承担行政职能的事业单位",
    Kind.SYSTEM: "业务系统/办事平台/栏目",
    Kind.TOWNSHIP: "乡镇（街道）",
}
KIND_SYNONYMS: dict[str, str] = {
    "门户": Kind.PORTAL, "门户网站": Kind.PORTAL, "政府门户": Kind.PORTAL, "部门": Kind.DEPARTMENT,
    "部门网站": Kind.DEPARTMENT, "参公事业单位": Kind.INSTITUTION_ADMIN,
    "事业单位（承担行政职能）": Kind.INSTITUTION_ADMIN, "事业单位（不承担行政职能）": Kind.INSTITUTION_OTHER,
    "事业单位": Kind.INSTITUTION_OTHER, "系统": Kind.SYSTEM, "业务系统": Kind.SYSTEM, "平台": Kind.SYSTEM,
    "办事平台": Kind.SYSTEM, "栏目": Kind.SYSTEM, "乡镇": Kind.TOWNSHIP, "乡镇政府": Kind.TOWNSHIP,
    "乡镇人民政府": Kind.TOWNSHIP, "乡镇（街道）": Kind.TOWNSHIP, "街道": Kind.TOWNSHIP, "乡": Kind.TOWNSHIP,
    "镇": Kind.TOWNSHIP, "街道办事处": Kind.TOWNSHIP, "乡镇网站": Kind.TOWNSHIP,
}


_KIND_WORDS: dict[str, str] = ({label: k.value for k, label in KIND_LABELS.items()} | {k.value: k.value for k in Kind}
                               | {word: k.value for word, k in KIND_SYNONYMS.items()})


# 单位性质: what the establishment (编制) calls the unit. An organ (机关) leaves the kind to the unit's name (a
# 行政机关 may be the government, a department or a town); a public institution decides it: 参公 (managed as civil
# service) or stated administrative functions = with, 公益一类/二类 and other 事业单位 = without.
_ORGAN_WORDS = ("机关", "党委", "党组", "群团", "人民团体", "政府", "派出机构", "议事协调")
_WITH_ADMIN_WORDS = ("参公", "参照公务员", "参照管理", "承担行政职能", "行政执法", "行政类事业")
_INSTITUTION_WORDS = ("公益一类", "公益二类", "公益三类", "公益类", "事业单位", "事业", "经营类", "生产经营")


def read_nature(text: str) -> tuple[str | None, bool]:
    """A 单位性质 cell: (the kind it decides, or None when the unit's name decides; whether it was understood).
    Never an error: a word not understood leaves the kind to the name (and the caller says so)."""
    t = "".join(text.split())
    if not t:
        return None, True
    if "不承担行政职能" in t:
        return Kind.INSTITUTION_OTHER.value, True
    if any(w in t for w in _WITH_ADMIN_WORDS):
        return Kind.INSTITUTION_ADMIN.value, True
    if any(w in t for w in _INSTITUTION_WORDS):
        return Kind.INSTITUTION_OTHER.value, True
    if any(w in t for w in _ORGAN_WORDS):
        return None, True
    return None, False


def read_kind(text: str) -> str | None:
    """A kind from what a sheet or a clerk writes: the label, a code, or a usual word."""
    t = "".join(text.split()).replace("(", "（").replace(")", "）")  # 乡镇(街道): a sheet's reader may narrow them
    return _KIND_WORDS.get(t) or _KIND_WORDS.get(t.lower())


class Status(StrEnum):
    """Where a domain is in its life. Ordered as a domain moves through it (see STAGE)."""
    TO_REGISTER = "待注册"  # applied for, not yet registered (三（一）、三（二）)
    IN_USE = "在用"  # registered and serving a site
    IDLE = "闲置"  # registered, no site on it (二（六）: cancel in time)
    TO_CANCEL = "待注销"  # the unit has decided to give it up; the site is being moved
    NOTICE = "公告中"  # the 3-month notice on the new domain's site runs (四（三）)
    CANCELLED = "已注销"  # cancelled at the registrar; the filings follow (三（五）)


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
DEFAULT_STATUS = Status.IN_USE.value
# How far along its life a domain is: a re-import never moves a domain to a lower stage without saying so.
STAGE: dict[str, int] = {Status.TO_REGISTER: 0, Status.IN_USE: 1, Status.IDLE: 1, Status.TO_CANCEL: 2,
                         Status.NOTICE: 3, Status.CANCELLED: 4}
# Office words → the model. 规范/不规范 were once typed statuses: compliance is computed now, so they mean 在用.
STATUS_SYNONYMS: dict[str, str] = {
    "规范在用": Status.IN_USE, "不规范": Status.IN_USE, "正常": Status.IN_USE, "使用中": Status.IN_USE,
    "在用": Status.IN_USE, "正在使用": Status.IN_USE, "启用": Status.IN_USE, "已启用": Status.IN_USE,
    "运行": Status.IN_USE, "正常运行": Status.IN_USE, "整改中": Status.IN_USE, "待整改": Status.IN_USE,
    "使用": Status.IN_USE, "是": Status.IN_USE,
    "闲置": Status.IDLE, "已停用": Status.IDLE, "停用": Status.IDLE, "关停": Status.IDLE, "已关停": Status.IDLE,
    "未使用": Status.IDLE, "空置": Status.IDLE, "暂停": Status.IDLE,
    "待注册": Status.TO_REGISTER, "申请中": Status.TO_REGISTER, "拟注册": Status.TO_REGISTER,
    "待注销": Status.TO_CANCEL, "拟注销": Status.TO_CANCEL, "注销中": Status.TO_CANCEL, "迁移中": Status.TO_CANCEL,
    "公告中": Status.NOTICE, "公告": Status.NOTICE, "公示中": Status.NOTICE,
    "已注销": Status.CANCELLED, "注销": Status.CANCELLED, "已删除": Status.CANCELLED,
}


def read_status(text: str) -> str | None:
    """The model's status for an office word; '' is 在用; None when the word cannot be placed."""
    found = _STATUS_WORDS.get(text)
    if found is None:
        found = _STATUS_WORDS.get("".join((text or "").split()))
    return found


_STATUS_WORDS: dict[str, str] = {"": DEFAULT_STATUS} | {s: s for s in STATUSES} | {
    word: status.value for word, status in STATUS_SYNONYMS.items()}


def status_help() -> str:
    return "、".join(STATUSES) + "（也可写：正常、使用中、已停用、停用、关停、拟注销、整改中、规范在用 等）"


@dataclass(frozen=True)
class Column:
    header: str  # the header written on export and in the template
    field: str  # the ParsedRow / model field
    aliases: tuple[str, ...] = ()  # other headers offices use
    help: str = ""
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("单位名称", "unit", ("单位", "主办单位", "单位全称", "网站主办单位", "主管单位", "使用单位", "所属单位",
                              "部门", "部门名称", "责任单位", "填报单位"),
           "必填，单位全称，例如 武定县人力资源和社会保障局；不写县名时按本地区读", True),
    Column("单位类型", "kind", ("类型", "网站类型", "类别"),
           "可填：" + "、".join(KIND_LABELS.values()) + "；不填则按名称判断"),
    Column("所属地区", "region", ("地区", "所在地区", "行政区划")),
    Column("域名", "domain", ("网址", "网站域名", "网站地址", "域名（网址）", "域名(网址)", "网站网址", "英文域名",
                            "中文域名", "网站域名（网址）", "url", "网站"),
           "必填，英文或中文域名，例如 rsj.wuding.gov.cn、武定县人社局.政务；一格写多个域名会拆成多行", True),
    Column("主域名", "primary", ("是否主域名",), "是 / 否；每个单位的英文、中文各只有一个主域名"),
    Column("状态", "status", ("使用状态", "域名状态", "运行状态", "网站状态"), status_help()),
    Column("注册服务机构", "registrar", ("注册商", "域名注册商", "注册机构", "域名注册服务机构")),
    Column("注册日期", "registered_on", ("注册时间", "申请日期", "申请时间")),
    Column("到期日期", "expires_on", ("到期时间", "有效期至", "过期时间", "过期日期")),
    Column("状态变更日期", "changed_on", ("变更日期", "变更时间", "状态变更时间", "公告日期", "注销日期"),
           "状态发生的日期：公告中从这天起算3个月"),
    Column("ICP备案号", "icp_number", ("备案号", "icp备案", "icp备案号", "网站备案号", "ICP备案")),
    Column("党政机关网站标识", "gov_site_mark", ("网站标识", "党政机关标识", "党政机关网站标识码", "网站标识码")),
    Column("公安备案号", "psb_number", ("公安机关备案号", "公安联网备案号", "公网安备")),
    Column("联系人", "contact", ("联系人姓名", "姓名", "负责人", "网站负责人", "管理员", "联系人信息姓名")),
    Column("联系电话", "phone", ("电话", "手机", "手机号", "联系方式", "办公电话", "手机号码", "联系人电话",
                              "联系人信息电话", "联系人信息手机")),
    Column("邮箱", "email", ("电子邮箱", "email", "e-mail", "邮件", "电子邮件", "联系人信息邮箱")),
    Column("备注", "notes", ("说明", "情况说明", "处理情况", "整改情况")),
    Column("网站名称", "site_name", ("网站名", "网站全称", "网站标题", "网站（栏目）名称", "栏目名称")),
)
# Read, not written: 单位性质 decides a unit's kind where the kind column is left open (read_nature).
READ_ONLY_COLUMNS: tuple[Column, ...] = (
    Column("单位性质", "nature", ("机构性质", "单位属性", "性质", "机构类别", "单位类别"),
           "行政机关、参公事业单位、公益一类事业单位 等：事业单位按此判断是否承担行政职能"),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
FIELD_BY_HEADER: dict[str, str] = {c.header: c.field for c in COLUMNS}
# Labels of the stored fields, for the audit trail and edits in chat.
FIELD_LABELS: dict[str, str] = {
    "status": "状态", "notes": "备注", "changed_on": "状态变更日期", "is_primary": "主域名", "unit_id": "单位",
    "unicode": "域名", "registrar": "注册服务机构", "registered_on": "注册日期", "expires_on": "到期日期",
    "icp_number": "ICP备案号", "gov_site_mark": "党政机关网站标识", "psb_number": "公安备案号", "kind": "类型",
    "name": "姓名", "phone": "联系电话", "email": "邮箱", "telegram_id": "Telegram", "removed": "已删除",
}
# Rows that are not data: the serial-number column and the signature lines under a table.
SERIAL_HEADERS = ("序号", "编号", "no", "no.", "序")
FOOTER_WORDS = ("合计", "总计", "小计", "填表人", "审核人", "填表日期", "制表人", "负责人签字", "联系人：", "填报人",
                "审核：", "制表：", "填表：", "单位（盖章）", "单位盖章", "注：", "说明：", "备注：")
