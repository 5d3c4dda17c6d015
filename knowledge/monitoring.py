"""Domain monitoring as the plan asks (五（三） resolution and hosting, 五（四） security, 二（六）/四（三） idle sites):
the NS-suffix → provider table, the CNAME → CDN table, what counts as 境外, the finding codes with their Chinese
messages and clauses, input validation for /monitor, and the look-alike candidates (dnstwist's Fuzzer). Pure:
no network, no database."""
from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import re
import zlib
from dataclasses import dataclass

from knowledge.domains import parse_domain

# Said when even the top-level domain does not resolve: the machine has no working DNS, so nothing is known
# about the domain (never "域名不存在").
NO_RESOLVER = "无法使用域名解析服务（本机网络不通或 DNS 服务器异常），本次没有检查，也没有记录任何问题。请检查网络后重试。"

# Known-good names every working resolver answers with an address: when a domain does not resolve these are asked
# too, and if one fails the resolver is broken (or lying), not the domain.
CONTROL_NAMES = ("www.gov.cn", "www.baidu.com")
# Told to the admins (once) when the resolver fails the control names or most domains fail at once.
RESOLVER_UNHEALTHY = ("🛡 <b>域名监测暂停判断</b>\n解析服务器对已知正常的域名也无法解析（或大量域名同时解析失败），"
                      "问题在解析服务器或本机网络，不在各单位的域名。期间不记录“无法解析”，也不提出闲置建议。"
                      "请检查 MONITOR_RESOLVERS 和网络。")

# -- providers and CDNs ------------------------------------------------------------------------------------
# Suffix of the NS host name → provider. Longest suffix wins; "awsdns-" is matched anywhere in the name.
NS_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("dnspod.net", "DNSPod（腾讯云）"), ("dnsv2.com", "DNSPod（腾讯云）"), ("dnsv3.com", "DNSPod（腾讯云）"),
    ("dnsv4.com", "DNSPod（腾讯云）"), ("dnsv5.com", "DNSPod（腾讯云）"), ("tencentdns.net", "DNSPod（腾讯云）"),
    ("alidns.com", "阿里云解析"), ("hichina.com", "阿里云解析（万网）"), ("taobao.com", "阿里云解析"),
    ("huaweicloud-dns.com", "华为云解析"), ("huaweicloud-dns.cn", "华为云解析"), ("huaweicloud-dns.net", "华为云解析"),
    ("huaweicloud-dns.org", "华为云解析"), ("hwclouds-dns.com", "华为云解析"), ("hwclouds-dns.net", "华为云解析"),
    ("bdydns.com", "百度智能云解析"), ("bdydns.cn", "百度智能云解析"), ("baidubce.com", "百度智能云解析"),
    ("114dns.com", "114DNS"), ("114dns.net", "114DNS"),
    ("myhostadmin.net", "西部数码"), ("west263.com", "西部数码"), ("west.cn", "西部数码"),
    ("xincache.com", "新网"), ("xinnetdns.com", "新网"), ("dns.com.cn", "中国万网"), ("dnsfamily.com", "DNS.la"),
    ("cloudxns.net", "CloudXNS"), ("jdgslb.com", "京东云解析"), ("jdcloud.com", "京东云解析"),
    ("ctyun.cn", "天翼云解析"), ("ksyun.com", "金山云解析"), ("cdnhwc1.com", "华为云解析"),
    ("cloudflare.com", "Cloudflare"), ("nsone.net", "NS1"), ("ultradns.net", "UltraDNS"),
    ("azure-dns.com", "Azure DNS"), ("azure-dns.net", "Azure DNS"), ("googledomains.com", "Google Cloud DNS"),
    ("google.com", "Google Cloud DNS"), ("domaincontrol.com", "GoDaddy"), ("akam.net", "Akamai"),
    ("dynect.net", "Dyn"), ("name.com", "Name.com"), ("registrar-servers.com", "Namecheap"),
)
# Providers based in mainland China: their name servers count as 境内 whatever one of their anycast addresses
# geolocates to (DNSPod's 119.29.29.29 reads as SG).
DOMESTIC_PROVIDERS = frozenset({
    "DNSPod（腾讯云）", "阿里云解析", "阿里云解析（万网）", "华为云解析", "百度智能云解析", "114DNS", "西部数码", "新网",
    "中国万网", "DNS.la", "CloudXNS", "京东云解析", "天翼云解析", "金山云解析"})
