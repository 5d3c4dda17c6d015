"""Question answering over the policy: jieba words + character bigrams, synonym expansion, BM25, and
rapidfuzz for typos and near-verbatim questions.

Scope rule (tuned on hand-written questions, see tests/test_qa.py and README): a question is in scope when
its best clause scores at least `IN_SCOPE_MIN_SCORE` and it shares at least one policy term (a word of the
domain dictionary, a keyword or a synonym of one) with the policy; otherwise the bot says plainly that the
question is outside the policy.
"""
from __future__ import annotations

import io
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache

from knowledge.claims import CONTACT_ITEMS, MAIL, UNIT_KINDS, contact_values
from knowledge.claims import read as read_claims
from knowledge.edge import declared_region, names_policy_object, refusal, superiors
from knowledge.edge import warm as warm_edge
from knowledge.facts import Fact, load_facts
from knowledge.locations import mark_domestic
from knowledge.model import acted_events, check, event_answer, events_in, names_asked, names_step, silence
from knowledge.policy import Clause, Policy, load_policy
from knowledge.reasoning import (
    CANCEL_IT,
    CONFIRM,
    COUNTY_NOTICE_ORDERS,
    DUTY_ASKED,
    IDLE,
    REMEDY,
    DateLines,
    Lookup,
    agrees,
    alternatives,
    asks_about_domain,
    confirmation_last,
    county_notice_elsewhere,
    date_lines,
    domain_in,
    domain_situation,
    function_unknown_line,
    hearsay_as_confirmation,
    institution_kind,
    institution_named,
    is_yes_no,
    mentions_domain,
    names_subject,
    other_county,
    question_dates,
    registered_before_rules,
    verdict,
    verdict_word,
    worry_word,
)
from knowledge.sections import (
    SectionRef,
    asks_content,
    asks_structure,
    asks_title,
    asks_where,
    canonical_notation,
    english_section,
    names_only,
    section_range,
    section_reference,
    sections_asked_in_turn,
    subsections,
    title_of,
)
from knowledge.text import ASKING as _ASKING
from knowledge.text import DIALECT_TAG as _DIALECT_TAG
from knowledge.text import arabic_dates, clean
from knowledge.translit import Transliterator

K1, B = 1.2, 0.75
IN_SCOPE_MIN_SCORE = 4.0  # BM25 units; below this the best clause shares too little with the question
CLOSE_RATIO = 0.85  # a second fact this close to the best one is given too
COUNT_RATIO = 0.6  # ... or this close when the question says how many things it wants
FACT_WEIGHT = 1.0  # a fact's own words against its clause's score
PART_MIN_SCORE = 4.0  # a part of a question must score this much to add a fact of its own
PART_CONTEXT = 0.3
PART_FRESH_RATIO = 0.8  # a part's best new fact, this close to its best overall, beats repeating a fact
FIT_RATIO = 0.6  # ... and a rule this close that the claims all match (报州政府办: the prefecture's deadline)
SUBJECT_RATIO = 0.8  # rules this close to the best one for a question's subject may be what its claims are about
KEY_BONUS = 3.0  # per key of a fact written out in the question: what it asks for, not only its topic
MAX_FACTS = 3  # for a question that asks one thing
MAX_SECTION_FACTS = 4  # for a question about what one part of the plan says
FOCUS_BONUS = 10.0
DOC_BONUS = 10.0
EVENT_BONUS = 10.0
SCENE_BONUS = 25.0  # a change described in words (联系人…换了) names the rule about that change  # a dated event the question describes in words (县里转发, 州里印发)
TYPE_BONUS = 8.0  # a when-question wants a date, a who-question a body, a how-long question a number
_QUESTION_TYPES = (
    (re.compile(r"什么时候|啥时候|哪天|几号|几月|截止|截至|期限|最晚|最迟|多会儿|之前|日期|哪年|时间"), ("date",)),
    (re.compile(r"谁|哪个单位|哪些单位|哪个部门|哪一级|哪级|牵头|主送|抄送"), ("body",)),
    (re.compile(r"多久|几个月|几天|多少天|多长|几个|多少个|工作日"), ("number",)),
    (re.compile(r"格式|结构|怎么写|怎么起|长什么样|什么样"), ("format",)),
    (re.compile(r"电话|传真|邮箱|联系"), ("contact",)),
    (re.compile(r"文号|标题|全称|附件|文件"), ("doc",)),
)
_ASK_BEFORE = frozenset("哪个 哪些 哪 什么 啥 几个 多少 哪家 哪一级 哪一个 几".split())
_TRAILING = frozenset("呢 吗 啊 呀 吧 嘛 的 是 是多少 多少 号码 号".split())
_ASK_AFTER = frozenset("是多少 多少 是什么 是啥 是哪 在哪 是谁 找谁 是哪天 哪天 几号 怎么 咋 谁".split())
# The placeholders of the domain structures (○○○.□□□.gov.cn, △△△.政务) are not words to the tokenizer.
_PLACEHOLDER_WORDS = {"○": "圈圈", "〇": "圈圈", "◯": "圈圈", "□": "方框", "口": "方框", "△": "三角"}
_PLACEHOLDERS = re.compile(r"([○〇◯])\1*|□+|口{3}|△+")
GENERIC_KEYS = frozenset("指的是 接下来 赶得上 重要性 要求 什么时候 哪天 几号 多久 怎么办 咋办 为什么 具体 干啥 做什么 哪些单位 标准 流程 执行 原则 目标 日期 截止 期限 时间 格式 结构".split())
# A question's parts: separated by punctuation, a line break or a full stop, or numbered (1. 2、 （3） 4）), so a
# list of 30 questions is answered part by part (each fact once), not reduced to its best fact.
# (a comma or space before 再 / 然后 / 才 goes on with one sequence, 先把老域名注销掉 再去新域名首页发公告: one claim, not two asks)
_PART_SPLIT = re.compile(r"[，,](?!再|然后|才)|[；;、/?？!！。\n]|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])(?!再|然后|才)|还有|以及|和|跟|与|及|或者|还是|分别|各自"
                         r"|[（(]\d{1,2}[)）]|(?<![\d.])\d{1,2}[.．)）](?!\d)|\s+(?=\d{1,2}[\u4e00-\u9fffA-Za-z])")  # …境外 2CDN…
FIELD_WEIGHTS = {"title": 2, "text": 1, "questions": 2, "keywords": 3}

