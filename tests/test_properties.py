"""Property tests (hypothesis) for the parsers and rules."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.domains import parse_domain
from knowledge.naming import suggest
from knowledge.places import divisions
from knowledge.qa import ask
from knowledge.rules import check
from knowledge.units import department_table, parse_unit

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
CN_LABEL = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8)
DOMAINS = st.one_of(
    st.lists(LABEL, min_size=2, max_size=5).map(".".join),
    st.tuples(CN_LABEL, st.sampled_from(["政务", "公益", "中国", "com"])).map(".".join),
    st.lists(LABEL, min_size=1, max_size=3).map(lambda ls: ".".join([*ls, "gov", "cn"])),
)
PLACES = [p for p in divisions().by_code.values() if not p.code.startswith(("71", "81", "82"))]
UNITS = st.one_of(
    st.sampled_from(PLACES).map(lambda p: p.name + "人民政府"),
    st.tuples(st.sampled_from([p for p in PLACES if p.level == "county"]),
              st.sampled_from([d.name for d in department_table() if d.kind == "department"])).map(lambda t: t[0].name + t[1]),
)


@FAST
@given(st.text(max_size=300))
def test_normalisation_never_raises(text):
    parse_domain(text)
    parse_unit(text)
    check(text, text)


HOSTISH = st.one_of(
    DOMAINS,
    st.text(alphabet="abxn-09.", max_size=80),  # punycode-like labels, hyphens and dots at the edges, digit TLDs
    st.lists(st.from_regex(r"[a-z0-9-]{1,70}", fullmatch=True), min_size=1, max_size=6).map(".".join),
)


@settings(max_examples=1000, deadline=None)
@given(HOSTISH)
def test_plain_host_shortcut_gives_what_every_step_gives(text):
    """`_parse` answers plain lower-case hosts at once; the full steps must agree on every input."""
    import re

    from knowledge import domains

    fast = domains._parse(text)
    saved = domains._PLAIN_HOST
    domains._PLAIN_HOST = re.compile(r"(?!)")  # never matches: every step runs
    try:
        assert domains._parse(text) == fast
    finally:
        domains._PLAIN_HOST = saved
    assert fast.is_chinese == any(label.startswith("xn--") for label in fast.labels)


def test_plain_host_shortcut_is_taken():
    from knowledge import domains

    for text in ("www.wuding.gov.cn", "a-b.c9.com", "x" * 63 + ".cn"):
        assert domains._PLAIN_HOST.fullmatch(text)
    for text in ("xn--fiqs8s.cn", "a.xn--fiqs8s", "-a.cn", "a-.cn", "a..cn", "A.cn", "a.cn.", "cn", "x" * 64 + ".cn"):
        assert not domains._PLAIN_HOST.fullmatch(text)


@FAST
@given(DOMAINS)
def test_normalisation_is_idempotent(domain):
    first = parse_domain(domain)
    if first.valid:
        assert parse_domain(first.ascii).ascii == first.ascii
        assert parse_domain(first.unicode).ascii == first.ascii
        assert parse_domain(first.ascii.upper() + ".").ascii == first.ascii


@FAST
@given(DOMAINS, UNITS)
def test_equivalent_forms_get_the_same_verdict(domain, unit):
    parsed = parse_domain(domain)
    forms = [domain, domain.upper(), domain + ".", f"http://{domain}/", f"https://{domain.upper()}"]
    if parsed.valid:
        forms += [parsed.ascii, parsed.unicode]
    verdicts = {(r.compliant, frozenset(p.code for p in r.problems)) for r in (check(f, unit) for f in forms)}
    assert len(verdicts) == 1, verdicts


@FAST
@given(UNITS)
def test_every_suggestion_passes_its_own_check(unit):
    advice = suggest(unit)
    assert (advice.english or advice.system) and advice.chinese  # a court's site follows its own system's rules
    for domain in advice.english + advice.chinese:
        result = check(domain, unit, advice.kind)
        assert result.compliant, (domain, [p.code for p in result.problems])


@FAST
@given(st.sampled_from([d.name for d in department_table() if d.kind == "department"]), st.sampled_from(PLACES))
def test_department_suggestions_under_a_given_parent_pass(dept, place):
    unit = place.name + dept
    advice = suggest(unit, parent="www.example-portal.gov.cn")
    for domain in advice.english:
        assert domain.endswith(".example-portal.gov.cn")
        assert check(domain, unit, advice.kind, parent="www.example-portal.gov.cn").compliant


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_questions_never_raise(text):
    answer = ask(text)
    assert isinstance(answer.text, str) and isinstance(answer.in_scope, bool)


@pytest.mark.parametrize("kind", ["institution_admin", "system"])
def test_suggestions_for_given_kinds_pass(kind):
    unit = "武定县公共资源交易中心" if kind == "institution_admin" else "武定县网上办事大厅"
    advice = suggest(unit, kind=kind)
    for domain in advice.english:
        assert check(domain, unit, kind).compliant


def _cell_text_every_step(text: str) -> str:
    """bot.registry.sheets.cell_text of a str as it was before its shortcut for normalised printable text."""
    from knowledge.text import clean

    if text == "":
        return ""
    if text.isascii() and text.isprintable():
        text = " ".join(text.split())[:2000] if " " in text else text[:2000]
    else:
        text = clean(text, limit=2000)
    return text  # the ' guard of a CSV export is the CSV reader's to strip (bot.registry.sheets._csv_sheets)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(alphabet="武定县 教育局\u3000\u00a0\u200b\ufb01Ａ１'=　\t", max_size=60),
                 st.text(min_size=1990, max_size=2100, alphabet="教育局 ab")))
def test_cell_text_shortcut_gives_what_clean_gives(text):
    from bot.registry.sheet_rows import _compact_cell
    from bot.registry.sheets import cell_text
    from knowledge.text import compact

    assert cell_text(text) == _cell_text_every_step(text)
    assert _compact_cell(cell_text(text)[:200]) == compact(cell_text(text)[:200])