# A substring of a CNAME target → CDN. Checked along the whole chain.
CDN_CNAMES: tuple[tuple[str, str], ...] = (
    ("kunlun", "阿里云CDN"), ("alikunlun", "阿里云CDN"), ("alicdn.com", "阿里云CDN"), ("aliyuncs.com", "阿里云CDN"),
    ("cdn.dnsv1.com", "腾讯云CDN"), ("tcdn.qq.com", "腾讯云CDN"), ("cdntip.com", "腾讯云CDN"), ("dsa.dnsv1.com", "腾讯云CDN"),
    ("cdnhwc", "华为云CDN"), ("hwcdn.net", "华为云CDN"), ("huaweicloud-cdn", "华为云CDN"),
    ("bdydns.com", "百度智能云CDN"), ("jomodns.com", "百度智能云CDN"), ("bcebos.com", "百度智能云CDN"),
    ("wscdns.com", "网宿CDN"), ("wswebcdn.com", "网宿CDN"), ("lxdns.com", "网宿CDN"), ("chinacache", "蓝汛CDN"),
    ("ccgslb", "蓝汛CDN"), ("ctdns.cn", "天翼云CDN"), ("ctycdn", "天翼云CDN"), ("qiniudns.com", "七牛CDN"),
    ("kunluncan", "阿里云CDN"), ("yundunwaf", "阿里云WAF"), ("jdcloud-scdn", "京东云CDN"), ("ksyuncdn", "金山云CDN"),
    ("cloudflare.net", "Cloudflare"), ("cloudfront.net", "Amazon CloudFront"), ("akamaiedge.net", "Akamai"),
    ("edgekey.net", "Akamai"), ("edgesuite.net", "Akamai"), ("fastly.net", "Fastly"), ("azureedge.net", "Azure CDN"),
)
# 境外 for these rules: every country but the mainland; 香港, 澳门, 台湾 count as 境外 (said plainly in messages).
DOMESTIC = frozenset({"CN"})
REGION_NAMES = {"CN": "境内", "HK": "香港", "MO": "澳门", "TW": "台湾", "US": "美国", "JP": "日本", "SG": "新加坡",
                "KR": "韩国", "DE": "德国", "GB": "英国", "AU": "澳大利亚", "FR": "法国", "NL": "荷兰", "CA": "加拿大"}
PRIVATE = "--"  # what the country lookup gives for loopback and private networks: neither at home nor abroad


def _suffix_match(name: str, suffix: str) -> bool:
    return name == suffix or name.endswith("." + suffix)


@functools.lru_cache(maxsize=4096)  # NS hosts repeat across every domain of a run
def ns_provider(host: str) -> str:
    host = host.lower().rstrip(".")
    if "awsdns-" in host:
        return "AWS Route 53"
    best = ""
    provider = ""
    for suffix, name in NS_PROVIDERS:
        if _suffix_match(host, suffix) and len(suffix) > len(best):
            best, provider = suffix, name
    return provider or "自建或其他"


def is_domestic_provider(provider: str) -> bool:
    return provider in DOMESTIC_PROVIDERS


def cdn_of(chain: list[str]) -> str:
    for target in chain:
        target = target.lower().rstrip(".")
        for marker, name in CDN_CNAMES:
            if marker in target:
                return name
    return ""


def is_abroad(country: str) -> bool:
    return bool(country) and country != PRIVATE and country not in DOMESTIC


def region_label(country: str) -> str:
    if not country or country == PRIVATE:
        return "内网/保留地址"
    return REGION_NAMES.get(country, country)


def network_of(ip: str) -> str:
    """The network an address sits on, for 'distinct networks': its /24 (IPv4) or /48 (IPv6)."""
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def lookalike_due(label: str, day: dt.date, every_days: int) -> bool:
    """The look-alike search of a label runs once every `every_days` days, on a day fixed by the label (the
    labels of a county spread over the week rather than all on one day)."""
    return (day.toordinal() + zlib.crc32(label.encode())) % max(every_days, 1) == 0


