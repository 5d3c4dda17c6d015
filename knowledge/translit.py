"""Questions typed in pinyin or English, read as the Chinese they stand for.

Pinyin: a lookup from the toneless pinyin of the policy's own vocabulary (and common question words) to the
word, matched longest first (`bumen wangzhan yuming` -> 部门网站域名). English: a glossary of policy terms,
longest phrase first (`deadline for reporting a new contact` -> 截止 报送 新 联系人). Words neither knows are
dropped: what is left is handed to the Chinese pipeline, which decides scope as for any question."""
from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge.resources import load_yaml

COMMON_WORDS = (
    "怎么 怎样 怎么办 什么 什么时候 多久 多长时间 哪里 哪个 哪些 谁 可以 能 能不能 吗 申请 处理 要求 格式 结构 后 以后 时候 截止 期限 "
    "报 报送 上报 注销 注册 备案 部门 网站 域名 联系人 电话 邮箱 传真 县 州 县里 州里 多少 几个 公告 月 天 工作日 服务器 境外 "
    "中文 英文 事业单位 门户 政府 规定 用 使用 换 变更 负责 审批 同意 流程 需要 不 没有 哪天 日期 清理 情况 文件 通知 方案 "
    "名称 拼音 是 的 要 交 给 发 到 放 在 有 和 个 几 号 新 旧 老 原来 以前 单位 局 办 网址 后缀 标准 步骤 材料 谁发 发给 "
    # question tags and amounts typed in pinyin (…jiu xing le ba, liang ge yue)
    "就行了吧 就行了 就行 就可以 可以吧 对吧 对不对 是不是 是吧 要不要 行不行 吧 了 两个月 一个月 三个月 两个 一个 三个 二十个 "
    "一 二 两 三 四 五 六 七 八 九 十 十五 二十 三十 六十 个月 个工作日 内 之内 以内 天 周 年 半年 "
    # sections asked in pinyin (di si bu fen, fang fa bu zhou you ji bu a)
    "部分 第 条 方法 讲 说 啥 内容 啊 呢 标题 题目 叫 什么"
).split()
_PINYIN_TOKEN = re.compile(r"[a-z]+")


def _english_words(words: list[str]) -> int:
    """How many English function words; a final "a" is pinyin's 啊 (you ji bu a), not the English article."""
    return sum(w in _ENGLISH_FUNCTION_WORDS for w in (words[:-1] if words[-1:] == ["a"] else words))