STOPWORDS = frozenset(
    ["的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "么", "是", "有", "没有", "要", "不要", "需要", "能", "能不能", "可以", "可不可以", "会", "该", "应该", "怎么", "怎么办", "怎样", "怎么样", "如何", "什么", "哪些", "哪个", "哪里", "哪", "谁", "吗", "我", "我们", "你", "你们", "他", "她", "它", "这", "那", "这个", "那个", "一下", "请问", "请", "问", "一", "个", "和", "与", "及", "或", "在", "对", "把", "被", "给", "让", "还", "就", "都", "也", "又", "很", "太", "最", "多少", "几", "为", "为什么", "啥", "咋", "么样", "呗", "呐", "嘞", "得", "地", "着", "过", "吗吗", "一个", "其", "之", "所", "以", "等", "等等", "有关", "关于", "情况", "问题", "规定", "要求"]
)
# Bigrams through these characters join a function word to a content word ("要注", "销吗"): noise.
STOP_CHARS = frozenset("的了吗呢吧啊呀嘛么是要在有和与及或把被给让还就都也又很太最几怎什哪谁我你他她它这那请问个一该能会可")
_ASCII_WORD = re.compile(r"[a-z0-9][a-z0-9.@-]*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_COMMON_WORDS = ("什么时候 多久 多长时间 怎么办 可以 能不能 需要 截止 时间 日期 哪天 几号 期限 联系 电话 号码 邮箱 地址 "
                 "自己 单独 一级 下级 网站 网址 规定 要求 流程 步骤 申请 审核 变更 更换 注销 注册 报送 上报 备案 报备 换了 以后")


def _policy_tokenizer(words: list[str]):
    """jieba with only the policy's own dictionary: loads in milliseconds instead of ~1.5 s. (jieba is
    imported here, not at module level: the bot builds the index after it starts polling.)"""
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    lines = "".join(f"{w} 1000\n" for w in dict.fromkeys(words) if w and " " not in w)
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(io.BytesIO(lines.encode("utf-8")))
    tokenizer.initialized = True
    return tokenizer


@dataclass(frozen=True)
class Source:
    """A quoted sentence (or clause) behind an answer."""
    id: str  # the clause it belongs to
    doc: str
    section: str
    text: str

    @property
    def citation(self) -> str:
        return f"{self.doc} {self.section}"

    @classmethod
    def of(cls, fact: Fact) -> Source:
        return cls(fact.clause.id, fact.doc, fact.section, fact.quote)

    @classmethod
    def of_clause(cls, clause: Clause) -> Source:
        return cls(clause.id, clause.doc, clause.section, clause.text)


@dataclass
class Answer:
    in_scope: bool
    kind: str  # facts | smalltalk | out_of_scope | empty
    lead: str  # the direct answer, in the bot's own words: verdict, number, date or body first
    sources: list[Source] = field(default_factory=list)
    related: list[Clause] = field(default_factory=list)
    score: float = 0.0
    facts: list[Fact] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The answer as a person reads it: the direct answer, then each quoted sentence with its citation."""
        parts = [self.lead]
        for source in self.sources:
            parts.append(f"「{source.text}」\n——{source.citation}")
        return "\n".join(parts)

    def to_json(self) -> dict:
        return {
            "in_scope": self.in_scope,
            "answer": self.lead,
            "sources": [{"doc": s.doc, "section": s.section, "text": s.text} for s in self.sources],
        }


class PolicyIndex:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.synonyms = policy.synonyms
        vocab_words = [*policy.terms, *policy.core_terms, *policy.question_words, *policy.synonyms, *(w for v in policy.synonyms.values() for w in v)]
        for clause in policy.clauses:
            vocab_words.extend(clause.keywords)
        vocab_words.extend(k for fact in load_facts() for k in fact.keys)
        self.tokenizer = _policy_tokenizer([w.lower() for w in vocab_words] + _COMMON_WORDS.split())
        self.domain_terms = frozenset(w.lower() for w in vocab_words)
        from pypinyin import lazy_pinyin

        self.lazy_pinyin = lazy_pinyin
        # Most typos in Chinese are homophones from the input method (域明 for 域名, 注消 for 注销).
        self.terms_by_sound = {"".join(lazy_pinyin(t)): t for t in self.domain_terms
                               if _CJK_RUN.fullmatch(t) and 2 <= len(t) <= 6}
        # what a typo is put right to: the policy's own terms and keywords only (not every key of a fact, which
        # holds ordinary words such as 三中, 中心, 全省)
        own = [*policy.terms, *policy.core_terms, *(k for c in policy.clauses for k in c.keywords), "网站", "邮箱", "电话"]
        self.typo_targets = {"".join(lazy_pinyin(t)): t for t in (w.lower() for w in own)
                             if _CJK_RUN.fullmatch(t) and 2 <= len(t) <= 6}
        self.clauses = policy.clauses
        self.doc_tokens: list[Counter] = []
        for clause in self.clauses:
            bag: Counter = Counter()
            for name, weight in FIELD_WEIGHTS.items():
                value = getattr(clause, name)
                texts = value if isinstance(value, tuple) else (value,)
                for text in texts:
                    for token in self.tokens(text):
                        bag[token] += weight
            self.doc_tokens.append(bag)
        self.avg_len = sum(sum(b.values()) for b in self.doc_tokens) / len(self.doc_tokens)
        df: Counter = Counter()
        for bag in self.doc_tokens:
            df.update(bag.keys())
        n = len(self.doc_tokens)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, bag in enumerate(self.doc_tokens):
            norm = K1 * (1 - B + B * sum(bag.values()) / self.avg_len)
            for token, tf in bag.items():
                self.postings[token].append((i, self.idf[token] * tf * (K1 + 1) / (tf + norm)))
        self.vocabulary = [t for t in self.idf if len(t) >= 2]
        self.question_texts = [(q.lower(), i) for i, c in enumerate(self.clauses) for q in c.questions]
        self.question_strings = [q for q, _ in self.question_texts]
        self.smalltalk = {kind: (tuple(w.lower() for w in spec["words"]), spec["reply"])
                          for kind, spec in policy.smalltalk.items()}
        self.facts = load_facts()
        # the clean-up's report deadlines (the county's and the prefecture's), and each deadline's senders: the actors
        # its clause names (乡镇、县级部门 in the county's task) — read once, not on every answer
        self.report_deadlines = [f for f in self.facts if f.kind == "date" and "清理情况" in f.answer and f.date]
        actors: dict[str, set[str]] = defaultdict(set)
        for fact in self.facts:
            actors[fact.clause.id] |= set(fact.role("actor"))
        self.deadline_senders = {f.id: frozenset(f.role("actor")) or frozenset(actors[f.clause.id])
                                 for f in self.facts if f.kind == "date" and f.date and not f.event.endswith("日期")}
        self.fact_ids = {f.id: i for i, f in enumerate(self.facts)}
        key_df = Counter(k for f in self.facts for k in {key.lower() for key in f.keys})
        # a key most facts share (什么时候) says less about which fact is meant than one of its own (传真)
        self.key_weight = {k: math.log(1 + len(self.facts) / n) / math.log(1 + len(self.facts)) for k, n in key_df.items()}
        # keys of one fact only, and not question words: as telling as a core term (提醒通知, 抄送)
        self.telling_keys = frozenset(k for k, w in self.key_weight.items() if len(k) >= 3 and w >= 0.8 and k not in GENERIC_KEYS
                                      and not re.search(r"什么|怎么|哪|谁|几|多少|多久|为什么|啥|咋", k))
        self.policy_dates = {(f.date.month, f.date.day) for f in self.facts if f.date}
        self.part_terms = frozenset(w for w in [*self.domain_terms, *(k.lower() for f in self.facts for k in f.keys)]
                                    if len(w) >= 2 and w not in GENERIC_KEYS)
        self.fact_postings = _bm25([self._fact_bag(f) for f in self.facts])
        self.facts_by_clause: dict[str, list[int]] = defaultdict(list)
        for i, fact in enumerate(self.facts):
            self.facts_by_clause[fact.clause.id].append(i)
        self.clause_index = {c.id: i for i, c in enumerate(self.clauses)}
        self.translit = Transliterator([*self.domain_terms, *(w for c in self.clauses for w in self.words(c.text))])
        self.keys_to_facts: dict[str, list[int]] = defaultdict(list)
        for i, fact in enumerate(self.facts):
            for key in dict.fromkeys(k.lower() for k in fact.keys if len(k) >= 2):
                self.keys_to_facts[key].append(i)
        # One answer looks at the same text several times (ranking, facts, each part): segment it once.
        self.words = lru_cache(maxsize=8192)(self.words)  # type: ignore[method-assign]
        self.query_tokens = lru_cache(maxsize=4096)(self.query_tokens)  # type: ignore[method-assign]
        # a question's parts and its subject repeat its runs of characters and its words: their sounds and
        # nearest policy words are worked out once
        self.sounds = lru_cache(maxsize=8192)(self.sounds)  # type: ignore[method-assign]
        self.near_word = lru_cache(maxsize=8192)(self.near_word)  # type: ignore[method-assign]
        self.focus = lru_cache(maxsize=4096)(self.focus)  # type: ignore[method-assign]
        # the keys by length: the keys a text holds are found from its own substrings, not by trying every key
        self.key_lengths = sorted({len(k) for k in self.keys_to_facts})
        warm_edge()  # the table of places the refusals look for: at start-up, not on the first question

    def clear_caches(self) -> None:
        """Forget segmented texts (benchmarks time answers to questions never seen)."""
        for cached in (self.words, self.query_tokens, self.sounds, self.near_word, self.focus):
            cached.cache_clear()  # type: ignore[attr-defined]

    def corrected(self, text: str) -> str:
        """Homophone typos of policy words put right (注消 → 注销, 备按 → 备案, 联西人 → 联系人), so that claims
        and verdicts read the words the asker meant; a stretch that is itself a known word stays."""
        out = text
        for match in _CJK_RUN.finditer(text):
            run = match.group(0)
            sounds = self.sounds(run)
            if not any(self.typo_targets.get("".join(sounds[i:i + size])) not in (None, run[i:i + size])
                       for size in (2, 3, 4) for i in range(len(run) - size + 1)):
                continue  # nothing here sounds like a policy word written otherwise
            # a window may not cut through a word the dictionary knows (州级部门: 级部 cuts 部门); it may hold one
            # whole (联系任 holds 联系)
            spans, at = [], 0
            for token in self.tokenizer.lcut(run, HMM=False):
                if len(token) > 1 and token in self.tokenizer.FREQ:
                    spans.append((at, at + len(token)))
                at += len(token)
            known = [False] * len(run)
            if match.start() and text[match.start() - 1].isdigit() and run[0] in "日月年号天个":
                known[0] = True  # 2月25日启用: the date's 日, not the start of 日期
                if len(run) > 1 and run[1] in "前后内起之以至到":
                    known[1] = True  # 2月28日前发: 前 belongs to the date, not to 签发
            fixed, i = [], 0
            while i < len(run):
                for size in (4, 3, 2):
                    piece = run[i:i + size]
                    term = self.typo_targets.get("".join(sounds[i:i + size])) if len(piece) == size else None
                    if term and term != piece and piece not in self.idf and piece not in self.domain_terms and piece not in _ORDINARY \
                            and not any(known[i:i + size]) \
                            and not any(a < i + size and i < b and not (i <= a and b <= i + size) for a, b in spans) \
                            and not any(ch in STOP_CHARS or ch in _NOT_IN_TERMS for ch in piece):
                        fixed.append(term)
                        i += size
                        break
                else:
                    fixed.append(run[i])
                    i += 1
            out = out.replace(run, "".join(fixed), 1)
        return out

    def sounds(self, run: str) -> tuple[str, ...]:
        return tuple(self.lazy_pinyin(run))

    def near_word(self, word: str):
        from rapidfuzz import fuzz, process

        return process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=75)

    def _fact_bag(self, fact: Fact) -> Counter:
        bag: Counter = Counter()
        for text, weight in [*((k, 3) for k in fact.keys), (fact.answer, 1), (fact.quote, 1)]:
            for token in self.tokens(text):
                bag[token] += weight
        return bag

    # -- tokens ---------------------------------------------------------------------------------------
    def words(self, text: str) -> tuple[str, ...]:
        text = clean(text).lower()
        return tuple(w for w in self.tokenizer.lcut(text) if w.strip() and w not in STOPWORDS and not _is_punct(w))

    def tokens(self, text: str) -> list[str]:
        text = clean(text).lower()
        out = list(self.words(text))
        for run in _CJK_RUN.findall(text):
            out.extend(run[i:i + 2] for i in range(len(run) - 1)
                       if run[i] not in STOP_CHARS and run[i + 1] not in STOP_CHARS)
        out.extend(_ASCII_WORD.findall(text))
        return out

    def query_tokens(self, question: str) -> tuple[dict[str, float], set[str]]:
        """Weighted tokens of the question (its own words 1, core policy terms 2, synonym expansions and
        typo corrections 0.5) and the policy terms it mentions."""
        q = clean(question).lower()
        weights: dict[str, float] = {}

        def add(tokens: list[str], weight: float) -> None:
            for token in tokens:
                w = weight * (2.0 if token in self.policy.core_terms else 1.0)
                weights[token] = max(weights.get(token, 0.0), w)

        add(self.tokens(q), 1.0)
        mentioned = {w for w in self.words(q) if w in self.domain_terms}
        mentioned |= {t for t in _ASCII_WORD.findall(q) if t in self.domain_terms}
        for key, expansions in self.synonyms.items():
            if key in q:
                mentioned.add(key)
                for expansion in expansions:
                    # the expansion's words only: its character bigrams would add noise ("州政", "府办")
                    add([expansion.lower(), *self.words(expansion)], 0.5)
        # Typo tolerance: a stretch that sounds like a policy word, or an unknown word spelt close to one,
        # counts as that word.
        for run in _CJK_RUN.findall(q):
            sounds = self.sounds(run)
            for size in (2, 3, 4):
                for start in range(len(run) - size + 1):
                    term = self.terms_by_sound.get("".join(sounds[start:start + size]))
                    if term and run[start:start + size] != term and run[start:start + size] not in _ORDINARY:
                        add(self.tokens(term), 0.8)
                        mentioned.add(term)

        for word in self.words(q):
            if len(word) >= 2 and word not in self.idf:
                hit = self.near_word(word)
                if hit:
                    add([hit[0]], 0.5)
                    if hit[0] in self.domain_terms:
                        mentioned.add(hit[0])
        return weights, mentioned

    # -- ranking --------------------------------------------------------------------------------------
    def rank(self, question: str) -> tuple[list[tuple[float, int]], set[str]]:
        tokens, mentioned = self.query_tokens(question)
        scores: dict[int, float] = defaultdict(float)
        for token, query_weight in tokens.items():
            for i, weight in self.postings.get(token, ()):
                scores[i] += weight * query_weight
        q = clean(question).lower()
        if q:
            from rapidfuzz import fuzz, process

            near = process.extract(q, self.question_strings, scorer=fuzz.ratio, score_cutoff=60, limit=None)
            for _, similarity, index in near:
                scores[self.question_texts[index][1]] += (similarity - 55) / 5  # near-verbatim: strong evidence
        return sorted(((s, i) for i, s in scores.items()), reverse=True), mentioned

    def answer(self, question: str, lookup: Lookup | None = None, region: str = "") -> Answer:
        answer = self._answer(question, lookup, region)
        if answer.kind in ("facts", "out_of_scope") and self.translit.is_english(clean(question)) \
                and not re.search(r"[A-Za-z]{3,}", _DOMAIN_WORDS.sub(" ", answer.lead.split("\n")[0].lower())):
            answer.lead = f"{_english_lead(answer)}\n{answer.lead}"  # English asked: the direct answer in English first
        return answer

    def _answer(self, question: str, lookup: Lookup | None = None, region: str = "") -> Answer:
        # [微信转] > 小赵：…: the forwarding marks say nothing; nor do chat stickers written as text ([捂脸], [OK])
        q = clean(_LIST_MARK.sub("", _STICKER.sub(" ", _FORWARDED.sub(" ", clean(question)))))  # 1.… 2.…: the items asked
        if not q:
            return Answer(False, "empty", "请输入要咨询的问题，例如：联系人换了多久内报备？")
        small = self._smalltalk(q)
        if small:
            return Answer(False, "smalltalk", small)
        cq = clean(_PLACEHOLDERS.sub(lambda m: f"{m.group(0)}{_PLACEHOLDER_WORDS[m.group(0)[0]]}", self.translit.to_chinese(q)))
        cq = _MIXED.sub(lambda m: _MIXED_WORDS[m.group(0).lower().replace(" ", "")], cq)  # 州里的deadline是哪天
        cq = _PINYIN_IN_CHINESE.sub(lambda m: self.translit.pinyin(m.group(0)) or m.group(0), cq)  # fucha截止那天: 复查
        cq = _PINYIN_TAG.sub(lambda m: _PINYIN_TAGS[re.sub(r"\s", "", m.group(1)).lower()] + "？", cq)  # …，shi bu shi
        cq = arabic_dates(_YUNNAN.sub(lambda m: _YUNNAN_WORDS[m.group(0)], cq))  # 咋个写, 做哪样, 好多钱, 有没得, 不消管: in Mandarin
        mid = _DIALECT_MID.search(cq)
        if mid and not _DIALECT_TAG.search(cq) and not _ASKING.search(cq[mid.end():]):  # 注销了就算完事了噻，ICP那些不用管了: the whole to confirm
            cq = _DIALECT_MID.sub(lambda m: m.group(2), cq).rstrip("。.！!") + "吧"
        cq = hearsay_as_confirmation(self.corrected(_CLOSING_NOT.sub(lambda m: "" if _WH_IN_LAST.search(cq) else "吗", _DIALECT_TAG.sub("吧", cq))))  # …是这个意思噻 / …才能办哈: 吧
        cq = _TAG_FIRST.sub(lambda m: "", cq) + "，对吧？" if _TAG_FIRST.match(cq) else cq  # 我理解没错吧：X → X，对吧？
        cq = confirmation_last(cq)  # …是3月15号对吧 永仁这边按这个时间倒排了: the claim to confirm is the question
        if re.search(r"[?？]\s*$", cq) and not is_yes_no(cq) and not _WH_WORDS.search(cq) and read_claims(cq).checkable:
            cq = re.sub(r"[?？\s]+$", "", cq) + "，对吧？"  # 联系人变更30工作日内报?: a claim put with a bare ？ is to confirm
        if not _ASKING.search(cq) and _INTENT.search(cq):
            cq = f"{cq.rstrip('。.！! ')}，可以吗？"  # 想把闲置域名先借给县一中用半年: an intention told is a permission asked
        # “…原则上不得使用.gov.cn”——那反过来讲…吧: the documents' own words, quoted, find the rule but claim nothing;
        # what follows them is what is to be confirmed
        quoted = bool(_QUOTE_THEN_CLAIM.search(cq))
        cq = _DOC_SHORTHAND.sub(lambda m: f"{m.group(1)}里的文件", cq)  # 县文转发的州文文号: the prefecture's document
        if is_yes_no(cq):  # 州文件（8号文）是州政府办2月19号印发的吧: the number names the document claimed about
            cq = _NUMBER_ONLY_DOC.sub(lambda m: {"8": "楚政办函8号", "1": "武政办函1号"}[m.group(1)], cq)
        region = region or declared_region(q) or declared_region(cq)  # 我是贵州省毕节市七星关区政府办的: the asker's own place is home
        # the words as typed may hold a cue the reading loses; but a typo corrected into the policy's object (域明 →
        # 域名) makes the reading the one to trust
        edge = refusal(cq, region) or (refusal(q, region) if cq != q and not names_policy_object(cq, q) else None)
        if edge:
            return Answer(False, "out_of_scope", edge)
        cq, located = mark_domestic(cq)  # 节点在杭州 → 节点在境内杭州: the hosting rules read where it is
        cq, doc = _doc_reference(canonical_notation(cq))
        itself = cq == _ITSELF
        if itself:
            cq = next(c.title for c in self.clauses if c.doc == doc and c.section == "标题")
        english = self.translit.is_english(q)
        claims = read_claims(_claims_after_quote(cq) if quoted else cq)
        if asks_structure(cq):
            fact = next(f for f in self.facts if f.id == "structure")
            said = check(fact, claims)  # 方案分六部分吧: the count claimed against the plan's
            lead = f"不对：{'；'.join(said.wrong)}。{fact.answer}" if said.wrong else f"是的。{fact.answer}" if said.matched else fact.answer
            return Answer(True, "facts", lead, [Source.of(fact)], [], 0.0, [fact])
        in_turn = sections_asked_in_turn(cq, self.clauses)
        if in_turn:  # 第二部分一共几条？（五）说的啥: the part, then its item
            parts = [self._answer(p, lookup, region) for p in in_turn]
            return Answer(True, "facts", "\n".join(a.lead for a in parts), [x for a in parts for x in a.sources[:2]],
                          [], 0.0, [f for a in parts for f in a.facts])
        span = section_range(cq, self.clauses)
        if len(span) > 1:  # 二（一）到二（三）讲了什么: each in turn
            parts = [self._section_answer(s) for s in span]
            return Answer(True, "facts", "\n".join(a.lead for a in parts), [x for a in parts for x in a.sources[:2]],
                          [], 0.0, [f for a in parts for f in a.facts])
        ref = section_reference(cq, self.clauses)
        in_english = english_section(q, self.clauses) if re.search(r"[A-Za-z]{4}", q) else None
        if in_english:  # part 3 item 2 of the plan: the transliteration keeps only the part
            ref = SectionRef(in_english, explicit=True)
        if ref and ref.explicit and asks_title(cq):  # 四（三）的标题是什么
            title = title_of(ref.section, self.clauses, self.policy.sections)
            answer = self._section_answer(ref.section)
            return Answer(True, "facts", f"{ref.section}的标题是“{title.removeprefix(ref.section).lstrip('、')}”。\n{answer.lead}",
                          answer.sources, answer.related, 0.0, answer.facts)
        several = len([p for p in _parts(cq) if _ASKING.search(p)]) > 1  # 中文域名咋写？英文域名能注册几个？
        if ref and (ref.explicit or ref.where or not several) and (ref.where or asks_content(cq) or ref.section == "前言" or ref.explicit and names_only(cq)):
            answer = self._section_answer(ref.section, ref.where)
            home = _home_portal(cq, region) if ref.section in ("二（一）", "二（四）") and not ref.explicit else ""
            if home:  # 咱们县门户网站的中文域名应该怎么写: the county's own, by the rule
                answer.lead = f"{answer.lead}\n{home}"
            return answer
        body = _DOC_BODY.search(cq)
        if body and asks_content(cq):  # 州里的通知正文说了什么: that document's own text
            wanted = "楚政办函〔2019〕8号" if body.group(1) in ("州里", "州政府办", "楚政办函", "州") else "武政办函〔2019〕1号"
            facts = [f for f in self.facts if f.doc == wanted and f.section == "正文"][:MAX_SECTION_FACTS]
            return Answer(True, "facts", "\n".join(f.answer for f in facts), [Source.of(f) for f in facts], [], 0.0, facts)
        timed = event_answer(cq, claims)
        if timed and several and len(timed.facts) == 1 and not is_yes_no(cq) \
                and any(not _WHEN_ASKED.search(p) for p in _parts(cq) if _ASKING.search(p)):
            timed = None  # 州里那个文件哪天印发的 文号多少: the date is one part of several asked; each part is answered below
        if timed and is_yes_no(cq) and claims.dated and len(timed.facts) > 1 and self._issued_in_clause(cq, claims):
            timed = None  # 县政府办转发州里文件的时间是2月13号吧: the day claimed is one document's, checked below
        if timed:  # dated events described in words: their dates, the days between, their order
            return Answer(True, "facts", "\n".join(timed.lines), [Source.of(f) for f in timed.facts], [], 0.0, timed.facts)
        contrast = _contrast(cq)
        if contrast:  # 不承担行政职能的能用gov.cn不？承担的呢: each case answered, its own verdict first
            answers = [self._answer(part, lookup, region) for part in contrast]
            if all(a.in_scope for a in answers):
                lead = "\n".join(a.lead.split("\n")[0] for a in answers)
                return Answer(True, "facts", lead, [x for a in answers for x in a.sources[:2]], [], 0.0,
                              [f for a in answers for f in a.facts[:2]])
        if _YEAR_ASKED.search(cq) and not claims.checkable and not _OTHER_DOCS.search(cq):  # 这次清理是哪一年搞的: the year of the documents' dates
            rest = [p for p in _parts(cq) if not _YEAR_ASKED.search(p)]
            if rest:  # 提醒通知是哪天之前？这个方案是哪一年的事: the other part answered, the year said after it
                answer = self._answer("，".join(rest), lookup, region)
                if answer.in_scope:
                    answer.lead += "\n这次清理是2019年的工作（文件里的日期都在2019年）。"
                    return answer
            dated = [f for f in self.facts if f.id in ("cx-date", "prefecture-deadline")]
            lead = f"{dated[0].date.year}年。" + "".join(f.answer for f in dated)
            return Answer(True, "facts", lead, [Source.of(f) for f in dated], [], 0.0, dated)
        claimed_one = is_yes_no(cq) and claims.dated and self._issued_in_clause(cq, claims) is not None
        both = [] if claimed_one else _both_documents(cq, self.facts)
        if both:  # 两个文件的日期分别是哪天: each document's own fact
            return Answer(True, "facts", "\n".join(f.answer for f in both), [Source.of(f) for f in both], [], 0.0, both)
        if registered_before_rules(cq) and _CHANGE_OR_CANCEL.search(cq):  # 2017年申请的域名要注销
            cq = f"（以前注册的老域名）{cq}"  # before the question: its end (…吗, …对吧) says what it asks
        # 会泽县政务办的，联系人换人了多久内报: who is asking is not what is asked; the rest ranks the rules
        spoken = _SPEAKER_OPENING.sub("", cq) if region and _SPEAKER_OPENING.match(cq) else cq
        ranked, mentioned = self.rank(spoken) if cq else ([], set())
        if doc and not ranked:  # 武政办函1号哪天发的: the document itself is the subject
            ranked, mentioned = self.rank(doc)
        if ref and ref.explicit and (not ranked or ranked[0][0] < IN_SCOPE_MIN_SCORE or not self._about_policy(cq, mentioned)):
            return self._section_answer(ref.section)  # 第五部分第三条有哪些要求: a section named by number is in scope
        hosted = bool(located) and bool(_HOSTED_AT.search(cq))  # 网站放在阿里云杭州节点: where it is hosted, 五（三）
        if not ranked or not doc and not hosted and (ranked[0][0] < IN_SCOPE_MIN_SCORE and not _THE_PLAN.search(cq)
                                                     or not self._about_policy(cq, mentioned)):
            return Answer(False, "out_of_scope",
                          "这个问题不在政府网站域名清理政策的范围内，我无法回答。可以问我域名结构、注册注销流程、报送期限、联系人等，发送 /help 查看用法。",
                          score=ranked[0][0] if ranked else 0.0)
        asked = _without_setting(cq)
        if asked != cq:  # a domain named as the setting: rank what is asked (its route, its period), not the domain
            ranked = self.rank(asked)[0] or ranked
        best_score = ranked[0][0]
        facts, candidates = self.select_facts(asked, ranked, doc)
        if quoted:  # the rule is found from the words quoted; the verdict reads the claims after them, and
            # the rules those claims are about come first (承担行政职能的…也一样不能用gov.cn吧: 二（三）'s other half)
            stated = _claims_after_quote(cq)
            ranked_after = self.rank(stated)[0]
            if ranked_after and ranked_after[0][0] >= IN_SCOPE_MIN_SCORE:
                own, _ = self.select_facts(stated, ranked_after, doc)
                own = [f for f in own if facts and f.section == facts[0].section]  # the same section as the quote's
                facts = list(dict.fromkeys([*own[:2], *facts]))[:max(len(facts), 2)]
            cq = stated
        if itself:
            facts = [f for f in facts if f.doc == doc] or facts
        inst_rules = ("inst-other", "inst-admin")
        # an institution named (县文化馆, 融媒体中心) matters only where its kind's rule is what is asked
        # (not when the domain is handed over: 中心有个不用的gov.cn域名，转给公司用 — 二（六）, whoever holds it)
        named = institution_named(cq) if facts and (facts[0].id in inst_rules or _GOV_SUFFIX.search(cq)) \
            and not _HANDED_OVER.search(cq) else None
        if named and named[1] is None and is_yes_no(cq):
            # 县文化馆网站能用gov.cn吗: an institution by its name, its functions not said — both cases, no verdict
            shown = [f for f in self.facts if f.id in inst_rules]
            return Answer(True, "facts", function_unknown_line(named[0]), [Source.of(f) for f in shown], [], 0.0, shown)
        kind_rule = {"institution_other": "inst-other", "institution_admin": "inst-admin"}.get(
            institution_kind(cq) or (named[1] if named else None) or "")
        if kind_rule and any(f.id in inst_rules for f in [*facts, *candidates]):
            # 州图书馆不承担行政职能…用.gov.cn没毛病吧: the rule for the kind of institution named leads
            own = next(f for f in self.facts if f.id == kind_rule)
            facts = [own, *(f for f in facts if f is not own)]
        if _DEPT_UNIT.search(cq) and not _PORTAL_ASKED.search(cq):
            # 州民政局…申请新域名找谁批: a department's question — the portal's own procedures are not its route
            kept: list[Fact] = []
            for fact in facts:  # a portal procedure gives its place to the department's (三（二）)
                if not self._portal_only(fact):
                    kept.append(fact)
                    continue
                counterpart = next((c for c in [*candidates, *self.facts] if "部门" in c.keys and c.role("to")
                                    and not self._portal_only(c) and c not in kept and c not in facts), None)
                if counterpart:
                    kept.append(counterpart)
            facts = list(dict.fromkeys(kept)) or facts
            candidates = [f for f in candidates if not self._portal_only(f)]
        if ref and ref.explicit:  # 按方案五（三），服务器能放境外吗: the facts of the section named
            inside = [f for f in facts if f.section.startswith(ref.section)]
            if not inside:  # 第四部分第二项具体怎么走: nothing ranked falls inside it, so the section itself answers
                return self._section_answer(ref.section)
            facts = inside
        if _FORMAT_ASKED.search(cq) and not is_yes_no(cq) and facts and facts[0].roles \
                and not any(f.kind == "format" for f in facts[:2]):
            # 门户网站域名应该长啥样: the structure leads, not a procedure
            shapes = [f for f in [*facts, *candidates] if f.kind == "format" and names_subject(f, cq)]
            facts = list(dict.fromkeys([*shapes[:1], *facts]))[:max(len(facts), 1)]
        who = [role for verb, role in _WHO_ROLES if re.search(rf"(谁|哪个(?!文件|部门|单位|方案|通知))[^，。？]{{0,3}}(来)?{verb}", cq)]
        if who and not is_yes_no(cq):  # 最后谁批, 谁来分配: the rules that give that role someone lead, not a deadline's 最后
            own = [f for f in [*facts, *candidates] if any(f.role(r) for r in who)]
            described = {fact_id for pattern, fact_id, _ in _SCENES if pattern.search(cq)}
            own.sort(key=lambda f: f.id not in described)  # 持有者改成县政府办，谁同意: the change described, not a registration
            if own:
                facts = list(dict.fromkeys([*own[:len(who)], *facts]))[:max(len(facts), len(who))]
        task = _ASKS_TASK.search(cq)
        doers = {b.body for b in claims.bodies}
        if task and doers:  # 州政府办要做什么: the rules whose doer it is come first
            own = [f for f in [*facts, *candidates] if doers & set(f.role("actor"))]
            if own:
                facts = list(dict.fromkeys([*own[:2], *facts]))[:MAX_FACTS]
        reports = self.report_deadlines
        claimed_days = {(d.month, d.day) for d, *_ in claims.deadlines} | {(d.month, d.day) for d, *_ in claims.dated}
        if is_yes_no(cq) and claimed_days & {(f.date.month, f.date.day) for f in reports} and not _REPORT_SUBJECT.search(cq) \
                and not re.search(r"什么|啥|哪|怎|谁|多少|几|处罚|后果|如果|要是", cq) \
                and any(f in reports for f in facts[:1]):
            # 截止日期是3月20日对吧: both documents set a report deadline, each for its own senders; who reports is not said
            lead = "要看是哪一级报送，两份文件各定了一个截止日：" + "；".join(f.answer.rstrip("。") for f in reports) + "。"
            return Answer(True, "facts", lead, [Source.of(f) for f in reports], [], 0.0, reports)
        compound = self._compound(cq) if is_yes_no(cq) and CONFIRM.search(cq) else None
        if compound:  # 县里要求乡镇3月5日前报县政府办，州里要求县市3月20日前报州政府办，对吧: each claim its own rule
            lead = ("不对：" + "；".join(compound[1])) if compound[1] else "是的"
            shown = list(dict.fromkeys(compound[0]))
            return Answer(True, "facts", f"{lead}。" + "\n".join(f.answer for f in shown),
                          [Source.of(f) for f in shown], [], 0.0, shown)
        if is_yes_no(cq) and (claims.checkable or claims.negated or claims.harmless):
            target = self._subject(asked, claims, doc)
            if registered_before_rules(cq) and _CHANGE_OR_CANCEL.search(cq) and claims.sufficient:
                # 2016年注册的老域名，直接找注册商注销就完事了吧 (the domain named is the setting, not in `asked`)
                target = next(f for f in self.facts if f.when and f.when.search("以前注册的老域名"))
            if target:  # the rule the claims are about leads, so the verdict checks them against it
                facts = [target, *(f for f in facts if f is not target)][:max(len(facts), 1)]
        described = [f for f in self.facts if f.case and f.case.search(cq)]
        if described:  # 现在挂着三个英文域名，都是规范的: the rule for that situation leads, in place of the general
            # rule of its clause it qualifies (原则上只注册一个 does not decide what to do with domains already held)
            qualified = {f.clause.id for f in described}
            facts = [*described, *(f for f in facts if f.clause.id not in qualified)][:max(len(facts), len(described))]
        handed = _TRANSFER.search(cq) if is_yes_no(cq) and _SITE_OR_DOMAIN.search(cq) else None
        if handed:  # 闲着的域名直接过户给镇里就完事了吧: the transfer proposed is what the verdict is about (二（六）)
            given = next(f for f in self.facts if f.id == "no-transfer")
            facts = [given, *(f for f in facts if f is not given)]
        facts = self._whole_rule(facts)
        own_mail = {m.group(0).lower() for m in MAIL.finditer(cq)}
        if own_mail and not own_mail & {f.value.lower() for f in self.facts if f.value_kind == "mail"} \
                and not _MAIL_ASKED.search(cq):  # (…应该发哪个邮箱: the notice's mailbox is what is asked)
            # 联系人邮箱从 a@126.com 换成 b@163.com: the asker's own addresses, not a question about the notice's mailbox
            facts = [f for f in facts if f.value_kind != "mail"] or facts
        if facts and facts[0].value_kind and _REPORTING.search(cq):  # 这个邮箱是报清理情况的地方吗: where, and by when
            due = next(f for f in self.facts if f.id == "wd-deadline")
            facts = [*facts, due] if due not in facts else facts
        # a domain named is checked as a situation, which says whose notice it is itself; 武定's own orders
        # (its deadline, its contacts) are still not another county's
        elsewhere = None if domain_in(cq) else county_notice_elsewhere(cq, facts, region)
        if superiors(region) or domain_in(cq) and other_county(cq, region):  # an office outside 楚雄州 too
            facts = [f for f in facts if f.id not in COUNTY_NOTICE_ORDERS] or facts
            candidates = [f for f in candidates if f.id not in COUNTY_NOTICE_ORDERS]
        if elsewhere:  # 牟定县的乡镇啥时候报: 武定县's notice does not bind another county's units
            facts = elsewhere[1]
            candidates = [f for f in candidates if f.id not in COUNTY_NOTICE_ORDERS]
        open_point = (elsewhere and elsewhere[0]) or silence(cq, facts)
        if open_point and not elsewhere and facts and is_yes_no(cq) and claims.periods and check(facts[0], claims).wrong:
            open_point = None  # 20个自然日内报备，没记错吧: a claim the rule contradicts is answered before what it leaves open
        if _MAIL_AS_DOMAIN.search(cq):  # 通知里的邮箱 wdwgzx@126.com 算不算不规范域名: a mailbox is no site
            open_point = "邮箱地址不是网站域名，不属于这次清理的对象（清理的是政府网站的不规范域名和闲置域名）"
        if open_point and open_point.startswith("文件没有规定费用") and "注销" in cq:
            # 注销一个域名要交多少钱: silent on the cost; how the act is done is what the documents do say
            done = [f for f in self.facts if f.id == "cancel-idle"]
            facts = [*done, *(f for f in facts if f not in done)][:2]
        lines: list[str] = []
        situation = domain_situation(cq, lookup)
        if open_point and situation and situation.compliant is False and is_yes_no(cq):
            open_point = None  # 想用 wdx.政务，拼音缩写就行了吧: the name named breaks the rule, whatever the documents leave open
        if open_point and situation and (situation.compliant is True or not _IDLE_SCENE.search(cq)):
            situation = None  # a silent point asked about a named site: the silence answers, unless the site is idle
        if open_point and situation:  # 网站没人管了，还要续费吗: silent on fees, but the idle domain is cancelled
            facts = []
        if situation and not situation.scene and not asks_about_domain(cq) and situation.compliant is not False and not open_point:
            situation = None  # the domain is the setting; the question asks something else (a route, a period)
        aside = situation is not None and not situation.scene and not asks_about_domain(cq) and not open_point
        if situation is not None and handed:
            aside = True  # 想借我们的子域名 ly.ym.gov.cn 给他们用得不得: the hand-over is asked, not the name
        if situation is not None and situation.compliant and any(not loc.domestic for loc in located) and _HOSTED_AT.search(cq):
            aside = True  # nyj.cxz.gov.cn，节点在美国: the name keeps the rules, the hosting is what is asked
        if situation is not None and situation.compliant and not situation.scene and is_yes_no(cq) \
                and any(b.role not in ("any", "source") and b.body not in UNIT_KINDS for b in claims.bodies):
            aside = True  # jyj.cxz.gov.cn 是省政府办公厅直接分配的吧: who did a step is claimed; the name is the setting
        sources = []
        if situation and not aside:
            lines += situation.lines
            sources += [Source.of_clause(self.policy.clause(cid)) for cid in situation.clause_ids]
        # (4月1号挂的公告，6月中旬就注销行不行: a notice's days are worked out even with a part of a month claimed)
        timed_step = any(f.id in ("notice", "contact-change") for f in facts[:2])
        dated = date_lines(cq, facts, candidates) if not (claims.deadlines or claims.dated or claims.months or open_point) \
            or timed_step and not open_point else DateLines()
        lines += dated
        apart = self._asked_apart(cq, facts, candidates, situation) if situation and not aside else []
        if situation and not aside and situation.compliant is False:
            # the check says what is wrong, what to apply for and the steps; a fact stays only when the
            # question names it in words of its own (栏目 … for a column on a sub-domain)
            # 按这个清理方案 is the frame and 该怎么整改 the question: neither names a rule of its own
            rest = CANCEL_IT.sub(" ", _WHAT_TO_DO.sub(" ", _PLAN_SETTING.sub(" ", _DOMAIN_WORDS.sub(" ", cq.lower()))))
            facts = apart[:2] or [f for f in facts if any(len(k) >= 2 and k.lower() in rest and k not in GENERIC_KEYS and not _ASKS_WORD.search(k) for k in f.keys)
                                  and f.clause.id not in situation.clause_ids][:1]  # the check already says its own rules
        elif situation and not aside:  # the naming rule the domain keeps (二), not a fact the unit's place pulled in
            # a township's: the documents set no structure for it, so no other unit's structure is offered
            kept = [] if situation.alone else [f for f in facts if f.section.startswith("二") and
                                               (not situation.clause_ids or f.clause.id in situation.clause_ids)][:1]
            facts = list(dict.fromkeys([*kept, *apart[:2]]))
        lines += [f.answer for f in facts]
        named = [loc for loc in located if loc.name not in _WHERE_WORDS]
        if named and any(f.clause.id in ("plan-5-3-hosting", "plan-5-3-cdn") for f in facts[:2]):  # 节点在杭州: where that is, for 五（三）
            lines.insert(0, "，".join(dict.fromkeys(f"{loc.name}在{'境内' if loc.domestic else '境外'}" for loc in named)) + "。")
        portal = next((f for f in facts[:2] if f.id == "portal-format"), None)
        home = _home_portal(cq, region) if not situation and portal and portal.answer in lines else ""
        if home:  # 我们县门户网站域名应该咋写: the county's own, by the rule
            lines.insert(lines.index(portal.answer) + 1, home)
        above = superiors(region)
        if len(above) >= 2 and any(f.role("to") or f.role("approves") or f.event for f in facts[:2]):
            # another region's office: the offices the rules name, by its own names (县 → 州/市 → 省)
            lines.insert(0 if _ROUTE_WORDS.search(cq) else len(lines), f"按本单位所在地区（{above[0]}）：上一级人民政府办公室是{above[1]}人民政府办公室"
                         + (f"，省政府办公厅是{above[2]}人民政府办公厅" if len(above) > 2 else "")
                         + ("；报送日期以本地区的通知为准，上面的日期是楚雄州2019年的安排。" if any(f.date for f in facts[:2]) else "。"))
        if aside:  # the asked facts first, then what is wrong with the domain named
            lines += situation.lines[:2]
            sources += [Source.of_clause(self.policy.clause(cid)) for cid in situation.clause_ids[:1]]
        sources = [*(Source.of(f) for f in facts), *sources]
        parted = False  # a part's own verdict is given beside its rule's line
        if open_point:
            ruling = ""
            lines.insert(0, f"{open_point}。文件中相关的规定是：")
        elif _HAS_RULE.search(cq) and facts and facts[0].verdict and not claims.checkable \
                and (len([p for p in _parts(cq) if _ASKING.search(p)]) <= 1
                     or _HAS_RULE.search(_parts(cq)[-1]) and not any(is_yes_no(p) for p in _parts(cq)[:-1])):
            ruling = "有"  # 机房放哪儿有要求吗: the rule about it is the answer
        elif names_asked(cq, facts):
            ruling = "有"  # 有没有规定联系人变更的期限: the documents do say it — what they say follows
        else:
            ruling = verdict(cq, facts, claims)
            lead_part = False
            for asked_part in _yes_no_parts(cq):
                # 谁去注销 注销完还要干啥 能不能转给村里用: each part that asks yes/no is answered from the rule whose
                # act it names, beside that rule's line — never with another part's rule
                own = [f for f in facts if f.verdict and any(p.search(asked_part) for p in f.does)
                       and names_subject(f, asked_part)]
                said = verdict(asked_part, own[:1], read_claims(asked_part)) if own else ""
                if own and own[0] is facts[0]:
                    ruling, lead_part = said or ruling, lead_part or bool(said)
                elif said and own[0].answer in lines:
                    lines[lines.index(own[0].answer)] = f"{said}。{own[0].answer}"
                    parted = True
                    if ruling and not lead_part and len(_yes_no_parts(cq)) == 1 and ruling.split("：")[0] in _YES_NO_WORDS \
                            and not any(p.search(asked_part) for f in facts[:1] for p in f.does):
                        ruling = ""  # the lead's word came from this part's question set against another rule
            abroad = any(not loc.domestic for loc in located) and bool(_HOSTED_AT.search(cq))
            if situation and not aside and situation.compliant is not None and is_yes_no(cq) and not (abroad and situation.compliant):
                ruling = verdict_word(cq, situation.compliant)  # the check of the domain itself decides
                if REMEDY.search(cq):  # 要改吗: a domain that breaks the rules must be changed
                    ruling = _remedy_word(cq, bool(situation.compliant))
            elif dated.on_time is not None and is_yes_no(cq):
                ruling = verdict_word(cq, dated.on_time)  # so does a date set against the deadline
                if ruling in ("可以", "不可以") and not any(f.id == "notice" for f in facts[:2]):  # 3月21号才弄完，还行不
                    ruling = "可以，还来得及" if dated.on_time else "不行，已经超期了"
        if situation and not aside and situation.lines and is_yes_no(cq) and not agrees(ruling, situation.compliant, cq) \
                and not (any(not loc.domestic for loc in located) and _HOSTED_AT.search(cq) and situation.compliant):
            # (a name that keeps the rules does not make a server abroad right: 节点在美国，要不要整改 → 需要)
            # the verdict comes from the check the answer reports: never 可以 beside 不合规
            ruling = verdict_word(cq, situation.compliant) or ("符合要求" if situation.compliant else "不符合")
            if REMEDY.search(cq):
                ruling = _remedy_word(cq, bool(situation.compliant))
        named = _NUMBER_CLAIMED.findall(cq) if _BASIS_ASKED.search(cq) and is_yes_no(cq) and not open_point else []
        if named:  # 方案的依据是不是55号和193号: the documents named against the plan's own basis
            basis = [f for f in self.facts if f.id in _BASIS_FACTS]
            known = {n for f in basis for n in _NUMBER_CLAIMED.findall(f.answer)}
            wrong = [n + "号" for n in named if n not in known]
            years = {n: y for f in basis for y, n in _YEAR_NUMBER.findall(f.answer)}
            # 国办函〔2019〕55号: the right number in the wrong year is a wrong document number too
            wrong += [f"〔{y}〕{n}号" for y, n in _YEAR_NUMBER.findall(cq) if n in years and years[n] != y]
            titles = "和".join(f.answer.split("是")[0] for f in basis)
            ruling = f"不对：方案的依据是{titles}，不是{'、'.join(wrong)}" if wrong else "是的"
            facts = [*basis, *(f for f in facts if f not in basis)][:max(len(facts), 2)]
        confirming = is_yes_no(cq) or bool(re.search(r"是[^，。？]{0,16}号\s*[?？]$", q))  # 州文号是楚政办函8号?
        numbered = _DOC_NO_CLAIMED.findall(q) if not named and confirming and not open_point else []
        if numbered:  # 县里的文号是武政办函2号吧: a document's number claimed, checked with whatever else is claimed
            said, shown = self._document_numbers(q, numbered)
            others = claims.bodies or claims.dated or claims.deadlines or claims.values or claims.months
            if said.startswith("不对"):
                ruling = said if not ruling.startswith("不对") else f"{ruling}；{said.removeprefix('不对：')}"
            elif said and not ruling and not others:
                ruling = said
            if shown and not others:
                facts = [*shown, *(f for f in facts if f not in shown)][:max(len(facts), 1)]
        if situation and situation.scene and situation.alone and not ruling and not open_point and is_yes_no(cq) and claims.bodies:
            # 冒名注册了…，直接报县公安局就行吧: the scene's own rule checks the body claimed
            own = [f for f in self.facts if f.clause.id in situation.clause_ids[:1] and f.roles]
            ruling = verdict(cq, own[:1], claims) if own else ""
        choice = alternatives(cq, facts) if not open_point else ""
        if choice:  # 用路径行不行？还是单独搞个子域名: each option its own verdict
            ruling = choice
        if ruling.startswith("不需要") and _IDLE_DOMAIN.search(cq):
            ruling = "需要"  # 以前注册的…一直闲着没用，要不要管它: an idle domain is always cancelled (二（六）)
            idle = next(f for f in self.facts if f.id == "idle-cancel")
            if idle.answer not in lines:
                lines.insert(0, idle.answer)
        if ruling == "需要" and _STATED_DUTY.search(cq) and not _ASKED_DUTY.search(cq):
            ruling = "是的，需要"  # 得指向境内节点吧: a duty stated to confirm, confirmed as such
        single = len([p for p in _parts(cq) if _ASKING.search(p)]) <= 1  # (1 服务器能不能放国外 2 …: parts, each its own)
        parts_said = _aspects(cq, facts, ruling, self.facts) if is_yes_no(cq) and not open_point and single else None
        if parts_said:  # 服务器放县机房，解析用小公司的免费DNS，合规不: each part of the set-up named is judged
            ruling, more = parts_said
            facts = [*facts, *(f for f in more if f not in facts)]
            lines += [f.answer for f in more if f.answer not in lines]
            sources += [Source.of(f) for f in more]
        if not ruling and not open_point and is_yes_no(cq) and claims.checkable and len(facts) > 1 and not situation:
            checks = [check(f, claims) for f in facts[:3]]
            first, second = checks[0], checks[1]
            claimed_here = len([b for b in claims.bodies if b.role != "any"]) + len(claims.values) + len(claims.deadlines)
            if not (first.matched or first.wrong or first.open) and second.wrong and names_subject(facts[1], cq):
                # 清理情况是报县委网信办吧，联系人张晓霞: the contact leads, but the office claimed is the deadline rule's
                ruling = "不对：" + "；".join(dict.fromkeys(second.wrong))
            else:
                if second.matched and not any(c.wrong or c.open or c.unspoken for c in checks) \
                        and sum(c.matched for c in checks) >= claimed_here and names_subject(facts[1], cq):
                    ruling = "是的"  # 报县政府办电子政务网络管理股，联系人张晓霞、电话8711677，没错吧: each claim its rule
        if situation and not aside and situation.conditional:
            ruling = ""  # 有没有行政职能搞不清楚: the answer turns on what is not known; no verdict either way
        if not ruling and aside and situation.compliant is False and is_yes_no(cq) and not open_point:
            ruling = verdict_word(cq, False)  # 打算注册 wdslj.政务，应该可以吧: the name asked about breaks the rule
        stated_values = contact_values(cq) if is_yes_no(cq) and not open_point else []
        if len(stated_values) >= 2:  # 联系人是李晓霞，电话8837577是吧: each value against the item its word names
            own = {item: next(f for f in self.facts if f.id == _CONTACT_FACTS[item]) for item in dict.fromkeys(i for i, _ in stated_values)}
            wrong = [f"{item}是{own[item].value}，不是{v}" for item, v in stated_values if own[item].value.lower() != v.lower()]
            ruling = f"不对：{'；'.join(wrong)}" if wrong else "是的"
            shown = list(own.values())
            facts = [*shown, *(f for f in facts if f not in shown)]
            lines = list(dict.fromkeys([*(f.answer for f in shown), *lines]))
        if ruling.startswith("是的") and _DOUBTED.search(cq) and facts and facts[0].value and facts[0].value.lower() in cq.lower():
            ruling = "不是，这是县里通知上写明的"  # 发件人 wdwgzx@126.com，是不是钓鱼: the notice's own address is no fake
        undecided = check(facts[0], claims) if facts and not ruling and not open_point and is_yes_no(cq) else None
        if undecided and undecided.notes:
            lines.insert(0, "；".join(dict.fromkeys(undecided.notes)) + "。")
        elif not ruling and not parted and not open_point and not dated and not (situation and not aside) and is_yes_no(cq) \
                and facts and (facts[0].verdict or claims.checkable):
            # a yes/no question about an act the rule does not speak to: no verdict, and that said plainly; a bare
            # check of a scene with several things in it (…有啥问题没) gets each thing's rule to hold it against
            several = len(facts) > 1 and bool(_BARE_CHECK.fullmatch(_parts(cq)[-1].strip()))
            # the rule names the very act asked about (公告3个月…对吧 without a verdict read): its words are the answer,
            # never "not covered"
            spoken = names_subject(facts[0], cq) and any(p.search(cq) for p in facts[0].does) \
                and not re.search(r"有没有(明确|规定|说)|是否(明确|规定)|某个|不知道|不清楚", cq)
            lines.insert(0, "对照文件的规定逐项看：" if several else "文件的规定是：" if spoken else "文件没有明确规定这一点。文件中相关的规定是：")
        lead = "\n".join(dict.fromkeys(lines)).replace("：\n", "：", 1)
        if facts and not ref and asks_where(cq) and re.search(r"第几|哪一?(部分|条|节)", cq):
            lead = f"在{facts[0].citation}。{lead}"  # 讲复查的是第几部分第几条: where the rule is written, then the rule
        if ruling:
            lead = f"{ruling}。{lead}"
        if english and situation and not aside and (situation.en or situation.compliant is not None):
            en = situation.en or ("Yes, it follows the required structure." if situation.compliant else
                                  "No, it does not follow the required structure (details in Chinese below).")
            lead = f"{en}\n{lead}"  # the check in English, then the Chinese the quotes go with
        elif english:
            lead = _in_english(ruling, open_point, facts, lead)
        shown = {s.id for s in sources}
        related = [self.clauses[i] for s, i in ranked[1:4] if s >= best_score * 0.5 and self.clauses[i].id not in shown]
        return Answer(True, "facts", lead, list(dict.fromkeys(sources)), related, best_score, facts)

    def _asked_apart(self, cq: str, facts: list[Fact], candidates: list[Fact], situation) -> list[Fact]:
        """The facts a part of its own that names no domain asks for (…？另外中文域名该怎么起; …州里最后截止哪天报？),
        beside the check of the domain named."""
        own = [f for f in [*facts, *candidates] if f.clause.id not in situation.clause_ids]
        parts = [p.lower() for p in _parts(cq) if not _DOMAIN_WORDS.search(p.lower()) and _ASKING.search(p)]
        apart = [f for f in own if any(len(k) >= 3 and k.lower() in p and k not in GENERIC_KEYS for k in f.keys for p in parts)]
        for p in parts:  # …该咋个改，州里最后截止哪天报？: the dated step the part describes
            if _WHEN_DUE.search(p) or re.search(r"截止|哪天", p):
                apart += [f for f in events_in(p, self.facts) if f not in apart][:1]
        return apart

    def _document_numbers(self, question: str, claimed: list[tuple[str, str, str]]) -> tuple[str, list[Fact]]:
        """Each document number claimed against the documents' own: the one its level word names (州 → 楚政办函), else
        the one its prefix names."""
        issuers = [f for f in self.facts if f.id in _NUMBERED_FACTS]
        known = {prefix: (year, number, f) for f in issuers for prefix, year, number in _DOC_NO_CLAIMED.findall(f.answer)[:1]}
        level = _DOC_LEVEL.search(question)
        wrong, shown = [], []
        for prefix, year, number in claimed:
            meant = _LEVEL_PREFIX[level.group(1)] if level else prefix
            if meant not in known:
                continue
            right_year, right_number, fact = known[meant]
            shown.append(fact)
            if prefix != meant or number != right_number or year and year != right_year:
                said = f"{prefix}{f'〔{year}〕' if year else ''}{number}号"
                wrong.append(f"是{meant}〔{right_year}〕{right_number}号，不是{said}")
        if not shown:
            return "", []
        return ("不对：" + "；".join(wrong)) if wrong else "是的", list(dict.fromkeys(shown))

    def _whole_rule(self, facts: list[Fact]) -> list[Fact]:
        """A rule written as two sentences (二（六）: 闲置域名要及时注销，不得擅自转给他人) is given whole when
        either half answers: the other half follows the first."""
        if not facts:
            return facts
        halves = [self.facts[i] for i in self.facts_by_clause[facts[0].clause.id] if self.facts[i].kind in _RULE_KINDS]
        if len(halves) == 1:  # 三（三）: one item written as sentences kept as clauses of their own (持有者 / 联系人)
            base = facts[0].clause.id.rsplit("-", 1)[0]
            halves = [f for f in self.facts if f.kind in _RULE_KINDS and f.clause.section == facts[0].clause.section
                      and f.clause.id.startswith(base + "-") and facts[0].clause.id.startswith(base + "-")]
        if len(halves) != 2 or facts[0] not in halves:
            return facts
        other = halves[1] if halves[0] is facts[0] else halves[0]
        if other in facts:
            return facts
        return [facts[0], other, *facts[1:]][:max(MAX_FACTS, len(facts) + 1)]  # a part's own fact is never cut for it

    def _subject(self, question: str, claims, doc: str = "") -> Fact | None:
        """The rule a yes/no question's claims are about: the question read without the values it claims
        (报县政府办, 3月5日前, 30个工作日) names its subject (复查, 冒名注册, 联系人变更). Of the rules about as
        close to that subject, one the claims all match is taken; else the closest."""
        if any(kind == "format" for kind, _ in claims.values):
            # 部门网站用 www.□□□.gov.cn 这种可以吧: the structure claimed is set against the one for the kind of site
            # named (each format fact's first key is its kind of site), not the one the claim happens to match
            named_kind = [f for f in self.facts if f.value_kind == "format" and f.keys
                          and re.search(re.escape(f.keys[0][:-2]) + "的?" + re.escape(f.keys[0][-2:]), question)]
            if len(named_kind) == 1:
                return named_kind[0]
        exception = next((f for f in self.facts if f.when and f.when.search(question)), None)
        if exception and registered_before_rules(question) and _CHANGE_OR_CANCEL.search(question) \
                and (any(b.role != "any" for b in claims.bodies) or claims.sufficient):
            # (2016年注册的老域名，直接找注册商注销就完事了吧: the filing with the office comes first)
            return exception  # 2016年注册的域名改联系人: the route for domains registered before 55号 (三（四）)
        if IDLE.search(question) and _LEFT_UNCANCELLED.search(question):
            return next(f for f in self.facts if f.id == "idle-cancel")  # 网站关掉了，域名放着不注销也没什么吧: 二（六）
        if _CHANGE_OVER.search(question) and not claims.deadlines and not [b for b in claims.bodies if b.role != "any"]:
            # 换了新域名，旧域名直接注销就完事了吧: the change-over's own rule (公告3个月) is what is claimed against
            return next(f for f in self.facts if f.id == "notice")
        if _PLAN_APPROVED.search(question) and any(b.role in ("consent", "approves", "to", "actor") for b in claims.bodies):
            return next(f for f in self.facts if f.id == "cx-approved")  # 方案是省政府同意的吧: the plan's own approval
        subject = _LIKE.sub(" ", question)  # 跟改联系人一样: what the case is compared with is not its subject
        for text in [b.text for b in claims.bodies if b.role != "any"] + [d[3] for d in claims.deadlines] \
                + [p[2] for p in claims.periods] + [_ACT_AFTER.sub("", d[2]) for d in claims.dated] + [v for _, v in claims.values] \
                + [m[2] for m in claims.months]:
            subject = subject.replace(text, " ")
        if doc and (claims.dated or claims.months or any(b.role == "actor" for b in claims.bodies)):
            # 楚政办函8号是州政府办2月19号印发的吧: the number names the document; its issuer and date are checked
            # against that document's own, whatever else the words describe (武定县转发的那个…)
            own = [f for f in self.facts if f.doc == doc and f.kind == "date" and f.event.endswith("日期")]
            if own:
                return own[0]
        units = {b.body for b in claims.bodies if b.body in UNIT_KINDS}
        speaking = {b.body for b in claims.bodies if b.body in UNIT_KINDS
                    and re.search(r"(我们|咱们|我是|本)[^，。？]{0,4}$", question[:question.find(b.text)])}
        if units and (claims.negated and not claims.deadlines or speaking and (claims.deadlines or _REPORT_TALK.search(question))
                      or DUTY_ASKED.search(question)) \
                and (_REPORT_TALK.search(question) or re.search(r"清理|没关系|不相干|不用管|不管", question)):
            # 我们乡镇跟这个没关系吧，不用报吧 / 乡镇也要报清理情况吗 / 我们是县级部门，照这个3月15日报州里对吗: the
            # unit's own reporting duty is what the claim is about
            own = [f for f in self.facts if f.date and f.event and f.kind == "date" and units & set(f.role("actor"))]
            own = [f for f in own if speaking & set(f.role("actor"))] if len(own) > 1 and speaking else own
            if len(own) == 1:  # (州里主送县市和州直部门，跟我们乡镇没关系吧: the asker's own unit's duty)
                return own[0]
        issued = self._issued_in_clause(question, claims)
        if issued is not None:
            return issued  # 县里这个文是2月19号发的 转的是州里那个文: the clause with the day names its document
        senders = [f for f in self.facts if units & self.deadline_senders.get(f.id, frozenset())]
        if len(senders) == 1 and _DAY_ACTED.search(question) and _REPORT_TALK.search(question):
            return senders[0]  # 州直部门3月21号才报清理情况，还算按时吗: the sender named picks its own deadline
        named = events_in(subject)
        due = [f for f in events_in(question) if f.date and not f.event.endswith("日期")]
        if claims.deadlines and not claims.dated and len(due) == 1 \
                and re.search(r"(转发|印发|发)的?(那个|这个|那份|这份)?[^，。？]{0,8}(通知|文件|方案)是?要求", question):
            return due[0]  # 县里转发的那个通知是要求3月20号之前报的吧: the document names where; the deadline is claimed
        if len(named) == 2 and claims.dated and len(acted_events(subject, named)) == 1:
            named = acted_events(subject, named)  # 县里是2月20号转发州里那个文件的吧: the forwarding is what is dated
        if len(named) == 1 and not claims.between:  # the one dated event the question describes
            # a unit merely named (要求乡镇…报) says nothing of a document's issuer
            stated = [b for b in claims.bodies if b.role != "any"]
            said = check(named[0], replace(claims, bodies=stated))
            if said.matched or said.wrong or said.open or not claims.checkable or not stated and not claims.values:
                return named[0]  # (我们乡镇3月3号报县里: a unit merely named claims nothing against the step described)
            # 县里那个转发文件是要求3月5号前报县政府办吧: the document names where the claims are; they are
            # about another rule, found below
        whole = events_in(question) if not named and not claims.deadlines and not claims.dated \
            and _DAY_ACTED.search(question) else []  # a day the asker acts on, set against a step's deadline
        if len(whole) == 1 and whole[0].kind == "date" and not whole[0].event.endswith("日期"):
            # 3月12号…报州政府办还赶得上吧: the step is described by the very office the claim names
            said = check(whole[0], replace(claims, bodies=[b for b in claims.bodies if b.role != "any"]))
            if said.matched and not said.wrong:
                return whole[0]
        named = [b for b in claims.bodies if b.role != "any"]
        units = {b.body for b in claims.bodies if b.body in UNIT_KINDS}
        if units and claims.deadlines and not events_in(subject):
            # 我是乡镇上的，…3月20号前直接报州政府办: who the asker is decides whose deadline it is; the date and
            # the office they claim are then checked against it
            own = [f for f in self.facts if f.date and f.event and f.kind == "date" and units & set(f.role("actor"))]
            if len(own) == 1:
                return own[0]
        if claims.deadlines and named and not events_in(subject):
            # a date claimed for a step named by its bodies (3月20号前报县政府办): every dated step of the model is
            # checked, and the one the bodies fit is what the date is about, however the words rank it
            by_body = replace(claims, deadlines=[], periods=[], dated=[], values=[], months=[])
            steps = [f for f in self.facts if f.date and f.event and f.kind == "date"
                     for r in [check(f, by_body)] if r.matched >= len(named) and not r.wrong]
            if len(steps) == 1:
                return steps[0]
            # 是不是乡镇网站都要在3月5号前报州政府办: no step fits every body; the one the claims fit best (乡镇 and
            # 3月5日: the county's) is what they are about, and the body that does not fit is said wrong
            dated = [(r.matched - len(r.wrong), f) for f in self.facts if f.date and f.event and f.kind == "date"
                     for r in [check(f, claims)] if r.matched]
            top = max((n for n, _ in dated), default=None)
            if top is not None and top > 0 and sum(n == top for n, _ in dated) == 1:
                return next(f for n, f in dated if n == top)
        procedures = [f for f in self.facts if f.roles and not f.period and f.section.startswith("三")
                      and any(len(k) >= 3 and k in subject and not _OFFICE_NAME.fullmatch(k) for k in f.keys)]
        if claims.sufficient and len(procedures) == 1 and _LIKE.search(question):
            # 持有者要从县信息中心改成县政府办，跟联系人变更一样报备一下就行吧: the procedure named, not its likeness
            return procedures[0]
        if claims.periods and not events_in(subject):
            # a period claimed (30个工作日, 半年): the rules that set a period are each checked, and the one whose
            # step the question names (联系人 → the contact change's 20 working days) is what it is about
            timed = [f for f in self.facts if f.period and names_step(f, subject)]
            # (持有单位变了，20个工作日内报备就行吧: another procedure named by a word of its own is the subject)
            others = [f for f in self.facts if f.roles and not f.period and f.section.startswith("三")
                      and any(len(k) >= 3 and k in subject for k in f.keys)]
            if len(timed) == 1 and not others:
                return timed[0]
        ranked = self.bm25(subject)
        if not ranked:
            return None
        scores = self.fact_scores(subject, {i: s for s, i in ranked})
        if claims.dated:  # 县里的通知是3月5日印发的吧: a document's date, not a deadline that falls on that day
            scores = [(s, i) for s, i in scores if self.facts[i].event.endswith("日期")] or scores
        if not scores:
            return None
        # 县卫健局注销网站域名，先报州政府办: the rule for domains registered before 55号 is not about it
        scores = [(s, i) for s, i in scores if not self.facts[i].when or self.facts[i].when.search(question)] or scores
        if _DEPT_WORDS.search(question) and "门户" not in question:
            # 县级部门网站注销，直接交给县政府办: a department's domain — the portal's procedure is not about it
            scores = [(s, i) for s, i in scores if not self._portal_only(self.facts[i])] or scores
        if "门户" in question and not _DEPT_WORDS.search(question):
            # 县里门户网站域名注销，是州政府办直接报给国家…的吧: a portal's domain — a department's procedure is not about it
            scores = [(s, i) for s, i in scores if not (self.facts[i].role("to") and "部门" in self.facts[i].keys
                                                        and "门户网站" not in self.facts[i].keys)] or scores
        if _APPROVAL_TALK.search(question) and not _REPORT_TALK.search(question):
            # 州级部门的网站域名，州政府办审过了就行: a domain's approval — the procedures, not the clean-up's report
            scores = [(s, i) for s, i in scores if not (self.facts[i].date or self.facts[i].event)] or scores
        consenting = {b.role for b in claims.bodies} & {"consent", "approves"}
        if consenting:  # 科长签个字就能往上报了: who consents is claimed — a rule that has someone consent is the subject
            scores = [(s, i) for s, i in scores if any(self.facts[i].role(r) for r in consenting)] or scores
        near = [self.facts[i] for s, i in scores if s >= scores[0][0] * FIT_RATIO][:4]
        close = [f for f, (s, _) in zip(near, scores) if s >= scores[0][0] * SUBJECT_RATIO]
        checked = [(fact, check(fact, claims)) for fact in near]
        # the rule that speaks to most of the claims (who, when, how long); of those, one they all match
        # a rule written for another level (州级 for a 县's question) is open on that, which says nothing for it
        covered = {id(f): r.matched + len(r.wrong) + r.open - int(bool(f.level and claims.level and f.level != claims.level))
                   for f, r in checked}
        best = max(covered.values(), default=0)
        doers = [b for b in claims.bodies if b.role == "actor"]
        act = next((m.group(0) for b in doers for m in [_DOER_ACT.search(question[question.find(b.text) + len(b.text):][:14])] if m), "")
        if not best and act:
            # 州政府办会统一帮大家注销的对不: who does the act is claimed — the nearest rule further down about that
            # act that names its doer is what the claim is about (闲置域名由持有者联系注册机构注销)
            doing = [self.facts[i] for _, i in scores[len(near):12] if act in self.facts[i].answer
                     and (self.facts[i].role("actor") or self.facts[i].role("executes"))]
            reached = [f for f in doing if (lambda r: r.matched + len(r.wrong))(check(f, claims))]
            if reached:
                return reached[0]
        if not best and (not claims.checkable or close[0].kind not in ("date", "doc")):
            return close[0]  # 被劫持，报县政府办就行吧: the monitoring rule names no body, and that is the answer
        if not best:
            # the closest rules speak to none of the claims (a document's date for 3月20号前报县政府办): the
            # nearest rule further down that does is what the claims are about
            wider = [self.facts[i] for _, i in scores[len(near):12]]
            stated = replace(claims, sufficient=False)  # what the claims say, not that one step is enough
            reach = [(r.matched + len(r.wrong) + r.open, f) for f in wider for r in [check(f, stated)]]
            most = max((n for n, _ in reach), default=0)
            return next((f for n, f in reach if n == most), close[0]) if most else close[0]
        if covered[id(close[0])] == best and (claims.values or claims.sufficient and (close[0].role("consent") or close[0].role("approves"))):
            alike = [f for f in close if covered[id(f)] == best]
            return max(alike, key=lambda f: self._unit_fit(f, question, claims))  # 持有者变了报州政府办备案就行: the step's own rule says what else it takes
        # The bodies a question names pick the rule (报州政府办: the prefecture's deadline); the days and periods
        # it claims are then checked against that rule, never used to pick one that happens to fit them.
        named = [b for b in claims.bodies if b.role != "any"]
        if named:
            by_body = replace(claims, deadlines=[], periods=[], dated=[], values=[], months=[])
            fits = []
            for fact in near:
                r = check(fact, by_body)
                if r.matched >= len(named) and not r.wrong:
                    fits.append(((r.matched + r.implied, covered[id(fact)]), fact))
            if fits:  # a rule the bodies all fit: the one that fits most and speaks to most claims, the closest
                most = max(n for n, _ in fits)
                return max((f for n, f in fits if n == most), key=lambda f: self._unit_fit(f, question, claims))
        covering = [f for f, r in checked if covered[id(f)] and f in close]
        if covering and not named:
            return covering[0]  # the closest rule that speaks to the days or periods claimed
        covering = [f for f, r in checked if covered[id(f)] == best and f in close]
        covering = covering or [f for f, r in checked if covered[id(f)] == best]
        # of procedures that speak to the claims alike, the one for the unit the question names (部门网站, 州卫健委
        # → the department's; 门户网站 → the portal's)
        return max(covering, key=lambda f: self._unit_fit(f, question, claims))

    def _issued_in_clause(self, question: str, claims) -> Fact | None:
        """The document whose date a claimed day is, when the clause holding the day names 县 or 州 before it."""
        if not claims.dated:
            return None
        issued = [f for f in self.facts if f.kind == "date" and f.event.endswith("日期")]
        picked = set()
        for _, _, text in claims.dated:
            clause = next((c for c in _CLAUSES.split(question) if text in c), "")
            side = re.search(r"(县|州)(里|上|政府办|的|这|那)", clause[:clause.find(text)])
            own = [f for f in issued if side and f.doc.startswith(_LEVEL_PREFIX[side.group(1)])]
            if len(own) != 1:
                return None
            picked.add(own[0])
        return picked.pop() if len(picked) == 1 else None

    def _compound(self, question: str) -> tuple[list[Fact], list[str]] | None:
        """A statement to confirm made of clauses that each claim a step of its own (a deadline with bodies):
        each clause checked against its own rule; None unless two or more clauses do."""
        clauses = [c for c in _CLAUSE_COMMA.split(CONFIRM.sub("", question)) if c.strip()]
        if len(clauses) < 2:
            return None
        read = [(c, read_claims(c)) for c in clauses]
        stepwise = [(c, k) for c, k in read if k.deadlines and any(b.role != "any" for b in k.bodies)]
        doers = [(c, k) for c, k in read if any(b.role == "actor" for b in k.bodies) and _DOER_ACT_ALL.search(c)]
        if len(stepwise) < 2 and len(doers) >= 2:
            stepwise = doers  # 州政府办负责复查，县政府办负责转发，对吧: each clause names a doer and its act
        dated = [(c, k) for c, k in read if (k.dated or k.deadlines) and (len(events_in(c)) == 1 or self._issued_in_clause(c, k))]
        if len(stepwise) < 2 and len(dated) >= 2:
            # 州里的方案是2月13号印发的，县里是2月19号转发的 / 县里要求3月5号前报，州里要求3月20号前报: each its own
            stepwise = dated
        if len(stepwise) < 2:
            return None
        facts, wrong = [], []
        for clause, claims in stepwise:
            target = (events_in(clause) or [self._issued_in_clause(clause, claims)])[0] if stepwise is dated \
                else self._subject(clause, claims)
            if target is None:
                return None
            said = check(target, claims)
            claimed = len([b for b in claims.bodies if b.role != "any"]) + len(claims.deadlines) + len(claims.dated)
            if not said.wrong and said.matched < claimed:
                return None  # a claim no rule speaks to: no verdict from the parts
            facts.append(target)
            wrong += said.wrong
        if len(set(map(id, facts))) < len(facts):
            return None  # two clauses about one rule: the rule checks them together
        return facts, list(dict.fromkeys(wrong))

    @staticmethod
    def _portal_only(fact: Fact) -> bool:
        return bool(fact.role("to")) and "门户网站" in fact.keys and "部门" not in fact.keys

    @staticmethod
    def _unit_fit(fact: Fact, question: str, claims) -> int:
        if not fact.role("to") and not fact.role("approves"):
            return 0
        department = bool(_DEPT_WORDS.search(question)) and "门户" not in question
        return int(department == ("部门" in fact.keys)) + int(bool(claims.level) and fact.level == claims.level)

    def _section_answer(self, section: str, where: bool = False) -> Answer:
        """What one part of the plan says: its number and heading, then its facts in order (a part with
        numbered items lists their headings first)."""
        title = title_of(section, self.clauses, self.policy.sections)
        facts = [f for f in self.facts if f.section == section]
        facts = [f for f in facts if f.kind != "doc"] or facts
        items = subsections(section, self.clauses)
        lines = []
        if where:
            part = self.policy.sections.get(section[0], "")
            lines.append(f"这是方案的{section}{'（属“' + part + '”）' if part and part != section else ''}。")
        if items:
            heads = "；".join(title_of(s, self.clauses, self.policy.sections) for s in items)
            lines.append(f"{title}，共{len(items)}条：{heads}。")
            facts = facts[:2]
        else:
            facts = facts[:MAX_SECTION_FACTS]
            if facts:
                lines.append(f"{title}：")
        lines += [f.answer for f in facts]
        lead = "\n".join(dict.fromkeys(lines)).replace("：\n", "：", 1)
        sources = list(dict.fromkeys(Source.of(f) for f in facts))
        if not sources:
            sources = [Source.of_clause(c) for c in self.clauses if c.section.startswith(section)][:MAX_SECTION_FACTS]
        related = [c for c in self.clauses if c.section == section and c.id not in {f.clause.id for f in facts}]
        return Answer(True, "facts", lead, sources, related, 0.0, facts)

    # -- facts ----------------------------------------------------------------------------------------
    def fact_scores(self, question: str, clause_scores: dict[int, float]) -> list[tuple[float, int]]:
        question = _WHICH_N.sub("哪些", question)  # 哪两个上级文件: how many are asked, not the rule about two domains
        tokens, mentioned = self.query_tokens(question)
        own: dict[int, float] = defaultdict(float)
        for token, query_weight in tokens.items():
            for i, weight in self.fact_postings.get(token, ()):
                own[i] += weight * query_weight
        q = question.lower()
        focus = self.focus(q)
        corrected = {t for t in mentioned if t not in q}  # typo corrections: 油箱 → 邮箱
        wanted = {kind for pattern, kinds in _QUESTION_TYPES for kind in kinds if pattern.search(q)}
        focused: dict[int, float] = {}
        held = {q[i:i + n] for n in self.key_lengths for i in range(len(q) - n + 1)}
        held |= {c[i:i + n] for c in corrected for n in self.key_lengths for i in range(len(c) - n + 1)}
        for key in held & self.keys_to_facts.keys():  # the same keys as `key in q or key in corrected`
            fact_ids = self.keys_to_facts[key]
            if key in q or key in corrected:
                for i in fact_ids:
                    own[i] += KEY_BONUS * self.key_weight[key]
                    if key in focus:
                        focused[i] = max(focused.get(i, 0.0), focus[key])
        for i, weight in focused.items():
            own[i] += FOCUS_BONUS * weight
        timed = "date" in {kind for pattern, kinds in _QUESTION_TYPES for kind in kinds if pattern.search(q)}
        for fact in events_in(q, self.facts):  # 县里通知哪天印发的: the event described names its fact (not 州里's 印发)
            # asked when, the event's own date outweighs the document's other facts (its issuer, its title)
            own[self.fact_ids[fact.id]] += EVENT_BONUS * (2 if timed and fact.date else 1)
        for pattern, fact_id, demoted in _SCENES:  # 联系人3月1日换了: a change of the contact, not the contact's name
            if pattern.search(q):  # the asker's own contact changed: the county's contact person is not asked
                own[self.fact_ids[fact_id]] += SCENE_BONUS
                for i, fact in enumerate(self.facts):
                    if fact.kind == demoted:
                        own[i] -= SCENE_BONUS
        if wanted:
            for i, fact in enumerate(self.facts):
                if fact.kind in wanted:
                    own[i] += TYPE_BONUS
        scored = []
        for i, fact in enumerate(self.facts):
            base = clause_scores.get(self.clause_index[fact.clause.id], 0.0)
            if base or own.get(i):
                scored.append((base + FACT_WEIGHT * own.get(i, 0.0), i))
        return sorted(scored, reverse=True)

    def select_facts(self, question: str, ranked: list[tuple[float, int]], doc: str = "") -> tuple[list[Fact], list[Fact]]:
        """The facts that answer the question: for each part of a question that asks several things, the
        best fact for that part (in the order asked); otherwise the best fact and any as good. Also the
        runners-up, for reasoning that needs two facts (the days between two dates)."""
        clause_scores = {i: s for s, i in ranked}
        if doc:  # the question names its document: its facts, not the ones that quote that document's number
            clause_scores = {i: s + DOC_BONUS if self.clauses[i].doc == doc else s for i, s in clause_scores.items()}
        whole = self.fact_scores(question, clause_scores)
        chosen: list[int] = []
        parts = _parts(question)
        answered = 0  # parts that got a fact of their own
        if len(parts) > 1:
            context = {i: score * PART_CONTEXT for score, i in whole}
            # 租的虚拟空间，还用了CDN，这两块各有啥要求: a later part points back at the clauses that set the
            # scene, so they are what is asked
            settings_asked = bool(_BACK_REFERENCE.search(question))
            # …服务器放在机房，解析用的免费DNS，有啥问题没: a bare check after the scene asks about each thing in it
            checks_all = bool(_BARE_CHECK.fullmatch(parts[-1].strip())) and len(parts) > 2
            settings = [] if settings_asked or checks_all else _setting_clauses(question)
            # 县政府门户网站改域名，要谁同意？表交给谁？最后谁批？: the first clause names the subject and asks nothing;
            # the short questions after it are about that subject
            # … also when every part after it is a short question of its own (联系人3月10号变了，啥时候之前报、报哪里)
            short_rest = len(parts) > 2 and all(len("".join(_CJK_RUN.findall(p))) <= 6 and _ASKING.search(p) for p in parts[1:]) \
                or len(parts) == 2 and len("".join(_CJK_RUN.findall(parts[1]))) <= 4 and bool(_ASKING.search(parts[1]))  # …要注销，走啥流程
            carry = parts[0] if (len(re.findall(r"[?？]", question)) >= 2 or short_rest) and not _ASKING.search(parts[0]) \
                and not settings_asked else ""
            fits: set[int] = set()  # the facts about the subject carried: a short question after it picks among these
            if carry:
                about = self.fact_scores(carry, {i: s for s, i in self.bm25(carry)})
                fits = {i for s, i in about if about and s >= about[0][0] * PART_FRESH_RATIO}
            for part in parts:
                if carry and part == parts[0]:
                    continue
                after = self._step_after(part, question)
                carried = bool(carry) and len("".join(_CJK_RUN.findall(part))) <= 6 and bool(_ASKING.search(part))
                if carried:
                    part = f"{carry}，{part}"
                elif part is not parts[0] and not _SITE_KIND.search(part) \
                        and re.search(r"[?？]\s*$", question[:question.find(part)]):
                    # 门户网站域名该咋写？要注册的话报给哪一级: a question after a question, about the kind of site the
                    # one before named
                    said = _SITE_KIND.findall(question[:question.find(part)])
                    part = f"{said[-1]}{part}" if said else part
                if after is not None:  # 注销以后还要做什么: the rule that starts where that step ends
                    if after not in chosen:
                        chosen.append(after)
                        answered += 1
                    continue
                handed = _HANDED_OVER.search(part) if _SITE_OR_DOMAIN.search(question) else None
                if handed:  # 三是能不能先给村委会用着: the domain (the subject said before) handed over — 二（六）
                    given = next((i for i, f in enumerate(self.facts) if f.id == "no-transfer"), None)
                    if given is not None and given not in chosen:
                        chosen.append(given)
                        answered += 1
                    continue
                if not self._names_policy_term(part) or any(part in clause for clause in settings):
                    continue  # 网站用了https，…: a clause that sets the scene asks nothing of its own
                part_clauses = {i: score for score, i in self.bm25(part)}
                own = self.fact_scores(part, part_clauses)
                if not own or own[0][0] < PART_MIN_SCORE:
                    continue
                # a part long enough to name its own subject takes its context from the rest of the question
                # without the other parts' own asks: 文号 asked after 什么时候…印发 must not pull it to the issuer;
                # a short part (要求哪天前报) needs the whole question for its subject
                own_subject = len("".join(_CJK_RUN.findall(part))) >= 8
                asking_others = [p for p in parts if own_subject and p != part and _ASKING.search(p) and p not in part]
                part_context = context
                if asking_others:
                    rest = "，".join(p for p in parts if p not in asking_others)
                    part_context = {i: score * PART_CONTEXT for score, i in self.fact_scores(rest, {i: s for s, i in self.bm25(rest)})}
                options = sorted(((score + part_context.get(i, 0.0), i) for score, i in own), reverse=True)
                fresh = [(score, i) for score, i in options if i not in chosen and (not carried or i in fits)]
                if fresh and fresh[0][0] >= options[0][0] * PART_FRESH_RATIO:
                    chosen.append(fresh[0][1])
                    answered += 1
                    # 依据哪两个上级文件: a part that says how many things it wants gets that many, as long as close
                    wanted = _asked_count(part) or (3 if _WHICH_ALL.search(part) else 0)  # 上位文件有哪些: all alike
                    first = self.facts[fresh[0][1]].clause.id  # the things counted are alike: the same clause's first
                    alike = sorted(fresh[1:], key=lambda o: self.facts[o[1]].clause.id != first)
                    for score, i in alike:
                        if wanted <= 1:
                            break
                        if i not in chosen and score >= fresh[0][0] * COUNT_RATIO:
                            chosen.append(i)
                            wanted -= 1
        if is_yes_no(question):  # 先把老域名注销掉，再去申请新的，可以吧: the change the question describes is what it asks about
            described = [self.fact_ids[fact_id] for pattern, fact_id, _ in _SCENES if pattern.search(question.lower())]
            if len(described) == 1 and described[0] not in chosen[:1]:
                chosen = [described[0], *(i for i in chosen if i != described[0])]
                answered = max(answered, 1)
        best_score, best = whole[0]
        if best not in chosen and answered < 2:  # each part answered by its own facts: the mixture of all is not needed
            chosen.insert(0, best)
        count = _asked_count(question)  # 两个日期, 两张表, 三种情况: that many facts, as long as they are close
        ratio, most = (COUNT_RATIO, max(count, len(chosen))) if count else (CLOSE_RATIO, MAX_FACTS)
        if answered >= 2 and not count and len(re.findall(r"[?？]", question)) >= 2:
            most = len(chosen)  # the parts are answered: a near tie of the whole mixture is another question's fact
        for score, i in whole[1:]:
            if len(chosen) >= most or score < best_score * ratio:
                break
            if i not in chosen:
                chosen.append(i)
        return [self.facts[i] for i in chosen], [self.facts[i] for _, i in whole[:8]]

    def _step_after(self, part: str, question: str = "") -> int | None:
        """'注销以后还要做什么', '变更后要干啥': the fact whose rule starts where that step ends (域名注销后…); '办完还要
        做什么' after '老域名要注销': the step the question named before."""
        match = _AFTER_STEP.search(part)
        if match:
            act = match.group(1)
        elif _AFTER_DONE.search(part):
            before = _STEP_ACTS.findall(question[:question.find(part)] if part in question else "")
            if not before:
                return None
            act = before[-1]
        else:
            return None
        for i, fact in enumerate(self.facts):
            if re.search(rf"{act}(以?后|之后)", fact.quote) and fact.kind in _RULE_KINDS:
                return i
        return None

    def focus(self, question: str) -> dict[str, float]:
        """The words the question asks for: after 哪个/什么/几个 (哪个邮箱), before 是多少/是谁 (电话是多少).
        Of two nouns in a row the last is the head (联系人电话 asks for the 电话)."""
        words = [w for w in self.tokenizer.lcut(question) if w.strip() and not _is_punct(w)]
        out: dict[str, float] = {}
        for i, word in enumerate(words):
            if word in _ASK_BEFORE:
                span = [w for w in words[i + 1:i + 3] if w in self.key_weight]
                for j, w in enumerate(span):
                    out[w] = max(out.get(w, 0.0), 1.0 if j == len(span) - 1 else 0.5)
            if word in _ASK_AFTER and i:
                out[words[i - 1]] = 1.0
        while words and (words[-1] in _TRAILING or _is_punct(words[-1])):
            words.pop()
        if not out and len(words) > 1:
            last = words[-1]
            last = last if last in self.key_weight else self.terms_by_sound.get("".join(self.lazy_pinyin(last)), "")
            if last in self.key_weight and last not in GENERIC_KEYS:  # 截止日期 asks for a deadline, not any 日期
                out[last] = 1.0
        return {w: v for w, v in out.items() if len(w) >= 2}

    def _names_policy_term(self, part: str) -> bool:
        p = part.lower()
        return any(term in p for term in self.part_terms) or bool(re.search(r"\d|[a-z]{2,}", p)) or bool(_WHEN_DUE.search(p))

    def bm25(self, text: str) -> list[tuple[float, int]]:
        tokens, _ = self.query_tokens(text)
        scores: dict[int, float] = defaultdict(float)
        for token, query_weight in tokens.items():
            for i, weight in self.postings.get(token, ()):
                scores[i] += weight * query_weight
        return sorted(((s, i) for i, s in scores.items()), reverse=True)

    def _about_policy(self, question: str, mentioned: set[str]) -> bool:
        """A core policy term is named, or the question's content words are mostly policy words."""
        if mentioned & self.policy.core_terms or mentions_domain(question) or any(
                k in question.lower() and not (_OFFICE_NAME.fullmatch(k) and not _ROUTE_ACT.search(question)) for k in self.telling_keys):
            return True  # an office's name is who acts, not what is asked about (县政府办的车辆怎么派)
        if _THE_PLAN.search(question):  # 方案的原则是什么: the plan itself is the subject
            return True
        dates = [d for kind, d in question_dates(question, 2019) if kind == "date"]
        if any((d.month, d.day) in self.policy_dates for d in dates) or (dates and mentioned):
            return True
        known = unknown = 0
        for word in _join_single_chars(self.words(question)):
            if len(word) < 2 or word in self.policy.question_words or not any(ch.isalpha() for ch in word):
                continue
            if word in self.idf or word in self.domain_terms:
                known += 1
            else:
                unknown += 1
        return known > unknown

    def _smalltalk(self, question: str) -> str | None:
        q = re.sub(r"[\s!！?？,，.。~～、]+", "", question.lower())
        if not q or len(q) > 12:
            return None
        for words, reply in self.smalltalk.values():
            for word in words:
                w = word.replace(" ", "")
                if q == w or (q.startswith(w) and len(q) - len(w) <= 4 and not self.query_tokens(q)[1]):
                    return reply
        return None


_COUNT = re.compile(r"(两|俩|二|三|四)(个|张|种|份|类|项|条|者|步|点)?|各|分别|都")
_COUNTS = {"两": 2, "俩": 2, "二": 2, "三": 3, "四": 4}


_OFFICE_NAME = re.compile(r"(县|州|省|县市)?(人民)?政府(办|办公室|办公厅)?|州人民政府")
# an office is the policy's when it is a step's recipient or doer (报到省政府办公厅以后多久能批下来)
_ROUTE_ACT = re.compile(r"报|交|送|审批|审核|批|同意|复查|截止|期限|负责|牵头|做什么|干什么|干啥|任务|职责")


def _asked_count(question: str) -> int:
    """How many things a question asks for when it says so without listing them (两个截止日期, 两张表)."""
    for match in _COUNT.finditer(question):
        if match.group(1) and (match.group(2) or match.group(1) in "俩"):
            return _COUNTS[match.group(1)]
    return 0


_WHICH_ALL = re.compile(r"有哪些|有哪几|是哪些|是哪几|都有(啥|什么|哪些)")
_DOMAIN_WORDS = re.compile(r"[a-z0-9.:/_-]*\.[a-z0-9./_-]+")
_DOC_NUMBER = re.compile(r"(楚政办函|武政办函)\s*〔?(?:2019)?[〕年]?\s*([18])(?!\d)\s*号?(文件|文|通知)?")
_WHAT_DOC = re.compile(r"是(啥|什么|哪个)(文件|文|通知)?|(讲|说|写)(的|了)?(啥|什么)(内容|事)?|(主要)?内容(是)?(啥|什么)?|是干(啥|什么)的")
_ITSELF = "这份文件的标题"  # a question about a document as such: answered from its 标题 clause
_DOCS = {"楚政办函": "楚政办函〔2019〕8号", "武政办函": "武政办函〔2019〕1号"}


def _doc_reference(question: str) -> tuple[str, str]:
    """楚政办函8号是哪天印发的 -> (这份文件是哪天印发的, 楚政办函〔2019〕8号): the number says which document,
    the rest what is asked; left alone when nothing else is asked."""
    match = _DOC_NUMBER.search(question)
    if not match:
        return question, ""
    rest = question[:match.start()] + "这份文件" + question[match.end():]
    asked = _WHAT_DOC.sub("", rest)  # 是啥文件, 讲的什么: the document itself is what is asked
    if len("".join(_CJK_RUN.findall(asked))) - 4 < 3:
        if asked != rest:  # 武政办函1号讲的什么: its title and who issued it
            return _ITSELF, _DOCS[match.group(1)]
        return question, _DOCS[match.group(1)]
    return rest, _DOCS[match.group(1)]


_RULE_KINDS = frozenset({"rule", "prohibition", "number"})
_EN_WORDS = {"可以": "Yes.", "需要": "Yes, it is required.", "有": "Yes.", "是的": "Yes.", "符合要求": "Yes, it complies.",
             "来得及": "Yes, in time.", "没有超期": "No, not late.", "不可以": "No.", "不需要": "No, it is not required.",
             "没有": "No.", "不是": "No.", "不符合": "No, it does not comply.", "来不及": "No, too late.",
             "超期了": "Yes, it is late.", "不对": "No.", "不对，需要": "No — it is required."}


_EN_MONTHS = "January February March April May June July August September October November December".split()
_EN_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _en_date(day) -> str:
    return f"{_EN_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _english_lead(answer: Answer) -> str:
    """An English first line for answers worked out rather than quoted (dates, sections, refusals)."""
    if answer.kind == "out_of_scope":
        return ("This is outside the two documents, which cover only the cleanup of Chuxiong's government website "
                "domains (domain formats, procedures, deadlines, contacts).")
    lead = answer.lead
    days = re.search(r"相隔(\d+)天（其中(\d+)个工作日）", lead)
    dated = [f for f in answer.facts if f.date]
    if lead.startswith("按时间先后：") and dated:  # several events in date order
        weekday = "星期" in lead.split("\n")[0]
        listed = " → ".join(_en_date(f.date) + (f" ({_EN_DAYS[f.date.weekday()]})" if weekday else "") for f in dated)
        return f"In date order: {listed}."
    if days and len(dated) >= 2:
        return f"{days.group(1)} days ({days.group(2)} working days) from {_en_date(dated[0].date)} to {_en_date(dated[1].date)}."
    if "星期" in lead and dated:
        return " ".join(f"{_en_date(f.date)} is a {_EN_DAYS[f.date.weekday()]}." for f in dated)
    if lead.startswith(("没有过", "已经过了")) and len(dated) >= 2:
        word = "has not passed" if lead.startswith("没有过") else "had passed"
        return f"On {_en_date(dated[0].date)} the deadline of {_en_date(dated[1].date)} {word}."
    first = re.search(r"（(\d{4})年(\d+)月(\d+)日）在前，.*?（(\d{4})年(\d+)月(\d+)日）在后，早(\d+)天", lead)
    if first and len(dated) >= 2:  # which of two events comes first
        return f"{_en_date(dated[0].date)} comes first, {first.group(7)} days before {_en_date(dated[1].date)}."
    year = re.match(r"(\d{4})年。", lead)
    if year:
        return f"{year.group(1)}. " + " ".join(f.en for f in answer.facts if f.en)
    if lead.startswith("文件没有") or "文件没有" in lead.split("\n")[0]:
        return "The documents do not specify this. What they do say:"
    english = [f.en for f in answer.facts if f.en]
    return " ".join(english) if english else "In the documents (in Chinese):"


def _in_english(ruling: str, open_point: str | None, facts: list[Fact], chinese: str) -> str:
    """The direct answer in English (each fact's `en`), then the Chinese answer the quotes go with."""
    lines = []
    if open_point:
        lines.append("The documents do not specify this. What they do say:")
    elif ruling:
        lines.append(_EN_WORDS.get(ruling.split("：")[0], ""))
    lines += [f.en for f in facts if f.en]
    english = " ".join(line for line in lines if line)
    return f"{english}\n{chinese}" if english else chinese


# a part naming the domain that also says what happened to it (下线, 迁移) or names another subject stays
_SETTING_STATE = re.compile(r"下线|闲置|停用|关停|关了|不用了|废弃|改版|迁移|整合|换成|换了|改成|改为|换为|迁到|改用|换用|从|启用|上线|新域名|旧域名|原域名|注销|备案|服务器|联系人|冒名|劫持|系统|平台|栏目|专题|频道")


# a change described in words, apart: the rule about that change (联系人…换了 → 20个工作日内报备)
_CHANGE_OVER = re.compile(r"(换成|换了|换到|切换到|换新|改成|改用|换用|启用|迁到|上线)[^。？]{0,30}(原来|老|旧|以前)[^。？]{0,16}(注销|停|关|不用|怎么弄|怎么办|怎么处理|下一步)")
_CHANGE_OR_CANCEL = re.compile(r"注销|变更|改|换|迁")  # what the route for domains registered before 55号 covers
# who reports, or to whom (乡镇, 县里, 州级部门, 报州): which of the two report deadlines a day is set against
_REPORT_SUBJECT = re.compile(r"县里|州里|县上|州上|乡|镇|县级|州级|县市|部门|单位|局|县政府|州政府|(报|交|送)[^，。？]{0,2}(县|州)|武定|楚雄|我们|咱们|本县|复查")
_WHEN_ASKED = re.compile(r"哪天|几号|星期|周几|礼拜|哪一?年|日期|时间|什么时候|啥时候|哪一天|多久|几天")
# a phone's space between two clauses (州里的截止是3月20 县里让乡镇…) parts them as a comma would
_PHONE_SPACE = r"(?<=[\u4e00-\u9fff\d])\s+(?=[\u4e00-\u9fff])"
_CLAUSES = re.compile(rf"[，,；;。？?！!]|{_PHONE_SPACE}")
_CLAUSE_COMMA = re.compile(rf"[，,；;]|{_PHONE_SPACE}")
# the suffix itself asked about (能用gov.cn吗, 用.gov.cn结尾的域名), not a full domain that ends in it
_GOV_SUFFIX = re.compile(r"(?<![a-z0-9-])\.?gov\.cn|政府网站域名|政府域名", re.IGNORECASE)
_SCENES = ((re.compile(r"(联系人|管理员|注册信息|联系方式)[^，。？]{0,16}(换|变|改|调整|离职|调走)|(换|变更|更换|改)[^，。？]{0,3}(联系人|管理员)"), "contact-change", "contact"),
           (re.compile(r"(持有者|持有单位|持有人)[^，。？]{0,12}(换|变|改|调整)|(换|变更|更换|改)[^，。？]{0,3}(持有者|持有单位|持有人)"), "holder-change", ""),
           # a change-over described (换成新域名了，原来那个…注销): the notice before the old one is cancelled, 四（三）
           (_CHANGE_OVER, "notice", ""),
           # the old domain's cancelling set in order with the notice or the new domain (先注销老的再申请新的 / 再公告)
           (re.compile(r"先[^。？]{0,12}(注销|停|关)[^。？]{0,16}(再|然后|之后|以后)[^。？]{0,12}(公告|新域名|新的|启用|上线)|"
                       r"(公告|启用|上线)[^。？]{0,16}(之前|以前|前)[^。？]{0,6}(先)?[^。？]{0,6}(注销|停|关)"), "notice", ""),
           # a domain handed to another unit or person (转给, 借给, 给下面的中心用): 二（六）
           (re.compile(r"(域名|网址)[^。？]{0,16}(转给|转让|借给|送给|过户给|给[^，。？]{0,10}用)"), "no-transfer", ""),
           # the filings and marks once the domain is gone (注销完了，备案那些…): 三（五）, not the domain's own course
           (re.compile(r"(注销|销)(完|了|掉|后|以后|之后)[^。？]{0,16}(?<!报)(icp|公安|标识|证书|备案(号|信息|编号|那些|这些|那块|这块))|"
                       r"(icp|公安|标识|备案(号|信息|编号|那些|这些))[^。？]{0,10}(注销|销)(完|了|掉|后)", re.IGNORECASE),
            "filings", ""))


_BACK_REFERENCE = re.compile(r"这(两|俩|几|些|三)(块|个|样|项|种|方面|部分)?|两者|二者|它们|各有|各自|分别")
_BOTH_DOCS = re.compile(r"(两|俩|2)(个|份)(文件|通知|文)|两个文件|县里和州里|州里和县里|县和州的|州和县的|各自的(文号|日期)")
_DOC_ASPECTS = ((re.compile(r"日期|哪天|什么时候|时间|几号"), ("cx-date", "wd-date")),
                (re.compile(r"文号|字号|谁发|发文单位|哪个单位|印发单位|发的"), ("cx-issuer", "wd-issuer")),
                (re.compile(r"主送|发给|给谁"), ("cx-recipients", "wd-recipients")))


def _both_documents(question: str, facts: tuple[Fact, ...]) -> list[Fact]:
    """A question about both documents' metadata (their dates, numbers, issuers): one fact of each."""
    both = _BOTH_DOCS.search(question) or (re.search(r"(州里|州政府办|楚政办函)[^，。？]{0,4}(通知|文件|发文|印发)", question)
                                             and re.search(r"(县里|县政府办|武政办函)[^，。？]{0,4}(通知|文件|发文|转发)", question))
    if not both or re.search(r"截止|报送|上报|期限|国办|国务院|省里|省政府|云南|引用|依据|根据|上级|上位|定的|制定", question):
        return []
    by_id = {f.id: f for f in facts}
    return [by_id[i] for pattern, ids in _DOC_ASPECTS if pattern.search(question) for i in ids]


# Everyday words that sound like a policy word (指定 / 制定, 知道 / 指导, 统一 / 同意): meant as written, never typos
_ORDINARY = frozenset("知道 实现 统一 同志 一句 指定 事先 检测 制订 直到 各市 全程 一千 指责 引发 树立 起先 视线 全城 一举".split())
_NOT_IN_TERMS = frozenset("各县州市里吧吗呢啊")  # a typo is inside a word, not across these

# English words staff drop into a Chinese question
# the marks of a forwarded chat ([微信转], 【群聊转发】, quoted lines, rules)
_FORWARDED = re.compile(r"[\[【]\s*(微信|群聊|群里|qq|钉钉|聊天|工作群)?\s*(转发?|截图|记录|消息)\s*[\]】]|(?:^|\s)>\s|—{2,}|-{3,}", re.IGNORECASE)
_LIST_MARK = re.compile(r"(?:(?<=^)|(?<=[：:？?，,。；;\s]))\s*[1-9](?:[.．、)）]|\s+|(?=[\u4e00-\u9fff])(?![月日号个天年点条项部周]))"
                        r"(?=[\u4e00-\u9fff])")  # 1.… 2、… 1中文…; not 二、 (a part's number), not 3月
_STICKER = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,4}\]")  # WeChat's [捂脸] [微笑] [OK]
# Yunnan and Sichuan sentence-final particles that ask for agreement
# a closing 不 that asks (还来得及不, 合规不, 得行不): 吗, so that it is not read as a word (及不 sounds like 几步)
# (not after a word it would negate: 也不, 还不; not 有…不, which its own family answers 有 / 没有)
_CLOSING_NOT = re.compile(r"(?<![也都还并绝就决可又再才而不样对是])(?<!有[\u4e00-\u9fff])(?<!有[\u4e00-\u9fff]{2})(?<!有[\u4e00-\u9fff]{3})"
                          r"(?<=[\u4e00-\u9fff])不(?=[？?。！!~～\s]*$)")
