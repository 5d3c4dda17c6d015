"""The policy documents as typed records, loaded from `data/policy.yaml`."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.campaigns import Milestone, load_campaigns
from knowledge.resources import load_yaml

PLAN_DOC = "楚政办函〔2019〕8号"
SEED_CAMPAIGN = "chuxiong-2019-domain-cleanup"


@dataclass(frozen=True)
class Clause:
    id: str
    doc: str
    section: str
    title: str
    text: str
    answer: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        return f"{self.doc} {self.section}"


@dataclass(frozen=True)
class Policy:
    clauses: tuple[Clause, ...]
    documents: tuple[dict, ...]
    sections: dict[str, str]
    contact: dict[str, str]
    basis: tuple[str, ...]
    milestones: tuple[Milestone, ...]  # of the seed's own campaign
    terms: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]]
    smalltalk: dict[str, dict]
    core_terms: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()
    by_id: dict[str, Clause] = field(default_factory=dict)

    def clause(self, clause_id: str) -> Clause | None:
        return self.by_id.get(clause_id)


@lru_cache(maxsize=1)
def load_policy() -> Policy:
    raw = load_yaml("policy.yaml")
    clauses = tuple(
        Clause(
            id=c["id"], doc=c["doc"], section=str(c["section"]), title=c["title"], text=c["text"].strip(),
            answer=c["answer"], questions=tuple(c.get("questions", ())), keywords=tuple(str(k) for k in c.get("keywords", ())),
        )
        for c in raw["clauses"]
    )
    milestones = next((c.milestones for c in load_campaigns() if c.id == SEED_CAMPAIGN), ())
    return Policy(
        clauses=clauses, documents=tuple(raw["documents"]), sections={str(k): v for k, v in raw["sections"].items()},
        contact={k: str(v) for k, v in raw["contact"].items()}, basis=tuple(raw["basis"]), milestones=milestones,
        terms=tuple(raw["terms"]), synonyms={str(k).lower(): tuple(v) for k, v in raw["synonyms"].items()},
        smalltalk=raw["smalltalk"], core_terms=frozenset(str(t).lower() for t in raw["core_terms"]),
        question_words=frozenset(raw["question_words"]), by_id={c.id: c for c in clauses},
    )
