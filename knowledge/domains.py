"""Domain and URL normalisation: any accepted form (URL, upper case, trailing dot, punycode, Unicode,
full-width dots) to one ASCII lower-case domain and its Unicode form. Never raises."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import idna

MAX_DOMAIN_INPUT = 2048
_DOTS = str.maketrans({"。": ".", "．": ".", "｡": "."})
_ASCII_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Two or more lower-case ASCII labels (1–63 characters, no hyphen at either end, not punycode), nothing else:
# the common case, which every step of `_parse` returns unchanged (a registry import parses 100,000 of them).
_PLAIN_HOST = re.compile(r"(?:(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedDomain:
    input: str
    ascii: str = ""  # e.g. www.wuding.gov.cn, xn--...; empty when the input is not a domain
    unicode: str = ""
    path: str = ""
    error: str = ""  # why the input is not a valid domain (Chinese, for the user)

    @property
    def valid(self) -> bool:
        return not self.error

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.ascii.split(".")) if self.ascii else ()

    @property
    def unicode_labels(self) -> tuple[str, ...]:
        return tuple(self.unicode.split(".")) if self.unicode else ()

    @property
    def is_chinese(self) -> bool:
        """A label starts with xn--."""
        return self.ascii.startswith("xn--") or ".xn--" in self.ascii

    @property
    def has_path(self) -> bool:
        return self.path not in ("", "/")

    @property
    def site_path(self) -> str:
        """The path that, with the host, names a site in the registry (see `site_path`)."""
        return site_path(self.path)

    @property
    def site(self) -> str:
        """Host (Unicode form) and path: www.wuding.gov.cn/shishan."""
        return self.unicode + self.site_path


# A column's start page, dropped from its path: www.x.gov.cn/zwgk/index.html is the column /zwgk.
_START_PAGE = re.compile(r"/(?:index|default)\.(?:html?|shtml|jhtml|jsp|php|aspx?)$", re.IGNORECASE)


def site_path(path: str) -> str:
    """A URL's path as the registry records it: no query or fragment, no repeated or trailing slash, no start
    page (index.html …), letters kept as written (a server may tell /ZWGK from /zwgk); '' for the whole host.
    www.wuding.gov.cn/shishan/ → '/shishan'."""
    if not path:
        return ""
    for mark in ("?", "#"):
        path = path.partition(mark)[0]
    path = _START_PAGE.sub("/", re.sub(r"/{2,}", "/", path))
    return path.rstrip("/")[:500]


def site_text(domain: object) -> str:
    """A registered site as written for people: its host's Unicode form and its path (a Domain or DomainRow)."""
    return (domain.unicode or domain.name) + (getattr(domain, "path", "") or "")


def _host_and_path(text: str) -> tuple[str, str]:
    if _SCHEME.match(text):
        parts = urlsplit(text)  # ValueError for 'http://x]/', 'http://[www.wuding.gov.cn]/'
        host = parts.netloc.rsplit("@", 1)[-1]
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        host, sep, rest = text.partition("/")
        path = sep + rest
        for mark in ("?", "#"):
            if mark in host:
                host, _, tail = host.partition(mark)
                path = mark + tail + path
    if host.startswith("[") or host.count(":") > 1:
        return host, path  # IPv6 literal: rejected below
    return host.rsplit(":", 1)[0] if ":" in host else host, path


def parse_domain(text: str | None) -> ParsedDomain:
    """A message is parsed when it is routed and again when it is checked, and IDNA work in pure Python is
    slow (0.14 ms for 禄丰县财政局.政务): parses are immutable, so recent ones are kept."""
    raw = "" if text is None else str(text)
    return _cached_parse(raw) if len(raw) <= MAX_DOMAIN_INPUT else _parse(raw)