WEB_CODES = frozenset({"unreachable", "cert_invalid", "cert_expiring", "redirect_offsite", "redirect_malformed",
                       "idle_suspected"})


def parse_resolvers(text: str) -> tuple[tuple[str, int], ...]:
    """'host[:port],…' (IPv6 as [addr]:port) → ((host, port), …); raises ValueError with the bad part."""
    out = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        host, port = part, 53
        if part.startswith("["):
            host, _, rest = part[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else 53
        elif part.count(":") == 1:
            host, _, p = part.partition(":")
            port = int(p)
        ipaddress.ip_address(host)  # resolvers are addresses: a name would need a resolver itself
        if not 0 < port < 65536:
            raise ValueError(part)
        out.append((host, port))
    return tuple(out)


# -- findings ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FindingKind:
    code: str
    basis: str  # the clause
    title: str
    todo: str  # what to do
    severity: str = "warn"  # warn | info


REPORT_TO = "州政府办"  # 五（四）: the plan's office; todo_text names the deployment's (knowledge.offices.plan_office)
EXAMPLE_DOMAIN = "www.wuding.gov.cn"  # written for the seed's county; shown localized (knowledge.examples)
FINDINGS: dict[str, FindingKind] = {k.code: k for k in (
    FindingKind("not_resolving", "五（三）", "域名无法解析", "确认域名仍在有效期、解析服务商账户正常；如网站已停用，按程序注销域名。"),
    FindingKind("ns_single", "五（三）", "权威解析服务器只有一台或都在同一网络，没有容灾能力",
                "请在解析服务商处启用至少两台分布在不同网络的权威服务器，或选用具备容灾和抗攻击能力的解析服务。"),
    FindingKind("ns_abroad", "五（三）", "权威解析服务器在境外", "请改用境内的解析服务商（自建解析服务器不得放在境外）。"),
    FindingKind("host_abroad", "五（三）", "网站服务器在境外", "请将网站迁回境内；租用空间须使用服务商的境内节点。"),
    FindingKind("cdn_abroad", "五（三）", "CDN 向境内用户返回了境外节点", "请在 CDN 服务商处设置：境内用户解析到境内节点。"),
    FindingKind("answers_differ", "五（四）", "不同解析服务器返回的地址不一致，可能被劫持",
                "请立即核对各地解析结果和解析服务商的记录，必要时联系服务商和网信部门。"),
    FindingKind("answer_changed", "五（四）", "解析结果与上次正常状态相比变到了其他国家/地区或网络，可能被劫持",
                "请确认是否为本单位的变更；如不是，立即登录解析服务商核对记录并修改密码。"),
    FindingKind("ns_changed", "五（四）", "权威解析服务器发生变化", "请确认是否为本单位的变更；如不是，立即联系注册服务机构锁定域名。"),
    FindingKind("unreachable", "四（三）", "网站在 80 和 443 端口都无法访问",
                "请恢复网站访问；长期不能访问又未注销的网站属于闲置网站，应予以注销。"),
    FindingKind("idle_suspected", "二（六）、四（三）", "网站已连续多日无法访问，建议认定为闲置",
                "管理员核实后可用 /setstatus 域名 闲置 改状态；闲置网站应注销域名。"),
    FindingKind("cert_invalid", "五（四）", "HTTPS 证书无效", "请更换由受信任机构签发、包含本域名、在有效期内的证书。"),
    FindingKind("cert_expiring", "五（四）", "HTTPS 证书即将到期", "请在到期前续期证书。"),
    FindingKind("redirect_offsite", "五（四）", "网站跳转到了其他域名", "请确认跳转目标是本单位的网站；如不是，可能被篡改。"),
    FindingKind("redirect_malformed", "五（四）", "网站返回的跳转地址无法识别",
                "请检查网站的跳转设置；如不是本单位所设，可能被篡改。"),
    FindingKind("lookalike_registered", "五（四）", "发现疑似冒名注册的相似域名",
                "按要求向" + REPORT_TO + "报告（可使用机器人提供的报告文本）。", "warn"),
)}
CERT_ALERT_DAYS = (30, 14, 7)


def finding_message(code: str, detail: str = "") -> str:
    kind = FINDINGS[code]
    return f"{kind.title}{'：' + detail if detail else ''}"


def todo_text(code: str, office: str = "") -> str:
    """What to do about a finding, with the office reports go to named as the deployment's (恩施州政府办)."""
    todo = FINDINGS[code].todo
    return todo.replace(REPORT_TO, office) if office else todo


def cert_alert_step(days_left: int) -> int | None:
    """The alert threshold a certificate with `days_left` has reached (30, 14, 7), None when none."""
    reached = [d for d in CERT_ALERT_DAYS if days_left <= d]
    return min(reached) if reached else None


# -- input ---------------------------------------------------------------------------------------------------
_IP = re.compile(r"^\[?[0-9a-fA-F:.]+\]?$")


def validate_target(text: str, example: str = EXAMPLE_DOMAIN) -> tuple[str, str]:
    """(ascii domain, '') or ('', why not, in Chinese) for /monitor and `domainbot monitor`; `example` is the
    domain the refusals show (the deployment's own portal)."""
    raw = (text or "").strip()
    if not raw:
        return "", "请给出要检查的域名，例如 " + example
    try:
        ipaddress.ip_address(raw.strip("[]"))
        return "", "这是一个 IP 地址。请给出域名，例如 " + example
    except ValueError:
        pass
    if "://" in raw or "/" in raw:
        return "", "请只给出域名，不要带 http:// 或路径，例如 " + example
    parsed = parse_domain(raw)
    if not parsed.valid:
        return "", f"“{raw[:60]}”不是有效的域名（{parsed.error}）"
    if len(parsed.labels) < 2:
        return "", f"“{raw[:60]}”不是完整的域名，例如 " + example
    if _IP.match(parsed.ascii) and parsed.labels[-1].isdigit():
        return "", "这是一个 IP 地址。请给出域名，例如 " + example
    return parsed.ascii, ""


# -- look-alikes -------------------------------------------------------------------------------------------
LOOKALIKE_TLDS = ("cn", "com", "net", "com.cn", "org")
FUZZED_TLDS = ("com", "cn")  # the permutations are tried under these
_SUFFIXES = ("gov.cn", "com.cn", "net.cn", "org.cn", "edu.cn", "cn", "com", "net", "org", "gov", "政务", "公益")
_LDH = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def unit_label(domain: str) -> str:
    """The label a unit is known by: wuding of www.wuding.gov.cn or rsj.wuding.gov.cn; wdczj of www.wdczj.com."""
    labels = domain.lower().rstrip(".").split(".")
    for suffix in _SUFFIXES:
        parts = suffix.split(".")
        if labels[-len(parts):] == parts and len(labels) > len(parts):
            return labels[-len(parts) - 1]
    return labels[-2] if len(labels) >= 2 else labels[0]


def _typos(label: str):
    """dnstwist's typing-error fuzzers, most likely first, each yielding one name at a time (never a whole set):
    omission, transposition, hyphenation, repetition, vowel swap, keyboard replacement and insertion, addition,
    bit flips. At most a few thousand for a 63-character label."""
    from dnstwist import Fuzzer  # its keyboard tables; 0.3 s to import, so only when look-alikes are wanted

    n = len(label)
    yield from (label[:i] + label[i + 1:] for i in range(n))
    yield from (label[:i] + label[i + 1] + label[i] + label[i + 2:] for i in range(n - 1))
    yield from (label[:i] + "-" + label[i:] for i in range(1, n))
    yield from (label[:i] + c + label[i:] for i, c in enumerate(label))
    yield from (label[:i] + v + label[i + 1:] for i, c in enumerate(label) if c in "aeiou" for v in "aeiou")
    for i, c in enumerate(label):
        for board in Fuzzer.keyboards:
            yield from (label[:i] + r + label[i + 1:] for r in board.get(c, ""))
    for i, c in enumerate(label):
        for board in Fuzzer.keyboards:
            for r in board.get(c, ""):
                yield label[:i] + r + c + label[i + 1:]
                yield label[:i] + c + r + label[i + 1:]
    yield from (label + chr(i) for i in (*range(48, 58), *range(97, 123)))
    chars = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    for i, c in enumerate(label):
        for mask in (1, 2, 4, 8, 16, 32, 64, 128):
            if (b := chr(ord(c) ^ mask)) in chars:
                yield label[:i] + b + label[i + 1:]


def _homoglyphs(label: str):
    """(name, is IDN) that look like the label, ASCII and IDN in turn: one character (or pair) swapped for an
    ASCII look-alike (rn for m, 1 for l), or one character for one that looks the same in another script, and
    the whole label in Cyrillic (dnstwist's tables). One substitution per name: dnstwist's own homoglyph fuzzer
    also tries every pair of substitutions, a million names and more than a minute for 63 characters."""
    import itertools

    from dnstwist import Fuzzer

    def ascii_forms():
        for i in range(len(label)):
            for size in (1, 2):
                part = label[i:i + size]
                if len(part) == size:
                    yield from ((label[:i] + g + label[i + size:], False) for g in Fuzzer.glyphs_ascii.get(part, ()))

    def idn_forms():
        if len(label) > 57:  # xn-- and the encoding would make it longer than a label may be
            return
        cyrillic = "".join(Fuzzer.latin_to_cyrillic.get(c, c) for c in label)
        if all(a != b for a, b in zip(cyrillic, label)):
            yield cyrillic, True
        glyphs = [Fuzzer.glyphs_unicode.get(c, ()) for c in label]
        for j in range(max(map(len, glyphs), default=0)):  # the first look-alike of every character, then the second
            yield from ((label[:i] + g[j] + label[i + 1:], True) for i, g in enumerate(glyphs) if j < len(g))

    for pair in itertools.zip_longest(ascii_forms(), idn_forms()):
        yield from (p for p in pair if p is not None)


def _ascii_name(label: str, tld: str) -> str:
    """label.tld as DNS carries it ('' when it cannot be a domain: too long, bad characters, refused by IDNA)."""
    if label.isascii():
        return f"{label}.{tld}" if _LDH.fullmatch(label) else ""
    import idna

    try:
        encoded = idna.encode(label).decode()
    except (idna.IDNAError, UnicodeError, ValueError):
        return ""
    return f"{encoded}.{tld}" if len(encoded) <= 63 else ""


def lookalike_candidates(label: str, prefixes: tuple[str, ...] = (), limit: int = 300) -> list[str]:
    """The same label (and prefix+label) under .cn/.com/.net/.com.cn/.org first, then -gov / gov- forms, then
    permutations of label.com and label.cn: two typing errors for each homograph (ASCII or IDN look-alike),
    IDN names in their xn-- form. At most `limit`, no duplicates, and never more made than taken: every fuzzer
    yields one name at a time, so a 63-character label costs what a short one does (a few milliseconds)."""
    import itertools

    if limit <= 0:
        return []
    labels = [label, *(p + label for p in prefixes if p)]
    out: dict[str, None] = {}

    def take(names) -> bool:
        for name in names:
            if name and len(out) < limit:
                out.setdefault(name, None)
            if len(out) >= limit:
                return True
        return False

    exact = (_ascii_name(lab, tld) for lab in labels for tld in LOOKALIKE_TLDS)
    gov = (_ascii_name(form, tld) for lab in labels for tld in FUZZED_TLDS
           for form in (f"{lab}-gov", f"gov-{lab}", f"{lab}gov"))
    if take(exact) or take(gov):
        return list(out)
    from dnstwist import Fuzzer

    typos = (_ascii_name(typo, tld) for typo in _typos(label) if typo != label for tld in FUZZED_TLDS)
    # IDN only under TLDs whose registry takes any script (dnstwist's table: .cn takes no Latin look-alikes)
    homographs = (_ascii_name(name, tld) for name, idn in _homoglyphs(label) for tld in FUZZED_TLDS
                  if not idn or tld not in Fuzzer.glyphs_idn_by_tld)
    while True:  # two typing errors, then one homograph, while either lasts
        batch = [*itertools.islice(typos, 2), *itertools.islice(homographs, 1)]
        if not batch or take(batch):
            return list(out)


def readable(name: str) -> str:
    """An IDN look-alike as staff would see it next to its DNS form: xn--uding-o59a.com（ᴡuding.com）."""
    if "xn--" not in name:
        return name
    import idna

    try:
        return f"{name}（{idna.decode(name)}）"
    except (idna.IDNAError, UnicodeError, ValueError):
        return name


def impersonation_report(unit: str, own: str, found: list[tuple[str, list[str], str]], office: str = "") -> str:
    """The ready text of the report to 州政府办 (五（四）), or to `office` (the deployment's: 恩施州政府办):
    found = [(domain, addresses, registrant)]."""
    lines = [f"关于发现疑似冒用{unit or own}名义注册域名的报告", "",
             f"{office or REPORT_TO}：",
             f"按照政府网站域名管理要求（五（四）），我们在日常监测中发现以下域名与{unit or own}的政府网站域名 {own} 相似，"
             "疑似冒名注册，现予报告：", ""]
    for i, (name, addresses, registrant) in enumerate(found, 1):
        where = "、".join(addresses) if addresses else "有解析服务器记录"
        who = f"，注册人：{registrant}" if registrant else ""
        lines.append(f"{i}. {readable(name)}（解析到 {where}{who}）")
    lines += ["", "请予核查处置。", ""]
    return "\n".join(lines)


def describe_event(kind: str, before: str, after: str) -> str:
    """One line of /history for a monitoring event (before/after as stored: a code or JSON)."""
    def show(value: str) -> str:
        try:
            data = json.loads(value) if value else ""
        except ValueError:
            data = value
        if isinstance(data, dict):
            return "；".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in data.items())
        return ", ".join(data) if isinstance(data, list) else str(data)

    if kind == "finding":
        return f"发现问题：{FINDINGS[after].title if after in FINDINGS else after}"
    if kind == "resolved":
        return f"问题已消除：{FINDINGS[before].title if before in FINDINGS else before}"
    titles = {"answer_changed": "解析结果变化", "ns_changed": "权威解析服务器变化", "answers_differ": "各解析服务器结果不一致"}
    return f"{titles.get(kind, kind)}：{show(before) or '—'} → {show(after)}"