_WH_IN_LAST = re.compile(r"(啥|什么|哪|怎|咋|谁|几|多少)[^，。？?！!\s]*不[？?。！!~～\s]*$")  # 需要走啥程序不: what, not whether
_DIALECT_MID = re.compile(r"(噻|撒|哈|嘛)([，,])")
# Yunnan words for question words and verbs (咋个 = 怎么, 哪样 = 什么, 好多 = 多少, 有没得 = 有没有, 不消 = 不用)
_YUNNAN_WORDS = {"咋个": "怎么", "做哪样": "做什么", "搞哪样": "做什么", "要哪样": "要什么", "没得哪样": "没什么", "哪样": "什么",
                 "好多钱": "多少钱", "有没得": "有没有", "没得": "没有", "不消": "不用", "得不得": "行不行", "要得不": "行不行",
                 "哪个出钱": "谁出钱", "弄不": "要不要弄", "啥子": "什么", "就得了": "就行了", "放起": "放着", "开起": "开着",
                 "报克": "报去", "交克": "交去", "镇滴": "镇的", "乡滴": "乡的", "局滴": "局的",
                 "莫得": "没有", "莫有": "没有", "给是": "是不是", "咋整": "怎么办", "找哪个": "找谁", "整成": "弄成",
                 # 得行 (行), 搞得不 (行不行)
                 "得行不": "行不行", "也得行": "也行", "搞得不": "行不行", "整得不": "行不行", "弄得不": "行不行",
                 "应该得嘛": "应该行吧", "得嘛": "行吧",
                 # 好多 (多少) and 好久 (什么时候) where they ask
                 "差好多": "差多少", "隔好多": "隔多少", "相差好多": "相差多少", "早好多": "早多少", "晚好多": "晚多少",
                 "是好多": "是多少", "有好多": "有多少", "是好久": "是什么时候", "最早好久": "最早什么时候",
                 "最晚好久": "最晚什么时候", "最迟好久": "最迟什么时候", "好久可以": "什么时候可以", "好久能": "什么时候能",
                 # about a month (个把月, 一个来月): the period claimed, as near as the words say
                 "个把月": "1个月", "把个月": "1个月", "一个来月": "1个月", "一个多月": "1个月", "两个来月": "2个月", "两个多月": "2个月",
                 "来的及": "来得及", "赶的上": "赶得上", "来不急": "来不及"}  # and their common typos
