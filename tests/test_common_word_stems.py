"""The place stems that are mostly ordinary words are generated from jieba's dictionary, not picked by hand."""
import importlib.util
from pathlib import Path

from knowledge.edge import refusal

ROOT = Path(__file__).resolve().parent.parent


def test_common_word_stems_file_is_current():
    spec = importlib.util.spec_from_file_location("build_stems", ROOT / "scripts" / "build_common_word_stems.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "knowledge" / "data" / "common_word_stems.txt").read_text(encoding="utf-8") == module.build()


def test_words_holding_stems_file_is_current():
    spec = importlib.util.spec_from_file_location("build_stems", ROOT / "scripts" / "build_common_word_stems.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "knowledge" / "data" / "words_holding_place_stems.txt").read_text(encoding="utf-8") == module.build_holding()


def test_a_stem_inside_an_ordinary_word_is_not_a_place():
    for question in ("方案对事业单位原则上一视同仁的吧", "光合作用的域名怎么注销"):
        assert refusal(question) is None or "规定不在这些文件里" not in refusal(question), question
    assert refusal("同仁县的门户网站域名怎么写").startswith("同仁")


def test_an_ordinary_word_before_de_is_not_a_place():
    for question in ("跟合作的网络公司说好了，域名转给他们用行不行", "我们资源的分配跟域名注销有关系吗",
                     "走通道的流程注销域名要多久", "解放的思想和域名备案"):
        assert refusal(question) is None or "规定不在这些文件里" not in refusal(question), question


def test_the_same_stem_with_its_suffix_or_a_real_place_before_de_is_still_another_region():
    for question, place in (("合作市的门户网站域名怎么写", "合作市"), ("丽江的门户网站域名怎么写", "丽江"),
                            ("恩施的部门网站怎么起名", "恩施"), ("大连的政府网站域名注销找谁", "大连")):
        answer = refusal(question)
        assert answer and answer.startswith(place), (question, answer)