_LATIN = re.compile(r"[a-z]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DOMAINISH = re.compile(r"[a-z0-9-]*\.[a-z0-9.-]+|[\w.+-]+@[\w.-]+")


class Transliterator:
    def __init__(self, vocabulary: Iterable[str]) -> None:
        from pypinyin import lazy_pinyin

        self.by_sound: dict[str, str] = {}
        for word in [*COMMON_WORDS, *vocabulary]:
            if word and all(_CJK.match(ch) for ch in word) and len(word) <= 8:
                self.by_sound.setdefault("".join(lazy_pinyin(word)), word)
        self.longest = max(len(k) for k in self.by_sound)
        glossary = load_yaml("glossary.yaml")
        self.glossary = sorted(((k.lower(), v) for k, v in glossary.items()), key=lambda kv: -len(kv[0]))
        self.words_known = frozenset(k for k, _ in self.glossary if " " not in k)
        self.english_markers = frozenset(k for k, _ in self.glossary if " " not in k) | _ENGLISH_FUNCTION_WORDS

    def is_english(self, question: str) -> bool:
        """Written in English (not pinyin, not Chinese): the direct answer is then given in English."""
        q = question.lower()
        letters = len(_LATIN.findall(_DOMAINISH.sub("", q)))
        if letters < 4 or _CJK.search(q):
            return False
        return _english_words(_PINYIN_TOKEN.findall(_DOMAINISH.sub(" ", q))) > 0

    def to_chinese(self, question: str) -> str:
        """The question itself when it is Chinese; its Chinese reading when it is pinyin or English."""
        q = question.lower()
        letters = len(_LATIN.findall(_DOMAINISH.sub("", q)))
        if letters < 4 or letters < 2 * len(_CJK.findall(q)):
            return question
        words = _PINYIN_TOKEN.findall(_DOMAINISH.sub(" ", q))
        english = _english_words(words)
        if english:
            return self.english(q)
        return self.pinyin(q)

    def pinyin(self, text: str) -> str:
        """Each run of pinyin words is cut into vocabulary words covering it whole (fewest words first,
        across the spaces or not); a word that cannot be covered is dropped, never read in part."""
        out: list[str] = []
        run: list[str] = []
        for token in text.split():
            if token.isascii() and token.isalpha():
                run.append(token)
                continue
            out.append(self._pinyin_run(run))
            run = []
            out.append(token if _DOMAINISH.fullmatch(token) else re.sub(r"[a-z]+", "", token))
        out.append(self._pinyin_run(run))
        return "".join(out)

    def _pinyin_run(self, tokens: list[str]) -> str:
        if not tokens:
            return ""
        letters = "".join(tokens)
        boundaries = {0}
        for token in tokens:
            boundaries.add(max(boundaries) + len(token))
        n = len(letters)
        # best[i]: (cost, words) for letters[:i]; a word costs 1, a token dropped whole costs 10
        best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, [])
        ends = sorted(boundaries)
        for i in range(n):
            if best[i] is None:
                continue
            cost, words = best[i]
            for size in range(1, min(self.longest, n - i) + 1):
                word = self.by_sound.get(letters[i:i + size])
                if word and (best[i + size] is None or cost + 1 < best[i + size][0]):
                    best[i + size] = (cost + 1, [*words, word])
            if i in boundaries:
                nxt = next(e for e in ends if e > i)
                if best[nxt] is None or cost + 10 < best[nxt][0]:
                    best[nxt] = (cost + 10, words)
        return "".join(best[n][1]) if best[n] else ""

    def _singular(self, word: str) -> str:
        """deadlines -> deadline, when only the singular is in the glossary."""
        if word in self.words_known:
            return word
        for cut in ("es", "s"):
            if word.endswith(cut) and word[:-len(cut)] in self.words_known:
                return word[:-len(cut)]
        return word

    def english(self, text: str) -> str:
        keep = [m.group(0) for m in _DOMAINISH.finditer(text) if not _SECTION_NUMBER.fullmatch(m.group(0))]
        asked = re.findall(r"[^.?!]*\?", text)  # the question's own sentence (Our site moved. Can we …?)
        first = (re.findall(r"[a-z]+", asked[-1] if asked else text) or [""])[0]
        # a yes/no tag clause after the statement (…, is that ok / …, right?) asks too
        last = (re.findall(r"[a-z]+", re.split(r"[,;]|\.\s", asked[-1] if asked else text)[-1]) or [""])[0]
        tagged = first in _ENGLISH_YES_NO or last in _ENGLISH_YES_NO or re.search(r"\b(right|ok|okay|correct)\W*$", text.strip())
        # a second question joined on (…, and which office approves …?): a part of its own, as 、/，do in Chinese
        text = _NEXT_PART.sub(" qqpartqq ", text)
        text = re.sub(r"[.,;:!?]+(?=\s|$)", " ", text)  # a sentence's full stop is not part of its last word (…person changed.)
        text = " ".join(self._singular(w) for w in re.sub(r"[^a-z0-9.@ -]+", " ", text).split())
        text = f" {text} "
        out: list[tuple[int, str]] = []
        # amounts and days keep their numbers (30 working days → 30个工作日, march 5 → 3月5日, section 4.2 → 4.2条)
        for pattern, render in _AMOUNTS:
            for match in pattern.finditer(text):
                out.append((match.start(), render(match)))
            text = pattern.sub(lambda m: " " + "#" * (len(m.group(0)) - 2) + " ", text)
        for phrase, chinese in self.glossary:
            pattern = f" {phrase} "
            start = text.find(pattern)
            while start >= 0:
                out.append((start, chinese))
                text = text[:start] + " " + "#" * (len(pattern) - 2) + " " + text[start + len(pattern):]
                start = text.find(pattern)
        start = text.find(" qqpartqq ")
        while start >= 0:
            out.append((start, "，"))
            text = text[:start] + " " + "#" * 8 + " " + text[start + 10:]
            start = text.find(" qqpartqq ")
        question = "".join(c for _, c in sorted(out)).strip("，")
        tag = re.search(r"(对吧|对吗|是吧|吗|吧)$", question)  # a domain goes before the tag (…use .gov.cn, right?)
        question = question[:tag.start()] + " ".join(keep) + tag.group(0) if tag else question + " ".join(keep)
        return question + "吗" if tagged and question and not question.endswith(("吗", "吧")) else question


_NEXT_PART = re.compile(r"(?:[,;?]\s+(?:and\s+|also\s+|plus\s+)?|\s+and\s+(?:also\s+)?)(?=(?:what|which|who|whom|when|where|how|is|are|can|could|does|do|must|should|will)\b)")
_MONTHS = {m: i + 1 for i, m in enumerate("january february march april may june july august september october november december".split())}
_SECTION_NUMBER = re.compile(r"[1-5]\.[1-6]")
_AMOUNTS = (
    (re.compile(r" (\d{1,3}) (?:working|business|work) days? "), lambda m: f"{m.group(1)}个工作日"),
    (re.compile(r" (\d{1,3}) months? "), lambda m: f"{m.group(1)}个月"),
    (re.compile(r" (?:a|one|two|three|four|five|six|half a) months? "),
     lambda m: f"{_NUMBER_WORDS[m.group(0).split()[0] if 'half' not in m.group(0) else 'half']}个月"),
    (re.compile(r" (\d{1,3}) (?:calendar )?days? "), lambda m: f"{m.group(1)}天"),
    (re.compile(r" (?:by|before|no later than) (" + "|".join(_MONTHS) + r") (\d{1,2})(?:st|nd|rd|th)? "),
     lambda m: f"{_MONTHS[m.group(1)]}月{m.group(2)}日前"),
    (re.compile(r" (" + "|".join(_MONTHS) + r") (\d{1,2})(?:st|nd|rd|th)? "), lambda m: f"{_MONTHS[m.group(1)]}月{m.group(2)}日"),
    (re.compile(r" (\d{1,2})(?:st|nd|rd|th)? (" + "|".join(_MONTHS) + r") "), lambda m: f"{_MONTHS[m.group(2)]}月{m.group(1)}日"),
    (re.compile(r" (?:section|item|part) ([1-5])\.([1-6]) "), lambda m: f"方案{m.group(1)}.{m.group(2)}条"),
    (re.compile(r" (?:section|part) ([1-5]) "), lambda m: f"第{m.group(1)}部分"),
)
_NUMBER_WORDS = {"a": "1", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "half": "半"}
_ENGLISH_YES_NO = frozenset("can could may must should is are does do will shall".split())
_ENGLISH_FUNCTION_WORDS = frozenset(
    "the a an of to for in on at by is are was be can could may must should do does did what which who whom when "
    "where why how much many with without and or our we i my your it its this that these those from".split())