_YUNNAN = re.compile("|".join(sorted(map(re.escape, _YUNNAN_WORDS), key=len, reverse=True)))
# a pinyin word typed inside Chinese (fucha截止那天): read through the policy's vocabulary when it is one of its words
_PINYIN_IN_CHINESE = re.compile(r"(?<=[\u4e00-\u9fff])[a-z]{4,}(?=[\u4e00-\u9fff])|(?<![a-z.@/-])[a-z]{4,}(?:\s+[a-z]{2,})*(?=\s*[\u4e00-\u9fff])|"
                                r"(?<![a-z.@/-])[a-z]{1,6}(?:\s+[a-z]{1,6}){2,}(?=\s*[\u4e00-\u9fff])")  # fu wu qi 放境外
_DOUBTED = re.compile(r"钓鱼|假的|冒充|诈骗|骗子|靠不靠谱|靠谱吗|是真的吗|真假")
_CONTACT_FACTS = dict(zip(CONTACT_ITEMS, ("wd-contact-name", "wd-phone", "wd-fax", "wd-email")))  # each item's fact
_WH_WORDS = re.compile(r"什么|啥|谁|哪|几|多少|多久|多长|怎|如何|咋")
_TAG_FIRST = re.compile(r"^\s*(我理解(得)?(没错|对)吧|我没(记|理解|搞)错吧|对吧|是不是这样|确认一下|确认下)[：:，,]\s*(?=[^？?]{6,}$)")
_ROUTE_WORDS = re.compile(r"报给|交给|报到|交到|找谁|哪一级|先报|先交|报哪|交哪|向谁|谁批|审批")
_MIXED_WORDS = {"deadline": "截止日期", "ddl": "截止日期", "email": "邮箱", "e-mail": "邮箱", "dns": "域名解析"}
_MIXED = re.compile(r"(?<![a-z.@-])(dead\s?line|ddl|e-?mail|dns)(?![a-z.@-])", re.IGNORECASE)
# question tags typed in pinyin with the input method off (…，shi bu shi): the tag in characters
_PINYIN_TAGS = {"shibushi": "是不是", "duibudui": "对不对", "duiba": "对吧", "shiba": "是吧", "duima": "对吗", "shima": "是吗",
                "keyima": "可以吗", "kebukeyi": "可不可以", "xingbuxing": "行不行", "xingma": "行吗", "yaobuyao": "要不要",
                "youmeiyou": "有没有", "nengbuneng": "能不能", "meiwentiba": "没问题吧", "meicuoba": "没错吧"}
