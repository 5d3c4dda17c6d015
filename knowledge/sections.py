"""A question that names a part of the plan and asks what it says (落实管理责任这部分说了什么, 注册注销流程第三条
讲的啥, 事业单位网站怎么规定的): the section it means, so that the answer is that part's facts in order.

Sub-headings are read from the clauses themselves (a clause text that opens with a short heading sentence,
"落实管理责任。…"); the five parts of the plan are named here with their numbers."""
from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.policy import Clause

PARTS = {"指导思想": "一", "清理范围及标准": "二", "清理范围": "二", "注册、注销流程": "三", "注册注销流程": "三",
         "注册和注销流程": "三", "方法步骤": "四", "有关要求": "五"}
_NUMERALS = "一二三四五六"
_ORDINAL = re.compile(r"第([一二三四五六1-6])(?:条|点|项|步|部分|款|小节)?|[（(]([一二三四五六1-6])[）)]")
_CONTENT = re.compile(r"(说|讲|写|规定|提)(了|的)?(啥|什么|哪些)|什么内容|内容|怎么(说|写|规定|要求)|讲的是|说的是")
_SECTION_WORDS = re.compile(r"这部分|这一部分|这条|这一条|那条|这一步|这节|这一节|部分|一条|这块")
MAX_HEADING = 12


def heading(clause: Clause) -> str:
    """The heading a clause text opens with ("落实管理责任。…" -> 落实管理责任), or ''."""
    first, dot, _ = clause.text.partition("。")
    if dot and len(first) <= MAX_HEADING and "，" not in first and "：" not in first:
        return first
    return ""


def _numeral(raw: str) -> str:
    return _NUMERALS[int(raw) - 1] if raw.isdigit() else raw


def section_asked(question: str, clauses: Sequence[Clause]) -> str | None:
    """The section (五（二）) a question asks the content of, or None."""
    if not _CONTENT.search(question):
        return None
    part = next((code for name, code in PARTS.items() if name in question), None)
    if part:
        rest = question[question.index(next(n for n in PARTS if n in question)):]
        match = _ORDINAL.search(rest)
        if match:
            section = f"{part}（{_numeral(match.group(1) or match.group(2))}）"
            if any(c.section == section for c in clauses):
                return section
    best, found = "", None
    for clause in clauses:
        head = heading(clause)
        if head and head in question and len(head) > len(best) and (len(head) >= 4 or _SECTION_WORDS.search(question)):
            best, found = head, clause.section
    return found
