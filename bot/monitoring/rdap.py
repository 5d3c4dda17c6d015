"""The registrant of a .com/.net look-alike from RDAP. Verisign's registry (a thin registry) names no registrant
in WHOIS or RDAP, but its RDAP answer links to the registrar's RDAP record, which often does (or says it is
redacted: then nothing is shown). MONITOR_RDAP_URL is the registry's base (`{tld}` is replaced by com or net),
so the tests point it at a server on 127.0.0.1; MONITOR_WHOIS=off turns these look-ups off too."""
from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_BASE = "https://rdap.verisign.com/{tld}/v1"
TLDS = ("com", "net")
MAX_ANSWER = 256 * 1024


def url_for(domain: str, base: str = "") -> str | None:
    tld = domain.rsplit(".", 1)[-1]
    if tld not in TLDS:
        return None
    return f"{(base or DEFAULT_BASE).replace('{tld}', tld).rstrip('/')}/domain/{domain}"


def _vcard_name(entity: dict) -> str:
    """The organisation, else the full name, of an RDAP entity's vCard ('' when absent or redacted)."""
    values = {}
    card = entity.get("vcardArray") or []
    for item in (card[1] if len(card) > 1 and isinstance(card[1], list) else []):
        if isinstance(item, list) and len(item) >= 4 and item[0] in ("org", "fn"):
            value = item[3]
            value = "".join(value) if isinstance(value, list) else str(value)
            values.setdefault(item[0], value.strip())
    name = values.get("org") or values.get("fn") or ""
    return "" if not name or "redacted" in name.lower() or "privacy" in name.lower() else name[:200]


def parse_registrant(record: dict) -> str:
    for entity in record.get("entities") or []:
        if isinstance(entity, dict) and "registrant" in (entity.get("roles") or []):
            return _vcard_name(entity)
    return ""


def registrar_link(record: dict) -> str:
    """The registrar's RDAP record of the domain (the registry's `related` link), or ''."""
    for link in record.get("links") or []:
        if (isinstance(link, dict) and link.get("rel") == "related" and "rdap" in str(link.get("type", ""))
                and urlsplit(str(link.get("href", ""))).scheme in ("http", "https")):
            return str(link["href"])
    return ""


async def registrant(domain: str, base: str = "", timeout: float = 5.0) -> str:
    url = url_for(domain, base)
    if url is None:
        return ""
    import httpx  # python-telegram-bot's HTTP client; loaded only for look-alikes

    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True, max_redirects=3,
                                 headers={"Accept": "application/rdap+json"}) as client:
        async def fetch(address: str) -> dict:
            try:
                answer = await client.get(address)
                if answer.status_code != 200 or len(answer.content) > MAX_ANSWER:
                    return {}
                record = answer.json()
                return record if isinstance(record, dict) else {}
            except (httpx.HTTPError, ValueError):
                return {}

        record = await fetch(url)
        name = parse_registrant(record)
        link = registrar_link(record)
        if not name and link:
            name = parse_registrant(await fetch(link))
        return name