_PINYIN_TAG = re.compile(r"(?<![a-z])(" + "|".join(r"\s*".join(re.findall(r"[bcdfghjklmnpqrstwxyz]*[aeiouv]+(?:ng|n|r)?(?![aeiouv])", tag))
                                                    for tag in sorted(_PINYIN_TAGS, key=len, reverse=True)) + r")[?？。!！\s]*$", re.IGNORECASE)
# the documents the plan is based on (一、指导思想): a number claimed as its basis is checked against them
# a document's number as written by staff: 楚政办函〔2019〕8号, 楚政办函2019 8号, 武政办函(2019)1号
# the plan itself approved by someone (方案是省政府同意的吧; approved by …, read word by word: 方案同意…)
_PLAN_APPROVED = re.compile(r"(方案|这个文件|州里的文件)(是|经过?|由|已经|报|被)?[^，。？域名网站注册注销联系]{0,10}(同意|批准|审批|审定|通过)")
_BARE_CHECK = re.compile(r"(这样|这些|这种情况)?(有啥|有什么|有没有)?(问题|毛病)(没|没有|吗|不)?[?？]?|(合规|规范|合不合规|行不行|可以)吗?[?？]?|(有啥|有什么)要求(没|吗)?[?？]?")
_APPROVAL_TALK = re.compile(r"(网站|域名)[^。？]{0,16}(审过|审完|审核|审批|批准|批了|报省|省里)")
_REPORT_TALK = re.compile(r"清理情况|截止|期限|几号|哪天|\d+月\d+")
_HAS_RULE = re.compile(r"(有|有没有|有啥|有什么|有哪些)(要求|规定|限制|讲究|时限|期限|时间要求|时间限制)(吗|没|没有|不|么|嘛)?[?？]*$")
_REPORTING = re.compile(r"报清理情况|清理情况[^，。？]{0,6}(报|交|发)|报送清理")
_DEPT_UNIT = re.compile(r"[州县市][\u4e00-\u9fff]{1,6}?(局|委(?!书记|员)|中心|(?<!府)办(?![理事法公]))|部门网站|门户(网站)?(下面|下的|的下级)")
_PORTAL_ASKED = re.compile(r"(门户|县政府|市政府)(网站)?(?!下面|下的|的下级)的?(域名|英文域名|中文域名)?[^，。？]{0,4}(要|该|怎么|咋|能|可以|申请|注册|注销|换|改)")
_DOC_NO_CLAIMED = re.compile(r"(楚政办函|武政办函|国办函|云政办函)\s*[〔\[(（]?\s*(\d{4})?\s*[〕\])）年]?\s*(\d{1,3})\s*号")
_NUMBERED_FACTS = ("cx-issuer", "wd-issuer", "basis-gbh", "basis-yzb")
_DOC_LEVEL = re.compile(r"(州|县|国办|国务院|省)[^，。？、]{0,6}(文号|号文|的文|发文)")
_LEVEL_PREFIX = {"州": "楚政办函", "县": "武政办函", "国办": "国办函", "国务院": "国办函", "省": "云政办函"}
_BASIS_ASKED = re.compile(r"依据|根据|按照?[^，。？]{0,24}(制定|定的|出台|印发|来的)|上位文件|上级文件")
_BASIS_FACTS = ("basis-gbh", "basis-yzb")
_YEAR_NUMBER = re.compile(r"〔(\d{4})〕\s*(\d{1,3})\s*号")
_NUMBER_CLAIMED = re.compile(r"(?:函|〕|国办|发)\s*(?:〔\d{4}〕)?\s*(\d{1,3})\s*号")  # a document's number, never a day (3月5号)
_YEAR_ASKED = re.compile(r"(哪一?年|哪个年份|什么年份|几几年|年份是)[^，。？]{0,6}$|(清理|方案|通知|文件)[^，。？]{0,6}(哪一?年|哪个年份|什么年份|几几年)")
_OTHER_DOCS = re.compile(r"国办|国务院|省里|省政府|云南|引用|依据|上级|上位|55号|193号")  # the documents the plan cites
_DAY_ACTED = re.compile(r"(今天|现在|已经)[^，。？]{0,8}\d+月\d+|\d+月\d+[日号][^，。？]{0,16}(赶得上|来得及|还能|还行|晚不晚|超期|逾期|晚了|按时|准时|过期)|(赶得上|来得及)")
_QUOTED_RULE = re.compile(r"[“\"「][^”\"」]{8,}[”\"」]")
_QUOTE_THEN_CLAIM = re.compile(r"[”\"」][^，。？]{0,4}[，,：:—\-\s]*[^。？]{0,6}(意思是|意思就是|也就是说|就是说|是不是说|反过来|那是不是|那就是|那)")
_INTENT = re.compile(r"(想|打算|准备|计划)(把|将|给|用|先|再|直接)")
_ACT_AFTER = re.compile(r"(转发|印发|发文|下发|发布|成文|出台|发的|发了|发)$")  # 2月20号转发: the day, not the act
_SPEAKER_OPENING = re.compile(r"^[^，,。？?]{2,20}?(办|局|委|中心|办公室)的?[，,]\s*(?=[^，,。？?]{6,})")
_LIKE = re.compile(r"(跟|和|像|同)[^，。？]{1,12}一样")
_LEFT_UNCANCELLED = re.compile(r"不注销|不用注销|没注销|不去注销|放着|留着|先留|不管它|不管了")
_IDLE_DOMAIN = re.compile(r"(域名|[a-z0-9-]+\.[a-z.]+)[^。？]{0,12}(一直|早就|早已|长期)?(闲着|闲置|没用|不用了|没在用|空着)")
_MAIL_AS_DOMAIN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+[^。？]{0,24}(算不算|是不是|属不属于|属于|算)[^。？]{0,14}(不规范|域名)")
_STATED_DUTY = re.compile(r"(吧|对吧|是吧|对不|对吗|是不是)[?？。!！~～]*$")
_ASKED_DUTY = re.compile(r"要不要|需不需要|需要吗|用不用|得不得|必须吗|是否")
_ASKS_TASK = re.compile(r"(要|需要|负责|得|该)?(做|干|管|负责)(什么|啥|哪些)|职责|任务")
_THE_PLAN = re.compile(r"(这个|这份|州里的?|该|本|清理(工作)?)方案|^方案(的|里|中|第|开头|要求|规定|原则|目标|依据|说|上|是|经|有没有|过没过)|这次清理|清理工作")
_NUMBER_ONLY_DOC = re.compile(r"(?<![函〕\d])([18])号(?:文件|文)(?![件号])")
_DOC_SHORTHAND = re.compile(r"(州)文(?=转|的|文号|号|里|中|说|讲|是|和|跟|[，,。？?]|$)")  # 州文: the prefecture's document
_DOC_BODY = re.compile(r"(县里|县政府办|武定县?|武政办函|州里|州政府办|楚政办函|州)[^，。？]{0,6}(通知|文件|发文)[^，。？]{0,3}(正文|全文)")
_STEP_ACTS = re.compile(r"注销|注册|变更|调整|启用|迁移|申请|报备|下线")
_AFTER_DONE = re.compile(r"(办完|弄完|做完|搞完|完了|完成)(以后|之后|后)?(还|又)?(要|需要|得|该)?(做|干|办|弄)?(什么|啥|哪些)")
_AFTER_STEP = re.compile(r"(注销|注册|变更|调整|启用|迁移|申请|备案|报备|审核|下线)(?:了)?(?:完了?(?:以后|之后|后)?|以后|之后|后)(?:还|又)?(?:要|需要|得|该|应该)?(?:做|干|办|弄)?(?:什么|啥|哪些|些什么)")
_IDLE_SCENE = IDLE
# a part that hands the site's domain to someone else (给村委会用着, 借给下属单位, 转给公司)
_HANDED_OVER = re.compile(r"转给|转让|借给|送给|过户给|给(?!我们|咱们|自己|本单位)[^，。？\s]{1,10}(用|使用|用着|接着用|先用|管)(?!户)")
# a domain handed to another (过户给镇里, 借给下属单位用): never 管理机构 or a report 报给…
_TRANSFER = re.compile(r"转给|转让|借给|送给|过户|(?<!报)给(?!我们|咱们|自己|本单位)[^，。？\s]{1,8}(用|使用|用着|接着用|先用)(?![理户])")
_SITE_OR_DOMAIN = re.compile(r"域名|网站|网址")
# 截止哪天 as a part of its own (联系人是谁，…，截止哪天): a deadline asked is a question, though 截止 is a generic key
_WHEN_DUE = re.compile(r"(截止|截至|期限|最晚|最迟)[^，。？]{0,3}(哪天|哪一天|几号|什么时候|啥时候|日期|时间|是多少)|(哪天|几号|什么时候|啥时候)(截止|之前|前)")
_DOER_ACT = re.compile(r"注销|注册|申请|变更|复查|印发|转发|批准|审批|分配|收回|备案")
_DOER_ACT_ALL = re.compile(r"复查|转发|印发|提醒|注销|注册|审批|批准|分配|收回|备案|报备|报送|上报|监测")
_DEPT_WORDS = re.compile(r"部门|[\u4e00-\u9fff](局|委)(?!书记|员)")
_WHAT_TO_DO = re.compile(r"(应该|应当|该|要|需要)?(怎么|怎样|如何|咋)(整改|处理|改|弄|办|整|对待)")
_WHICH_N = re.compile(r"哪(两|俩|三|四|五|几)(个|份|张|种|项|条|家)?")
_ASKS_WORD = re.compile(r"怎么|咋|如何|什么|啥|处理|哪")  # 怎么处理 asks what to do; it names no rule of its own
_PLAN_SETTING = re.compile(r"(按|按照|根据|依照|依据|对照)?(这个|这次|这份|本次|此次|本|该|州里的?|县里的?)(域名)?(清理)?(工作)?(方案|通知|文件|政策)(的?(要求|规定))?|"
                           r"(按|按照|根据|依照|对照)(域名)?(清理)?(工作)?(方案|通知|文件|政策)(的?(要求|规定))?|这次清理|此次清理|本次清理")
