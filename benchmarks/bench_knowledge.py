"""Q&A and naming speed, in-process: index build, answer latency, suggest and check latency."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from benchmarks.common import Row, percentile, summary, time_each

CASES = Path(__file__).resolve().parent.parent / "tests" / "qa_cases.yaml"

_BUILD = """
import time
t0 = time.perf_counter()
from knowledge.qa import get_index
t1 = time.perf_counter()
get_index()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def qa_rows(verbose: bool = True) -> list[Row]:
    # Cold start in a fresh interpreter: imports (jieba, rapidfuzz, pypinyin, yaml) then the index build.
    builds = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", _BUILD], capture_output=True, text=True, check=True).stdout.split()
        builds.append((float(out[0]), float(out[1])))
    import_s = min(b[0] for b in builds)
    build_s = min(b[1] for b in builds)

    from knowledge.qa import get_index

    index = get_index()
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    questions = [q for q, _ in cases["in_scope"]] + cases["out_of_scope"] + cases["smalltalk"]
    questions += [q for q, _ in cases["answers"]] + cases["edge"]  # multi-part, situations, pinyin, English
    questions += [case[0] for case in cases["fresh"]]  # premises to check, described dates, sections, silence
    def fresh_answer(question: str) -> None:
        index.clear_caches()  # each question as if never seen (the index keeps segmented texts)
        index.answer(question)

    time_each(fresh_answer, questions)  # warm the interpreter
    samples = time_each(fresh_answer, questions, repeat=20)
    if verbose:
        print(f"qa: imports {import_s:.3f}s, index build {build_s:.3f}s (best of 3 fresh processes)")
        print(f"qa: answer {summary(samples)}")
    p95 = percentile(samples, 95) * 1000
    return [
        Row("Q&A index build at start-up (after imports)", build_s, "s", "< 1.5 s", build_s < 1.5),
        Row("Q&A imports + index build, cold", import_s + build_s, "s", "(info)", True),
        Row("Q&A answer p95", p95, "ms", "< 5 ms", p95 < 5),
    ]


def naming_rows(verbose: bool = True) -> list[Row]:
    from knowledge.naming import suggest
    from knowledge.places import divisions
    from knowledge.rules import check

    places = list(divisions().by_code.values())
    units = [p.name + "人民政府" for p in places]
    departments = ["武定县人力资源和社会保障局", "楚雄彝族自治州发展和改革委员会", "武定县财政局", "禄丰县中医医院",
                   "河北省唐山市丰南区人民政府", "武定县政务服务平台"]
    suggest("武定县人民政府")  # load the tables
    s_samples = time_each(suggest, units + departments * 20)
    domains = [(f"www.{suggest(u).english[0].split('.')[1]}.gov.cn", u) for u in units[::7]]
    domains += [("wuding.gov.cn", "武定县人民政府"), ("http://WWW.LUAN.GOV.CN/x", "六安市人民政府"),
                ("rsj.wuding.gov.cn", "武定县人力资源和社会保障局"), ("武定县人民政府.政务", "武定县人民政府")] * 20
    c_samples = time_each(lambda pair: check(pair[0], pair[1]), domains)
    if verbose:
        print(f"naming: suggest {summary(s_samples)}")
        print(f"naming: check {summary(c_samples)}")
    s95, c95 = percentile(s_samples, 95) * 1000, percentile(c_samples, 95) * 1000
    return [
        Row("suggest p95 (every division + departments)", s95, "ms", "< 2 ms", s95 < 2),
        Row("check p95 (portals, departments, URLs, Chinese)", c95, "ms", "< 2 ms", c95 < 2),
    ]