def _parse(raw: str) -> ParsedDomain:
    if len(raw) <= 253 and _PLAIN_HOST.fullmatch(raw) and not raw.rpartition(".")[2].isdigit():
        return ParsedDomain(raw, raw, raw)  # lower-case ASCII labels, no punycode: what the steps below return
    original = raw[:MAX_DOMAIN_INPUT]
    if original.isascii() and original.isprintable():  # most input: nothing to normalise or drop
        cleaned = original.strip()
    else:
        cleaned = unicodedata.normalize("NFKC", original).translate(_DOTS).strip()
        cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch)[0] != "C")
    if not cleaned:
        return ParsedDomain(original, error="域名为空")
    if len(raw) > MAX_DOMAIN_INPUT or _SPACE.search(cleaned):
        return ParsedDomain(original, error="不是一个域名（含空格或过长）")
    try:
        host, path = _host_and_path(cleaned)
    except ValueError:
        return ParsedDomain(original, error="网址格式有误（方括号只能括住 IPv6 地址，域名不用方括号）")
    host = host.rstrip(".") if host.endswith(".") and not host.endswith("..") else host
    if not host:
        return ParsedDomain(original, path=path, error="没有主机名")
    labels = host.split(".")
    if any(not label for label in labels):
        return ParsedDomain(original, path=path, error="域名中有空的部分（连续的点或以点开头）")
    if len(labels) < 2:
        return ParsedDomain(original, path=path, error="域名至少要有两级，例如 www.wuding.gov.cn")
    ascii_labels, unicode_labels = [], []
    for label in labels:
        try:
            if label.isascii():
                a = label.lower()
                u = idna.decode(a) if a.startswith("xn--") else a
                if a.startswith("xn--"):
                    idna.encode(u, uts46=True)  # the punycode must be a valid IDNA label
            else:
                a = idna.encode(label, uts46=True).decode("ascii")
                u = idna.decode(a)
        except (idna.IDNAError, UnicodeError, ValueError):
            return ParsedDomain(original, path=path, error=f"“{label[:64]}”不是合法的域名标签")
        if not _ASCII_LABEL.match(a):
            return ParsedDomain(original, path=path, error=f"“{label[:64]}”含有域名不允许的字符或过长")
        ascii_labels.append(a)
        unicode_labels.append(u)
    if ascii_labels[-1].isdigit():
        return ParsedDomain(original, path=path, error="顶级域不能全是数字（这像是 IP 地址或数字）")
    ascii_name = ".".join(ascii_labels)
    if len(ascii_name) > 253:
        return ParsedDomain(original, path=path, error="域名总长度超过 253 个字符")
    return ParsedDomain(original, ascii_name, ".".join(unicode_labels), path)


_cached_parse = lru_cache(maxsize=4096)(_parse)
_SPACE = re.compile(r"\s")  # the characters str.isspace() accepts


def looks_like_domain(text: str) -> bool:
    """A chat message that is a domain or URL (not a sentence that mentions one)."""
    t = unicodedata.normalize("NFKC", text or "").translate(_DOTS).strip()
    if not t or any(ch.isspace() for ch in t) or len(t) > 300:
        return False
    if _SCHEME.match(t):
        return True
    host = t.split("/", 1)[0]
    if "." not in host:
        return False
    # A sentence that ends in a domain ("能注册gov.cn吗") mixes Chinese and Latin inside one label.
    if any(not label.isascii() and any(ch.isascii() and ch.isalnum() for ch in label) for label in host.split(".")):
        return False
    return parse_domain(t).valid


_DIGIT = re.compile(r"[0-9]")


def ip_host(text: str | None) -> str:
    """The IPv4 address a site is reached by ('http://10.1.2.3:8080/x' → '10.1.2.3'), or ''."""
    if not text or (text.isascii() and _DIGIT.search(text) is None):
        return ""  # most names: no digit, no address (only non-ASCII text can gain digits by NFKC)
    import ipaddress

    t = unicodedata.normalize("NFKC", text or "").translate(_DOTS).strip()
    if not t or len(t) > 300 or any(ch.isspace() for ch in t):
        return ""
    try:
        host, _ = _host_and_path(t)  # ValueError for 'http://[www.wuding.gov.cn]/' too
        return str(ipaddress.IPv4Address(host[:-1] if host.endswith(".") else host))
    except ValueError:
        return ""