# who-questions and the role of the rule's step they ask for
_FORMAT_ASKED = re.compile(r"域名[^，。？]{0,10}(长啥样|长什么样|什么样|啥样|怎么写|咋写|什么格式|啥格式|什么结构|啥结构)")
_WHO_ROLES = (("(批|审批|批准)", "approves"), ("(分配|收回)", "executes"), ("同意", "consent"))
_MAIL_ASKED = re.compile(r"哪个邮箱|什么邮箱|邮箱(是|多少|地址)|发(到)?哪|发给谁|邮箱呢")
_SITE_KIND = re.compile(r"门户网站|门户|部门网站|事业单位")  # the kind of site a procedure is for
_OWN_PLACE = re.compile(r"我们|咱们|咱|本县|本市|本州|本区|我县|我市|我州|我区|俺们|我是|我这边|这边是")


_HOSTED_AT = re.compile(r"服务器|节点|机房|虚拟空间|虚拟主机|云主机|云空间|云服务器|cdn|托管|数据中心", re.IGNORECASE)
_WHERE_WORDS = frozenset("境内 国内 大陆 内地 境外 国外 海外 外国".split())  # said already; 杭州, 新加坡 are named


_ELLIPTIC = re.compile(r"(?:那|那么)?([\u4e00-\u9fff]{1,8}?)的?(?:呢|怎么样|咋样|如何)[？?]?")