def region_prefixes(unit_name: str) -> tuple[str, ...]:
    """Province and prefecture spellings a look-alike may put before the unit's label: full pinyin and initials
    (武定县人民政府 → yunnan, yn, chuxiong, cx)."""
    from knowledge.naming import initials, plain_pinyin
    from knowledge.units import parse_unit

    out: list[str] = []
    for region in parse_unit(unit_name).regions[-2:]:
        syllables = plain_pinyin(region.short)
        out += ["".join(syllables), initials(syllables)]
    return tuple(dict.fromkeys(p for p in out if p and p.isascii() and p.isalnum()))


# -- /progress: which open findings count as urgent, and under which clause ---------------------------------
# Signs of hijacking or tampering first (act today), then what breaks HTTPS or impersonates the unit, then a
# certificate a week from expiry, then hosting abroad. Not urgent (shown only as counts): one NS network, an
# unreachable or idle site, a certificate 14 or 30 days from expiry, a domain that no longer resolves.
URGENT_ORDER = ("answer_changed", "ns_changed", "answers_differ", "redirect_offsite", "redirect_malformed", "cert_invalid",
                "lookalike_registered", "cert_expiring", "host_abroad", "cdn_abroad", "ns_abroad")
PROGRESS_CLAUSES = ("五（三）", "五（四）")


def finding_urgency(code: str, variant: str = "") -> int | None:
    """Rank among the urgent findings (0 most urgent), or None when the finding is not urgent."""
    if code not in URGENT_ORDER or (code == "cert_expiring" and variant != "7"):
        return None
    return URGENT_ORDER.index(code)


def finding_clause(basis: str) -> str | None:
    """五（三） or 五（四） for /progress (other clauses: None)."""
    return next((c for c in PROGRESS_CLAUSES if c in basis), None)