def _aspects(question: str, facts: list[Fact], ruling: str, every: tuple[Fact, ...]) -> tuple[str, list[Fact]] | None:
    """A verdict on one part of a site's set-up (the server in a county machine room) when the question names
    others with rules of their own (the DNS provider): each part named is judged — one that breaks its rule makes
    the whole 不符合, one the words do not decide is said to need checking. None when only one part is named."""
    if not facts or not facts[0].aspect or not ruling:
        return None
    clauses = re.split(r"[，,。；;？?！!]", question)
    # each part is judged on the clauses that name it (境外节点 of the CDN says nothing of the server)
    # (用CDN的话境内用户解析要指到境内节点: 解析 in the CDN's own clause is the CDN's, not a DNS provider's)
    apart = [c for c in clauses if not facts[0].aspect_words.search(c)]
    named = {f.id: (f, " ".join(c for c in apart if f.aspect_words.search(c))) for f in every
             if f.aspect and f.aspect != facts[0].aspect and any(f.aspect_words.search(c) for c in apart)}
    if not named:
        return None
    broken = [f for f, said in named.values() if any(p.search(said) for p in f.no)]
    kept = [f for f, said in named.values() if f not in broken and any(p.search(said) for p in f.yes)]
    open_parts = [f for f, _ in named.values() if f not in broken and f not in kept]
    positive = ruling.split("：")[0].split("，")[0] in _POSITIVE_WORDS
    if broken:
        return f"不符合：{'、'.join(dict.fromkeys(f.aspect for f in broken))}不符合要求", broken + open_parts
    if not positive or not open_parts:
        return None
    return f"{facts[0].aspect}这一项符合要求；{'、'.join(dict.fromkeys(f.aspect for f in open_parts))}要对照规定核实", open_parts


_POSITIVE_WORDS = frozenset({"符合要求", "是的", "可以", "没问题", "合规", "不需要"})


def _claims_after_quote(question: str) -> str:
    """“…原则上不得使用.gov.cn”——那反过来讲，承担行政职能的…也一样不能用吧 → the claim after the quote, to confirm;
    a pronoun in it (意思是它们也不能用吧) stands for the quote's subject, which is then kept before it."""
    claim = hearsay_as_confirmation(re.sub(r"^.*这句话[^\u4e00-\u9fff]*", "", _QUOTED_RULE.sub("这句话", question)))
    quote = _QUOTED_RULE.search(question)
    if quote and re.search(r"它们|他们|它|这类|这种|这些", claim):
        subject = re.split(r"[，,。；;]", quote.group(0)[1:-1])[0]
        claim = re.sub(r"它们|他们|它|这类单位|这种单位|这些单位|这类|这种|这些", subject, claim, count=1)
    return claim


def _contrast(question: str) -> list[str] | None:
    """'A能…吗？B呢' where B is A with or without its 不 (不承担 / 承担): the second question written out."""
    parts = _parts(question)
    if len(parts) != 2:
        return None
    match = _ELLIPTIC.fullmatch(parts[1].strip())
    if not match:
        return None
    other, first = match.group(1), parts[0]
    if "不" + other in first:
        return [first, first.replace("不" + other, other, 1)]
    if other.startswith(("不", "没")) and other[1:] in first:
        return [first, first.replace(other[1:], other, 1)]
    named = re.sub(r"(那个|这个|那边|这边|那|的)$", "", other)  # 县里这个文号是多少？州里那个呢: its counterpart put in
    counterpart = next((c for c in _COUNTERPARTS.get(named, ()) if c in first), None)
    if counterpart:
        return [first, first.replace(counterpart, named, 1)]
    return None


# the pairs a follow-up (…？州里那个呢) swaps: the prefecture's and the county's, a department's and a portal's
_COUNTERPARTS = {"州里": ("县里",), "县里": ("州里",), "州级": ("县级",), "县级": ("州级",), "门户": ("部门",), "部门": ("门户",),
                 "州政府办": ("县政府办",), "县政府办": ("州政府办",), "州": ("县",), "县": ("州",)}


def _remedy_word(question: str, compliant: bool) -> str:
    """要不要改 → 需要 / 不需要; 要紧吗 → 要紧 / 不要紧; both asked (要不要改，不改要紧吗) → both said."""
    worry = worry_word(question, not compliant)
    need = "不需要" if compliant else "需要改"
    if worry and re.search(r"要不要|需不需要|用不用|该不该|是否要|得不得", question):
        return f"{need}，{'不改' if not compliant else ''}{worry}".replace("，不改不要紧", "，不要紧")
    return worry or ("不需要" if compliant else "需要")


@lru_cache(maxsize=16)
def _home_portal(question: str, region: str) -> str:
    """The portal domains the naming rule gives the county the question is about: one of 楚雄's counties named
    (姚安县), else the asker's own (我们县: the office's region, or the documents' 武定县); '' for none."""
    from knowledge.naming import suggest
    from knowledge.places import divisions

    county = other_county(question) or ("武定县" if "武定" in question else None)
    if county is None and _OWN_PLACE.search(question):
        if region:
            english = suggest(f"{region}人民政府").english
            return f"按本单位所在地区（{region}），门户网站域名为 {english[0]}。" if english else ""
        county = "武定县"
    place = next((p for p in divisions().by_code.values() if p.name == county and p.code.startswith("5323")), None)
    if place is None:
        return ""
    named = suggest(f"{place.name}人民政府")
    if not named.english:
        return ""
    return (f"按这个规则，{place.name}政府门户网站的英文域名可用 {named.english[0]}，"
            f"中文域名为“{place.name}人民政府.政务”（△△△为主办单位的中文全称或规范化简称）。")


def _without_setting(question: str) -> str:
    """'州公安局网站英文域名是 gaj.cxz.gov.cn，还想再注册一个中文域名，应该是什么样的格式' → the parts that ask:
    a sentence that only names the domain is the setting when the question asks something else."""
    if not domain_in(question) or asks_about_domain(question):
        return question
    parts = re.split(r"(?<=[，,；;。？?！!])", question)
    kept = [p for p in parts if not domain_in(p) or _SETTING_STATE.search(_DOMAIN_WORDS.sub(" ", p.lower()))]
    rest = "".join(_DOMAIN_WORDS.sub(" ", p) for p in kept)  # the domains themselves say nothing of what is asked
    return rest if len(_CJK_RUN.findall(rest)) and len("".join(_CJK_RUN.findall(rest))) >= 6 else question




_STATING = re.compile(r"了|已经|准备|打算|正在|现在|目前|刚|是|用的|有个|有一个")


def _setting_clauses(question: str) -> list[str]:
    """The clauses before the last that ask nothing (网站用了https，证书要不要注销: 网站用了https)."""
    clauses = [c for c in _CLAUSE_COMMA.split(question) if c.strip()]
    return [c for c in clauses[:-1] if not _ASKING.search(c) and not re.search(r"、|和|与|跟|以及|及", c) and _STATING.search(c)]


_YES_NO_WORDS = frozenset("可以 不可以 需要 不需要 是的 不是 不对 有 没有".split())


def _yes_no_parts(question: str) -> list[str]:
    """The parts of a question of several that ask yes/no (谁去注销？能不能转给村里用)."""
    if CONFIRM.search(question):
        return []  # a statement to confirm (…，对吧) is one claim, however many clauses it has
    parts = [p for p in _parts(question) if len(p) > 3 and _ASKING.search(p)]
    return [p for p in parts if is_yes_no(p)] if len(parts) >= 2 else []


def _parts(question: str) -> list[str]:
    """The things a question asks, in order: 截止日期、联系人、邮箱 → three parts."""
    return [p for p in _PART_SPLIT.split(question) if len("".join(_CJK_RUN.findall(p))) >= 2 or re.search(r"[a-z]{2,}", p, re.I)]


def _bm25(bags: list[Counter]) -> dict[str, list[tuple[int, float]]]:
    avg_len = sum(sum(b.values()) for b in bags) / len(bags)
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, bag in enumerate(bags):
        norm = K1 * (1 - B + B * sum(bag.values()) / avg_len)
        for token, tf in bag.items():
            idf = math.log(1 + (n - df[token] + 0.5) / (df[token] + 0.5))
            postings[token].append((i, idf * tf * (K1 + 1) / (tf + norm)))
    return postings


def _join_single_chars(words: list[str]) -> list[str]:
    """jieba leaves unknown words as single characters (年 假); glue such runs back into one word."""
    out: list[str] = []
    glue = False
    for word in words:
        single = len(word) == 1 and bool(_CJK_RUN.fullmatch(word))
        if single and glue:
            out[-1] += word
        else:
            out.append(word)
        glue = single
    return out


def _is_punct(word: str) -> bool:
    return all(not ch.isalnum() for ch in word)


@lru_cache(maxsize=1)
def get_index() -> PolicyIndex:
    return PolicyIndex(load_policy())


def ask(question: str, lookup: Lookup | None = None, region: str = "") -> Answer:
    """`lookup` (domain -> (unit name, kind) from the registry) lets a situation use the registered unit;
    `region` (the office's, from /region or BOT_REGION) makes its places home rather than another region."""
    if lookup is not None:
        return get_index().answer(clean(question), lookup, region)
    return _cached_answer(clean(question), region)


@lru_cache(maxsize=2048)
def _cached_answer(question: str, region: str = "") -> Answer:
    """Staff ask the same questions again and again; the policy does not change while the bot runs."""
    return get_index().answer(question, region=region)
