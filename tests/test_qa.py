"""Policy knowledge base and question answering."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge.policy import load_policy
from knowledge.qa import ask
from knowledge.resources import read_text

CASES = yaml.safe_load((Path(__file__).parent / "qa_cases.yaml").read_text(encoding="utf-8"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_seed_paragraph_is_in_the_knowledge_base():
    """Clause texts in file order, joined, must contain every paragraph (a paragraph may be split over
    adjacent clauses; its list number such as （一） is kept in `section` instead of the text)."""
    policy = load_policy()
    haystack = ["".join(_squash(c.text) for c in policy.clauses)]
    haystack += [_squash(v) for v in policy.sections.values()]
    for doc in policy.documents:
        haystack += [_squash(str(v)) for v in doc.values()]
    missing = []
    for paragraph in read_text("seed_2019_chuxiong.txt").split("\n"):
        p = re.sub(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)", "", _squash(paragraph))
        if p and not any(p in h for h in haystack):
            missing.append(paragraph)
    assert missing == []


def test_seed_copy_matches_the_shared_seed_when_present():
    shared = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_70d87e441c986c22.txt"
    if not shared.exists():
        pytest.skip("shared seed not beside the project")
    assert shared.read_text(encoding="utf-8") == read_text("seed_2019_chuxiong.txt")


def test_clauses_are_complete():
    policy = load_policy()
    ids = [c.id for c in policy.clauses]
    assert len(ids) == len(set(ids))
    for clause in policy.clauses:
        assert clause.doc in {"武政办函〔2019〕1号", "楚政办函〔2019〕8号"}
        assert clause.title and clause.text and clause.answer and clause.questions and clause.keywords
    assert policy.contact == {"office": "县政府办电子政务网络管理股", "name": "张晓霞", "phone": "8711677",
                              "fax": "8837577", "email": "wdwgzx@126.com", "source": "wd-report"}
    assert [str(m.date) for m in policy.milestones] == ["2019-02-20", "2019-02-28", "2019-03-05", "2019-03-20"]
    assert all(policy.clause(m.clause) for m in policy.milestones)


@pytest.mark.parametrize("question,ids", CASES["in_scope"])
def test_in_scope_questions_find_their_clause(question, ids):
    answer = ask(question)
    assert answer.in_scope
    assert answer.sources[0].id in ids.split()
    assert answer.sources[0].citation in answer.text


@pytest.mark.parametrize("question", CASES["out_of_scope"])
def test_out_of_scope_questions_are_declined(question):
    answer = ask(question)
    assert not answer.in_scope and not answer.sources
    assert "不在" in answer.text


@pytest.mark.parametrize("greeting", CASES["smalltalk"])
def test_greetings_point_to_help(greeting):
    answer = ask(greeting)
    assert answer.kind == "smalltalk" and "/help" in answer.text


def test_dates_and_contacts_are_answered_with_the_fact_itself():
    assert ask("复查哪天截止").text.startswith("复查在2019年2月28日前")
    assert ask("邮箱是多少").text.startswith("邮箱：wdwgzx@126.com")
    assert "8711677" in ask("县政府办联系电话").text.splitlines()[0]


@pytest.mark.parametrize("hostile", ["", " ", "\u202e\u202d", "😀" * 50, "<script>alert(1)</script>",
                                     "'; DROP TABLE units; --", "a" * 10000, "\x00\x01\x02"])
def test_hostile_input_never_raises(hostile):
    answer = ask(hostile)
    assert isinstance(answer.text, str)


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin.encode() if stdin else None,
                          capture_output=True, timeout=120)


def test_cli_json_contract():
    proc = _cli("ask", "联系人换了多久内报备", "--json")
    result = json.loads(proc.stdout)
    assert set(result) == {"in_scope", "answer", "sources"}
    assert result["in_scope"] is True
    # the quoted sentence, not the whole clause; the direct answer carries the number itself
    assert result["sources"][0] == {"doc": "楚政办函〔2019〕8号", "section": "三（三）",
                                    "text": "联系人等注册信息发生变更的，要在变更后的20个工作日内向本级人民政府办公室报备，逐级报经省政府办公厅。"}
    assert "20个工作日" in result["answer"] and "「" not in result["answer"]


def test_cli_batch_keeps_order_and_survives_bad_lines():
    lines = ['{"text": "服务器能放在境外吗"}', "not json", '{"text": "讲个笑话"}', '["x"]']
    proc = _cli("ask", "--json", "--batch", stdin="\n".join(lines) + "\n")
    results = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(results) == 4
    assert results[0]["in_scope"] is True and "境外" in results[0]["answer"]
    assert "error" in results[1] and "error" in results[3]
    assert results[2]["in_scope"] is False


@pytest.mark.parametrize("question,facts", CASES["answers"])
def test_the_direct_answer_holds_every_fact_asked_for(question, facts):
    answer = ask(question)
    assert answer.in_scope
    lead = _squash(answer.lead)
    assert [f for f in facts if _squash(f) not in lead] == []
    assert answer.sources and all(s.text in load_policy().clause(s.id).text for s in answer.sources)


@pytest.mark.parametrize("question", CASES["edge"])
def test_questions_beyond_the_policy_edge_are_refused_with_what_it_covers(question):
    answer = ask(question)
    assert not answer.in_scope and not answer.sources
    assert "不在" in answer.text


def test_yes_no_questions_start_with_the_verdict():
    assert ask("服务器能放在境外吗").lead.startswith("不可以")
    assert ask("网站服务器放在本地机房可以吗").lead.startswith("可以")
    assert ask("ICP备案要注销吗").lead.startswith("需要")
    assert ask("联系人换了年底再报备行吗").lead.startswith("不可以")


def test_multi_part_answers_follow_the_order_asked():
    lead = ask("邮箱和传真各是多少").lead
    assert lead.index("wdwgzx@126.com") < lead.index("8837577")
    lead = ask("传真和邮箱各是多少").lead
    assert lead.index("8837577") < lead.index("wdwgzx@126.com")


def test_situations_are_worked_out_with_the_registry_hook():
    registered = ask("我们的网站用 www.wdrsj.com，怎么办", lambda domain: ("武定县人力资源和社会保障局", "department"))
    assert "rsj.wuding.gov.cn" in registered.lead and registered.lead.startswith("www.wdrsj.com 不合规")
    assert "rsj.wuding.gov.cn" not in ask("我们的网站用 www.wdrsj.com，怎么办").lead
    old = ask("2015年注册的 www.wdczj.com 要换，怎么办").lead
    assert "上一级政府办公室备案" in old and "3个月" in old


def test_fact_quotes_are_sentences_of_their_clause():
    from knowledge.facts import load_facts

    facts = load_facts()
    assert len(facts) > len(load_policy().clauses)
    assert all(f.quote in f.clause.text and f.answer for f in facts)
    dates = {str(f.date) for f in facts if f.date}
    assert {"2019-02-13", "2019-02-19", "2019-02-20", "2019-02-28", "2019-03-05", "2019-03-20"} <= dates


@pytest.mark.parametrize("question,section", [
    ("落实管理责任这部分说了什么", "五（二）"),
    ("注册注销流程第三条讲的啥", "三（三）"),
    ("有关要求第4条的内容", "五（四）"),
    ("事业单位网站怎么规定的", "二（三）"),
    ("注销这部分说了什么", "四（三）"),
    ("注销说了什么", None),  # a two-character heading needs 这部分/这条 to be a heading
    ("落实管理责任", None),  # naming a part without asking what it says
    ("中文域名的格式", None),
])
def test_a_question_about_what_a_part_says_names_that_part(question, section):
    from knowledge.sections import section_asked

    assert section_asked(question, load_policy().clauses) == section


def test_a_numbered_list_of_30_questions_is_answered_part_by_part():
    """A 30-part question (numbered lines, （n）, or full stops) was reduced to its single best fact."""
    from knowledge.qa import ask

    parts = ["联系人换了多久内报备", "换域名要公告多久", "门户网站用什么域名", "中文域名怎么注册", "域名注销后备案怎么办",
             "业务系统能单独注册域名吗"] * 5
    for question in ("\n".join(f"{i + 1}. {p}" for i, p in enumerate(parts)),
                     " ".join(f"（{i + 1}）{p}" for i, p in enumerate(parts)), "。".join(parts)):
        facts = [f.id for f in ask(question).facts]
        assert {"contact-change", "notice", "portal-format", "cn-format", "filings", "systems"} <= set(facts), facts
        assert len(facts) == len(set(facts)) <= len(parts)  # each fact once: bounded however many times it is asked


# -- answers from the rules' model (issue 22) -------------------------------------------------------------
def _norm(text: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@pytest.mark.parametrize("case", CASES["fresh"], ids=lambda c: c[0][:24])
def test_fresh_questions_of_round_one(case):
    """Each group of alternatives is in the direct answer, no forbidden phrase is; `out` ones are refused."""
    question, *rest = case
    answer = ask(question)
    if rest == ["out"]:
        assert not answer.in_scope
        return
    groups, forbidden = rest
    lead = _norm(answer.lead)
    assert answer.in_scope
    assert [g for g in groups if not any(_norm(alt) in lead for alt in g)] == []
    assert [bad for bad in forbidden if _norm(bad) in lead] == []


def test_the_claim_reader_reads_bodies_with_their_roles_dates_periods_and_negation():
    from knowledge.claims import read

    claims = read("复查是县政府办在3月5日前负责搞的吧？")
    assert [(b.body, b.role) for b in claims.bodies] == [("县政府办", "actor")]
    assert [(d.month, d.day) for d, *_ in claims.deadlines] == [(3, 5)]
    assert [(b.body, b.role) for b in read("州级部门申请域名，直接报省政府办公厅就行了吧").bodies][-1] == ("省政府办公厅", "first")
    assert [(b.body, b.role) for b in read("清理情况是报县政府办的吧").bodies] == [("县政府办", "to")]
    assert [(b.body, b.role) for b in read("域名持有者变更需要主管单位同意吗").bodies] == [("持有者", "any"), ("主管单位", "consent")]
    assert [(b.body, b.role) for b in read("部门网站域名申请要县委书记同意吧").bodies] == [("县委书记", "consent")]
    assert read("联系人变更后30个工作日内报备吧").periods[0][:2] == (30, "工作日")
    assert read("公告半年就行吧").periods[0][:2] == (6, "个月")
    assert read("域名注销了，ICP备案不用管了吧").negated
    assert not read("我们不用的域名可以转给下属单位吧").negated  # 不用的: an adjective, not a denial
    assert read("3月4号之前交县里来得及吗").deadlines == []  # the asker's own date, not a claimed deadline


@pytest.mark.parametrize("question,lead,absent", [
    # a wrong period, a wrong body, a wrong actor and deadline: no, with the rule's value
    ("联系人变更的话是变更后30个工作日内报备吧？", "不对：是20个工作日，不是30个工作日", "是的"),
    ("联系人变更是向省政府办公厅报备吧", "不对：报本级人民政府办公室，不是省政府办公厅", "是的"),
    ("复查是县政府办在3月5日前负责搞的吧？", "不对：", "可以"),
    ("冒名注册的域名报县政府办处理就行了吧", "不可以：报州政府办，不是县政府办", "可以。"),
    ("部门网站域名申请要县委书记同意吧？", "不对：经本部门（单位）主要负责人同意，不是县委书记", "需要"),  # not the department's head
    ("部门网站的域名最后是州政府办批准的吧", "不对：由省政府办公厅批准，不是州政府办", "是的"),
    ("持有者变了要报州政府办备案就行了吧", "不可以：还要经主管单位同意", "可以"),
    ("县里的转发通知是2月13号发的吧", "不对：是2019年2月19日，不是2月13日", "是的"),
    ("联系人是李晓霞吧", "不对：是张晓霞，不是李晓霞", "是的"),
    ("县里的联系电话是8711678吧", "不对：是8711677，不是8711678", "是的"),
    ("联系人变了要向州政府办报备吧", "要看单位的层级", "需要"),
    ("中文域名可以用简称吧", "可以", "不可以"),
    ("县里通知说域名清理情况3月20日前报县政府办就行，是吧？", "不对：期限是2019年3月5日前，不是3月20日前", "是的"),
    # a denied duty, a prohibition called harmless, a restated prohibition
    ("域名注销了，ICP备案这些就跟着没了，不用管了吧？", "不对，需要", "不需要"),
    ("闲置的域名留着不注销也没事吧", "不可以", "可以。"),
    ("不承担行政职能的事业单位可以不用gov.cn吧", "是的，不能", "不可以"),
    # claims that all match, a restated rule
    ("复查由州政府办公室牵头，对吗", "是的", "不"),
    ("一个政府网站原则上只注册一个中文域名、一个英文域名，对吗？", "是的", "不是"),
])
def test_verdicts_come_from_the_claims_set_against_the_rule(question, lead, absent):
    answer = ask(question).lead
    assert answer.startswith(lead)
    assert not answer.startswith(absent)


@pytest.mark.parametrize("question", [
    "县政府网站改版要报批吗",  # the rule on the portal's domain is about www, not about a redesign
    "报县里的清理情况有没有固定模板，要按什么格式写？",
    "清理情况报送要盖章吗",
])
def test_no_verdict_where_no_rule_speaks_to_the_act(question):
    lead = ask(question).lead
    assert not re.match(r"(可以|不可以|需要|不需要|是的|不是|不对)", lead)
    assert "文件没有" in lead


@pytest.mark.parametrize("question,said", [
    ("注册一个.gov.cn的政府网站域名一年要交多少钱？", "费用"),
    ("政府网站域名业务申请基本信息表去哪里下载？", "获取"),
    ("复查后收到整改通知的单位，要在多长时间内整改完？", "时限"),
    ("州政府办审核要多长时间", "时限"),  # the 20 working days belong to another step
    ("域名安全的定期检查评估多久搞一次？", "频次"),
    ("要是3月5日前没报清理情况，会怎么处罚？", "处罚"),
    ("域名解析服务提供商具体要选哪一家？", "哪一家"),
    ("不承担行政职能的事业单位的网站可以用.com吗", "“.com”"),
    ("20个工作日包括节假日吗", "工作日"),  # a detail asked, not the rule restated: no 是的
    ("县里的清理情况报告要写多少字", "篇幅"),
    ("首页公告的内容怎么写", "内容"),
    ("注销ICP备案去哪里办", "哪里办理"),
])
def test_silence_is_said_plainly_then_what_the_documents_say(question, said):
    answer = ask(question)
    assert answer.in_scope and answer.lead.startswith("文件") and said in answer.lead.split("。")[0]
    assert answer.sources  # what they do say nearby, quoted


@pytest.mark.parametrize("question,section", [
    ("四（二）讲的是什么？", "四（二）"), ("三(三)规定了啥", "三（三）"), ("方案第二部分第五条说的什么", "二（五）"),
    ("五的第三条讲啥", "五（三）"), ("方案4.3讲的是啥", "四（三）"), ("五.4讲什么", "五（四）"), ("四、（二）的内容", "四（二）"),
    ("方案第一部分是什么内容？", "一"), ("3月5日前报", None), ("2019.3.5前报县里", None),
])
def test_section_references_in_any_notation(question, section):
    from knowledge.sections import section_reference

    ref = section_reference(question, load_policy().clauses)
    assert (ref.section if ref else None) == section


def test_a_quoted_heading_is_found_with_its_number():
    lead = ask("“注销备案信息”是方案哪一条？要注销哪些东西？").lead
    assert "三（五）" in lead and "ICP" in lead


@pytest.mark.parametrize("question,expected", [
    ("从州里印发方案到县里转发，中间隔了几天？", "相隔6天（其中4个工作日）"),
    ("从州里印发方案到州里要求报送清理情况的截止日，一共多少天？", "相隔35天"),
    ("县里要求报清理情况的截止日期，比县里发文晚了多少天？", "相隔14天"),
    ("县里要求报清理情况的截止日是星期几？", "2019年3月5日，星期二"),
    ("县里转发通知那天，州政府办发提醒通知的期限过了没有？", "没有过"),
])
def test_dated_events_described_in_words_are_resolved(question, expected):
    assert expected in ask(question).lead


def test_a_date_without_a_year_says_the_year_assumed():
    lead = ask("联系人2月25日换的，3月20日报备晚不晚").lead
    assert lead.startswith("不晚") and "没写年份，按" in lead


@pytest.mark.parametrize("question,present,absent", [
    ("我们县门户网站 www.wuding.gov.cn 的网站联系人换人了，多长时间内要报备？报给谁？", "20个工作日", "符合规定的域名结构"),
    ("www.wuding.gov.cn 的服务器可以放在香港吗", "不可以", "符合规定"),
    ("我们单位邮箱是 wdjy@163.com，网站是 jyj.wuding.gov.cn，这样合规吗", "jyj.wuding.gov.cn", "163.com"),
    ("咱们县人社局用 rsj.wuding.gov.cn，联系人换了要报给谁", "本级人民政府办公室", "zanmen"),
    ("州卫健委网站是 wsjkw.cxz.gov.cn，它的网上办事平台另外用 cxwsbs.com 单独跑着，该怎么弄？", "cxwsbs.com", "wsjkw.cxz.gov.cn 符合"),
    ("中文域名就用“单位名称.中国”这种格式吧？", "△△△.政务", "单位名称.中国 不合规"),
])
def test_the_domain_check_answers_only_what_is_asked_about_the_domain(question, present, absent):
    lead = ask(question).lead
    assert present in lead and absent not in lead


@pytest.mark.parametrize("question", ["县政府的政务微博账号不用了，怎么注销？", "政府网站首页的新闻稿要怎么写才规范？",
                                      "政府网站信息公开工作年度报表什么时候报？", "县政府网站的留言板多久回复一次"])
def test_other_topics_sharing_a_word_are_out_of_scope(question):
    assert not ask(question).in_scope


def test_english_questions_get_an_english_direct_answer():
    lead = ask("How many working days do we have to report a change of the domain contact person?").lead
    assert "20 working days" in lead.splitlines()[0] and "20个工作日" in lead
    assert ask("Is it OK to keep an unused domain?").lead.startswith("No")


@pytest.mark.parametrize("question,halves", [
    ("不用的域名能转让给别的单位吗", ["不得将已注册的政府网站域名", "及时注销"]),
    ("政府网站服务器能放在境外吗", ["不得放在境外", "境内节点"]),
])
def test_a_rule_of_two_sentences_is_given_whole(question, halves):
    lead = ask(question).lead
    assert all(h in lead for h in halves)


def test_the_offices_own_region_is_home():
    region = "湖北省恩施土家族苗族自治州利川市"
    assert not ask("利川市的门户网站域名应该怎么写").in_scope  # without a region: another place
    # … unless the asker says it is their own (我们利川市, 我是…政府办的): their place is home for that question
    own = ask("我们利川市的门户网站域名应该怎么写")
    assert own.in_scope and "www.lichuan.gov.cn" in own.lead
    assert "www.qixingguan.gov.cn" in ask("我是贵州省毕节市七星关区政府办的，区政府门户网站域名按这个方案该咋写").lead
    assert not ask("我们单位有人问湖南长沙的门户网站域名怎么写").in_scope  # someone else's place
    answer = ask("我们利川市的门户网站域名应该怎么写", region=region)
    assert answer.in_scope and "www.lichuan.gov.cn" in answer.lead and "www.□□□.gov.cn" in answer.lead
    assert not ask("大理州的清理截止日期是哪天", region=region).in_scope  # still another region


@pytest.mark.parametrize("question,lead", [
    ("门户网站的格式是 ○○○.□□□.gov.cn 对吧", "不对：是www.□□□.gov.cn，不是○○○.□□□.gov.cn"),
    ("县里的通知是3月5日印发的吧", "不对：是2019年2月19日，不是3月5日"),  # a document's date, not the deadline on that day
    ("传真号是8711677吧", "不对：是8837577，不是8711677"),  # the phone's number given as the fax
    ("县里通知的邮箱是wdwgzx@163.com吧", "不对：是wdwgzx@126.com，不是wdwgzx@163.com"),
    ("联系人变更要逐级报到省政府办公厅吧", "是的，需要"),  # where the steps end, not the first office
    ("栏目的域名用 lanmu.wuding.gov.cn 这种就行吧", "不可以"),  # a column given a host of its own
    ("部门网站用 www.jyj.gov.cn 这种格式对吧", "不是"),
    ("机构改革后新部门的网站域名要单独申请吧", "不需要"),  # applied for together with the site
    ("发现域名被劫持，报县政府办就行吧", "文件没有明确规定"),  # no rule says where hijacking goes
])
def test_wrong_details_in_a_premise(question, lead):
    assert ask(question).lead.startswith(lead)


def test_a_day_is_checked_against_a_deadline_only_when_the_asker_acts_on_it():
    assert ask("3月20日是县里的截止日吗").lead.startswith("不对：期限是2019年3月5日前，不是3月20日前")
    lead = ask("2月28日要干什么").lead
    assert lead.startswith("2019年2月28日：复查") and "来得及" not in lead
    assert ask("今天是3月6号，县里的清理情况还能报吗").lead.startswith("不行，已经超期了。3月6日已超过3月5日的期限")


@pytest.mark.parametrize("question,present", [
    ("四（三）的标题是什么", "四（三）的标题是“注销”"),
    ("第五部分叫什么", "“有关要求”"),
    ("二（一）到二（三）讲了什么", "二（三）事业单位网站"),
    ("方案前言说了什么", "国办函〔2018〕55号"),
    ("县里通知的标题是什么", "《武定县人民政府办公室转发州政府办关于印发全州政府网站域名清理工作方案的通知》"),
    ("按方案五（三），服务器能放境外吗", "不可以。自行建设运维的政府网站服务器不得放在境外"),
])
def test_the_documents_structure_and_titles(question, present):
    assert present in ask(question).lead


@pytest.mark.parametrize("question,lead", [
    ("服务器在境外，要不要迁回来", "需要"),  # putting a forbidden state right, not doing the forbidden act
    ("用的是境外CDN节点，要紧吗", "要紧"),
    ("网站域名有两个，要不要定一个主域名", "需要"),  # the act named last: 主域名, the rule's other half
    ("部门网站域名可以不经过本级政府办吧", "不"),
    ("复查由州政府办公室会同州委编办、州公安局开展，对吧", "是的"),  # 会同 is a word here, not 湖南's county
    ("县政府办的联系人是张晓霞吧", "是的"),
    ("县政府网站改版要报批吗", "文件没有明确规定"),  # 报批 of a redesign is not the domain procedure
])
def test_verdict_words_follow_what_is_asked(question, lead):
    assert ask(question).lead.startswith(lead)


@pytest.mark.parametrize("question,english,chinese", [
    ("Is it true that the contact change must be reported within 30 working days?", "No.", "不对：是20个工作日，不是30个工作日"),
    ("What day of the week is the county reporting deadline?", "March 5, 2019 is a Tuesday.", "星期二"),
    ("How many days are there between the prefecture's plan and the county's forwarding notice?", "6 days", "相隔6天"),
    ("What does section 4.2 say?", "provincial government office", "四（二）注册"),
    ("How do I set up nginx?", "outside the two documents", "不在"),
])
def test_english_questions_keep_numbers_and_get_english_first(question, english, chinese):
    lead = ask(question).lead
    assert english in lead.splitlines()[0] and chinese in lead


def test_a_domain_named_as_the_setting_does_not_steer_the_answer():
    lead = ask("我们局网站 www.wdsj.cn 不规范，要改成 sj.wuding.gov.cn，要先经谁同意？").lead
    assert lead.startswith("部门网站域名的申请或注销：经本部门（单位）主要负责人同意")


@pytest.mark.parametrize("question,lead", [
    ("域名注消了备按要不要注消", "需要"),  # homophone typos read as the words meant, so the verdict sees them
    ("部门网站能不能单读注册域名", "不可以"),
    ("州里的dead line是哪天", "各县市人民政府和州级各部门的清理情况于2019年3月20日前"),
    ("我们网站想做个英文版，用 en.wuding.gov.cn 可以吗", "不可以"),  # a language version is a column: a path
    ("栏目用子目录就可以吧", "可以"),
])
def test_typos_mixed_words_and_columns(question, lead):
    assert ask(question).lead.startswith(lead)


def test_a_correct_question_is_not_corrected():
    from knowledge.qa import get_index

    for question in ["邮箱和传真各是多少", "3月20日是县里的截止日吗", "邮箱密码忘了怎么办", "州级部门的网站用州门户网站的下级域名，对吧",
                     "三种情况分别有啥要求", "域名注销后多久能重新注册", "政府网站的版权声明怎么写", "提醒通知哪天前发"]:
        assert get_index().corrected(question) == question


def test_another_regions_office_gets_its_own_superiors_by_name():
    region = "湖北省恩施土家族苗族自治州利川市"
    lead = ask("清理情况报到州里的截止日期是哪天", region=region).lead
    assert "恩施土家族苗族自治州人民政府办公室" in lead and "以本地区的通知为准" in lead
    assert "恩施" not in ask("清理情况报到州里的截止日期是哪天", region="云南省楚雄彝族自治州武定县").lead


def test_pinyin_questions_are_answered_in_chinese():
    lead = ask("fucha shi shenme shihou").lead
    assert lead.startswith("复查在2019年2月28日前完成")


@pytest.mark.parametrize("question,lead", [
    ("清理分三步吧", "不对：是四步，不是三步"),
    ("有关要求有五条吧", "不对：是四条，不是五条"),
    ("方案分六部分吧", "不对：是五部分，不是六部分"),
    ("这次主要清理三类域名吧", "不对：是两类，不是三类"),
    ("方案正文分五部分对吗", "是的"),
])
def test_counts_claimed_are_checked(question, lead):
    assert ask(question).lead.startswith(lead)


@pytest.mark.parametrize("question,lead", [
    ("我们乡镇3月3日把清理情况报给了州政府办，这样对吗", "不对"),  # the unit named says who does it
    ("我们局2月25日启用了新域名 czj.wuding.gov.cn，旧的 wdczj.com 什么时候能注销", "2月25日调整域名的，公告3个月到5月25日"),
])
def test_office_situations_with_dates(question, lead):
    assert ask(question).lead.startswith(lead)


@pytest.mark.parametrize("question,present", [
    ("方案开头第一句话是什么", "国办函〔2018〕55号"),
    ("方案的原则是什么", "谁开设"),
    ("州里的通知正文说了什么", "已经州人民政府同意"),
    ("州里的通知是公开的吗", "公开发布"),
    ("县里通知的发文机关是哪个", "武定县人民政府办公室"),
])
def test_the_documents_own_facts(question, present):
    answer = ask(question)
    assert answer.in_scope and present in answer.lead


@pytest.mark.parametrize("question", ["服务器不能放境外吧", "门户网站域名不能省掉www吧", "中文域名不能用拼音吧",
                                      "联系人变更不能拖到年底再报吧"])
def test_a_true_negative_premise_is_confirmed(question):
    assert ask(question).lead.startswith("是的，不能")


def test_a_technical_word_does_not_make_a_duty_general_it():
    answer = ask("网站用了https，证书要不要跟着域名一起注销")
    assert answer.in_scope and answer.lead.startswith("需要。域名注销后")  # the scene-setting clause asks nothing
    assert not ask("买.com域名哪家注册商最便宜").in_scope


@pytest.mark.parametrize("question,start", [
    ("第二部分第3条是啥", "二（三）事业单位网站"),
    ("方案第三大点第五小点", "三（五）注销备案信息"),
    ("四（一）梳理阶段州政府办要做什么", "2019年2月20日前，州政府办公室"),  # the body's own task in that section
])
def test_a_section_named_alone_or_with_a_doer(question, start):
    assert ask(question).lead.startswith(start)


@pytest.mark.parametrize("question", ["网站改版需要报备吗", "政府网站的版权声明怎么写"])
def test_an_act_without_the_rules_subject_gets_no_verdict(question):
    lead = ask(question).lead
    assert not lead.startswith(("需要", "不需要", "可以", "不可以"))


@pytest.mark.parametrize("question,start", [
    ("我们局网站 jyj.wuding.gov.cn 要注销，直接找注册商注销就行吧", "不可以：还要经主要负责人同意"),  # the registrar is the one contacted
    ("县政府网站 www.wuding.gov.cn 换了联系人，报州政府办就行吧", "不可以：报本级人民政府办公室（县政府办），不是州政府办"),
])
def test_claims_about_a_named_site(question, start):
    assert ask(question).lead.startswith(start)


def test_a_premise_followed_by_a_reason_still_gets_its_verdict():
    assert ask("我们自己运维的政府网站服务器放在境外机房也没事吧，反正备案了").lead.startswith("不可以")
    assert ask("网站改版不用报备吧").lead.startswith("文件没有明确规定")


@pytest.mark.parametrize("question,lead", [
    ("复查截止日和县里截止日哪个早", "复查的截止日（2019年2月28日）在前"),  # 和县 here is "and the county", not 安徽's county
    ("州里印发方案和县里转发通知的先后顺序", "州政府办印发方案的日期（2019年2月13日）在前"),
])
def test_which_of_two_events_comes_first(question, lead):
    assert ask(question).lead.startswith(lead)


def test_an_english_premise_with_a_wrong_date():
    lead = ask("We report to the county by March 20, right?").lead
    assert lead.startswith("No.") and "不对：期限是2019年3月5日前" in lead


@pytest.mark.parametrize("question,lead", [
    ("我们县政府的网站是 wuding.gov.cn，要改吗", "需要"),
    ("县教育局网站 jyj.wuding.gov.cn 要不要改", "不需要"),
])
def test_whether_a_named_domain_must_change(question, lead):
    assert ask(question).lead.startswith(lead + "。")


@pytest.mark.parametrize("question,start", [
    ("新域名用起了老的好久可以注销", "域名调整后，要在新域名网站首页醒目位置公告3个月"),  # 好久: how long, in 云南's speech
    ("部门网站自己整个gov.cn域名得行不", "不可以"),
    ("政府网站域名注册需要多长时间能批下来", "文件没有规定这件事的办理时限"),  # the 20 working days are 报备's
])
def test_local_speech_and_periods_of_other_steps(question, start):
    assert ask(question).lead.startswith(start)


@pytest.mark.parametrize("question,start", [
    ("整改通知由州政府办发给县政府办吧", "不对：发给持有者，不是县政府办"),
    ("党政机关网站标识由公安机关注销吧", "不对：由原持有单位负责，不是公安机关"),  # a body the documents do not list
])
def test_who_a_notice_goes_to_and_who_cancels(question, start):
    assert ask(question).lead.startswith(start)


@pytest.mark.parametrize("question,start", [
    ("域名申请是不是都要报省政府办公厅", "先报上一级人民政府办公室，再逐级报到省政府办公厅"),  # where the route ends
    ("县级部门网站的下级域名也是州政府门户网站分配吗", "这条写的是州级单位的做法"),  # the rule names 州级 departments
    ("州级部门申请部门网站域名，直接报省政府办公厅就行了吧？", "不可以：报本级人民政府办公室（州政府办），不是省政府办公厅"),
    ("乡镇的清理情况是报县政府办吧", "是的"),
])
def test_routes_levels_and_first_offices(question, start):
    assert ask(question).lead.startswith(start)


@pytest.mark.parametrize("question,start", [
    ("县里的通知是说3月底前报就可以，对吧？", "不对：是2019年3月5日前，不是3月底前"),
    ("提醒通知州政府办是3月份才发吧", "不对：是2019年2月20日前，不是3月份"),
    ("县里要的清理情况3月上旬报就行吧", "不可以：是2019年3月5日前，不是3月上旬"),  # 3月8日 is 上旬 and late
    ("复查是2月底完成的吧", "是的"),
    ("州里的报送截止在3月中旬吧", "是的"),
])
def test_months_and_parts_of_months_claimed(question, start):
    assert ask(question).lead.startswith(start)


@pytest.mark.parametrize("question,present", [
    ("我是县林草局的，局里以前自己申请了个 wdlcj.com 做网站，网站早就不用了，这个域名现在该怎么弄？", "联系相应的注册机构注销"),  # idle
    ("县委宣传部这边，“武定发布”网站域名 wdfb.wuding.gov.cn 的持有单位要改成县融媒体中心，这个变更得谁同意？", "主管单位"),  # 改成县…
    ("方案第四部分第二项是关于什么的，具体怎么走？", "四（二）注册"),
    ("方案第五部分“有关要求”一共讲了哪几个方面？", "强化监测处置"),
    ("县政府办电子政务网络管理股在哪栋楼办公，能不能现场送材料？", "文件没有写办公地址"),
    ("乡镇政府自己的网站，英文域名结构应该是什么样？", "文件没有规定乡镇等网站的域名结构"),
    ("州里那份通知的文号是啥？县里转发用的文号又是啥？", "楚政办函〔2019〕8号"),
])
def test_round_two_classes(question, present):
    answer = ask(question)
    assert answer.in_scope and present in answer.lead


def test_content_quotas_are_another_topic():
    assert not ask("政务公开栏目每年至少要更新多少条信息？").in_scope


def test_a_part_named_by_its_heading():
    assert ask("有关要求讲了哪几点").lead.startswith("五、有关要求，共4条")


# -- round 4 classes, in words of our own (the round's questions are in qa_cases.yaml `fresh`) ---------------
@pytest.mark.parametrize("question,present,absent", [
    # the unit's kind described in words decides the rule (二（三）), whatever the domain looks like
    ("县图书馆是公益一类事业单位，不具有行政职能，网站域名是 xtsg.wuding.gov.cn，要不要换？", ["不得使用以“.gov.cn”"], ["www.xtsg"]),
    ("州文化馆属于公益性事业单位，用 whg.cxz.gov.cn 合规吗？", ["不符合", "不得"], ["符合要求"]),
    # a township: no structure in the documents; the county notice's clean-up, deadline and office
    ("我们乡的网站早就没人管了，域名 dongpo-xiang.cn 怎么处理", ["注销", "3月5日", "电子政务网络管理股"], []),
    ("武定县狮山镇人民政府网站域名 shishan.gov.cn，这次清理怎么弄，结果交给谁？",
     ["文件没有规定乡镇网站的域名结构", "电子政务网络管理股"], ["符合规定的域名结构"]),
    ("禄丰县金山镇政府网站用的 jinshan.com，这次清理咋办？", ["武定县的转发通知", "3月20日"], []),
    # a department: the portal's sub-domain, the notice, then cancel; the frame (按方案) and 怎么整改 add nothing
    ("南华县林草局网站用的 nhlcj.net，按方案该怎么整改？", ["下级域名", "○○○.□□□.gov.cn", "公告3个月"], ["整改通知"]),
    # idle: cancel, even when a silent point (费用) sets the scene
    ("局里有个老网站已经弃用了，域名 wdold.com 每年还在交费，怎么办？", ["注销", "注册机构"], ["文件没有规定费用"]),
])
def test_a_site_described_in_words(question, present, absent):
    lead = ask(question).lead
    assert all(p in lead for p in present), lead
    assert not any(a in lead for a in absent), lead


@pytest.mark.parametrize("question,start", [
    ("有没有推荐的域名注册机构名单？", "文件没有规定"),  # a list the documents do not give: silent, never 可以
    ("方案里有没有统一的申请表模板？", "文件没有规定"),
    ("有没有规定联系人变更的期限？", "有。"),  # they do say it: 有, then what
    ("方案有没有明确主域名怎么定？", "文件没有明确规定"),  # a how the rule does not give: no verdict
    ("州政府办收到申请表后几天内要报到省里？", "文件没有规定这件事的办理时限"),  # the 20 working days are the contact's
    ("省政府办公厅审批一般要几周？", "文件没有规定这件事的办理时限"),
    ("第二部分第五条有哪些要求？", "二（五）"),  # sections by number, however the content is asked
    ("第5部分第2条有什么规定", "五（二）"),
    ("方案第四部分的第一条要求是啥", "四（一）"),
])
def test_silent_points_and_sections_of_round_four(question, start):
    answer = ask(question)
    assert answer.in_scope and answer.lead.startswith(start), answer.lead


@pytest.mark.parametrize("question,scope", [
    ("镇上的企业网站备案找谁", False),  # a company's filing: another subject, words apart
    ("我们县有个企业想注册.com域名做官网，要报县政府办吗？", False),
    ("外包公司帮我们局注册的域名要注销，ICP备案谁去注销？", True),  # a vendor working for a government site
])
def test_scope_is_the_subject_of_the_question(question, scope):
    assert ask(question).in_scope is scope


def test_every_part_keeps_its_own_facts():
    facts = [f.id for f in ask("依据的是哪两个上级文件？州里的通知抄送了哪些单位？").facts]
    assert {"basis-gbh", "basis-yzb"} <= set(facts), facts
    facts = [f.id for f in ask("老域名注销先报谁？注销以后还要干啥？").facts]
    assert "filings" in facts, facts


def test_ordinary_words_are_not_typos():
    from knowledge.qa import get_index

    fixed = get_index().corrected("有没有指定的服务商，我不知道，要统一吗")
    assert "指定" in fixed and "知道" in fixed and "统一" in fixed


@pytest.mark.parametrize("question,start", [
    ("有没有必要注销ICP备案？", "需要"),  # 有没有必要 asks for a duty
    ("有没有办法不公告直接注销旧域名？", "不可以"),  # 有没有办法 asks for leave
    ("有没有要求注销ICP备案？", "有。"),  # whether the documents say it: they do
    ("服务器放香港有没有问题？", "有问题"),  # answered in the question's own word
])
def test_have_or_not_questions_get_the_word_they_ask_for(question, start):
    assert ask(question).lead.startswith(start), ask(question).lead


@pytest.mark.parametrize("question,start", [
    ("有没有规定域名解析服务商必须是国企？", "文件没有规定"),  # the subject is there, what is said of it is not
    ("有没有规定乡镇网站必须用gov.cn？", "文件没有规定"),  # what is said is there, the subject is not
    ("有没有规定服务器不能放境外？", "有。"),
    ("清理情况报县里后，县政府办多久给回复？", "文件没有规定这件事的办理时限"),  # a reply is not an interaction topic here
    ("州里收到各县报送后多少天内汇总报省？", "文件没有规定这件事的办理时限"),  # no days computed between deadlines
])
def test_what_a_question_claims_the_documents_say(question, start):
    answer = ask(question)
    assert answer.in_scope and answer.lead.startswith(start), answer.lead


def test_a_dated_event_described_picks_its_document_and_parts_take_no_near_ties():
    facts = [f.id for f in ask("县里通知哪天印发的？要求哪天前报？报给哪个股？").facts]
    assert facts[:2] == ["wd-date", "wd-deadline"] and "cx-date" not in facts, facts


def test_a_shop_is_a_company():
    assert not ask("我朋友开了家饭店想做个网站，域名要备案吗？").in_scope


@pytest.mark.parametrize("question,section", [
    ("Part 3 item 2 of the plan says what?", "三（二）"),
    ("What does item 3 of part 5 require?", "五（三）"),
    ("what is in the third item of the fifth part", "五（三）"),
    ("Part five (3)?", "五（三）"),
])
def test_sections_written_in_english(question, section):
    answer = ask(question)
    assert answer.in_scope and f"{section}" in answer.lead, answer.lead


def test_short_questions_after_a_subject_are_about_that_subject():
    facts = [f.id for f in ask("县政府门户网站改域名，要谁同意？表交给谁？最后谁批？").facts]
    assert facts[0] == "portal-procedure" and "dept-procedure" not in facts, facts  # not the department's procedure
    facts = [f.id for f in ask("老域名要注销，先报谁备案？谁去办？办完还要做什么？").facts]
    assert facts[0] == "old-domains" and "filings" in facts, facts  # 办完: the step named before


@pytest.mark.parametrize("question,start,present,absent", [
    # a township's sub-domain: the documents set no township structure, so no verdict from the guide's advice
    ("武定县近城镇的网站 jincheng.wuding.gov.cn 合规吗？", "文件没有规定乡镇网站的域名结构", ["电子政务网络管理股"], ["符合"]),
    # whether to cancel the domain named asks about the domain: its check decides, no other procedure quoted
    ("街道办的网站 xxjd-gov.cn 需要注销吗？", "需要", ["3月5日"], ["部门网站域名的申请或注销"]),
    ("县财政局的 wdczj.com 要不要注销？", "需要", ["公告3个月"], ["部门网站域名的申请或注销"]),
    # silent on fees, but an idle site's domain is cancelled
    ("县水务局网站很久没人管了，域名 wdsw.net，还要续费吗？", "文件没有规定费用", ["闲置域名", "注销"], ["冒名"]),
])
def test_a_named_site_under_the_documents_alone(question, start, present, absent):
    lead = ask(question).lead
    assert lead.startswith(start) and all(p in lead for p in present) and not any(a in lead for a in absent), lead


# -- round 5 classes, in words of our own (the round's questions are in qa_cases.yaml `fresh`) ---------------
# A statement of a rule with a tag (对吧, 对不, 是这意思吧, 我没记错吧 …) is checked claim by claim against the model:
# 是的 when everything matches, a contradiction with the rule's value when one detail is wrong.
_TRUE_STATEMENTS = [
    "县市政府门户网站要用www.□□□.gov.cn这种结构的英文域名，对吧",
    "部门网站用的是本级门户网站的下级域名，我没记错吧",
    "承担行政职能的事业单位按部门网站的域名结构来，是这意思吧",
    "不承担行政职能的事业单位原则上不能用.gov.cn结尾的英文域名，对不",
    "中文域名的结构是△△△.政务，对不对",
    "栏目、频道、专题原则上用同一级域名，不单独开域名，是吧",
    "网站永久下线了的闲置域名要及时注销，是不是",
    "已经注册的政府网站域名不能擅自转给别的单位用，没错吧",
    "县市政府注册门户网站域名要先经本地区主要负责人同意，对吧",
    "门户网站域名申请表是交给上一级人民政府办公室的，对吧",
    "部门网站域名最后是省政府办公厅批准，我记得没错吧",
    "域名持有者变更要经政府网站主管单位同意，是这意思吧",
    "域名注销以后要去注销ICP备案和党政机关网站标识这些，对吧",
    "复查是2月28日前由州政府办公室会同州委编办、州公安局搞的，对吧",
    "州政府办公室2月20日前会发提醒通知，是吧",
    "县里的清理情况要在3月5日前报县政府办电子政务网络管理股，没错吧",
    "各县市和州级部门3月20日前把清理情况报州政府办公室，对不",
    "服务器自建自运维的不能放在境外，对吧",
    "租的虚拟空间要在服务商的境内节点上，是这意思吧",
    "要委托有应急灾备、抗攻击能力的解析服务商做域名解析，对吧",
    "县里转发通知的落款日期是2019年2月19日，对吧",
    "州里的方案是2019年2月13日印发的，没记错吧",
    "联系人换了以后20个工作日内向本级人民政府办公室报备，是这意思吧",
    "部门网站域名申请要经本部门主要负责人同意，再交本级人民政府办公室，对不对",
    "门户网站域名注册最后由省政府办公厅向国家域名注册管理机构提交审核表，对吧",
    "县市人民政府办公室负责域名注册、注销和信息变更的协调指导，对吧",
    "主办单位按谁开设谁负责的原则管理域名，是不是",
    "域名是政府网站的基本组成部分和重要身份标识，是这么说的吧",
    "落实55号文以前注册的老域名，变更注销要先报上一级政府办公室备案，对吧",
    "有关要求一共四条，对吧",
    "域名注销以后再去注销ICP备案，对吧",
    "老域名先报上一级政府办公室备案，再由持有者联系注册机构注销，对吧",
]


@pytest.mark.parametrize("question", _TRUE_STATEMENTS)
def test_a_true_statement_to_confirm_is_confirmed(question):
    lead = ask(question).lead
    assert lead.startswith("是的"), lead
    assert "文件没有明确规定" not in lead


@pytest.mark.parametrize("question,value", [
    ("联系人变更后要在30个工作日内报备，对吧", "20个工作日"),
    ("换域名以后公告2个月就可以注销老域名了，对吧", "3个月"),
    ("网站换了新域名，首页挂半个月公告就能注销老的了，我没记错吧", "3个月"),
    ("复查是3月5日前完成的，对吧", "2月28日"),
    ("复查是州公安局牵头搞的吧", "州政府办"),
    ("县里的清理情况要报州政府办公室，对不", "县政府办"),
    ("县里的转发通知要求3月20号前报县政府办吧", "3月5日"),
    ("冒名注册.com域名的要报县政府办处理，对吧", "州政府办"),
    ("门户网站域名注册最后由州政府办公室向国家域名注册管理机构提交审核表，对吧", "省政府办公厅"),
    ("州里的方案是2月19日印发的吧", "2月13日"),
    ("县政府办是哪天转发的，2月13号吗", "2月19日"),
    ("清理分五步，是吧", "四步"),
    ("域名持有者变更报本级政府办公室备案就行，对吧", "主管单位"),
    ("不承担行政职能的事业单位也可以用gov.cn，是这意思吧", "不得"),
    ("部门网站可以自己单独注册一个一级域名，对吧", "下级"),
    ("栏目可以单独开个二级域名，没错吧", "同一级域名"),
    ("业务系统以后还能继续用自己的独立域名，没错吧", "不再作为独立网站"),
    ("CDN可以把境内用户解析到境外节点，对吧", "境内节点"),
    ("一个网站可以同时注册两个英文域名，是吧", "一个英文域名"),
    ("中文域名用“单位名称.中国”这种，对不对", "△△△.政务"),
    ("业务系统、办事平台以后可以单独作为网站跑了，对吧", "不再作为独立网站"),
    # the order of a rule's steps is a claim too
    ("域名调整后先注销原域名，再在新网站首页公告3个月，对吧", "再在新网站首页公告3个月，再注销原域名"),
    ("先注销ICP备案，再注销域名，是这个顺序吧", "顺序是先注销域名"),
    ("老域名先找注册机构注销了，然后再报上一级政府办公室备案，对吧", "顺序是先报上一级政府办公室备案"),
])
def test_a_false_statement_to_confirm_gets_the_rules_value(question, value):
    lead = ask(question).lead
    assert lead.startswith(("不对", "不是", "不可以")), lead
    assert value in lead


def _domain_questions():
    """Questions about one domain, in many wordings, for units whose check is known either way."""
    domains = [("武定县政府门户网站", "www.wuding.gov.cn"), ("武定县政府门户网站", "wuding.gov.cn"), ("武定县政府门户网站", "wudingxian.com"),
               ("武定县财政局", "czj.wuding.gov.cn"), ("武定县财政局", "www.wdczj.gov.cn"), ("州教育体育局", "www.cxjyj.gov.cn"),
               ("楚雄州教育体育局", "jyj.cxz.gov.cn"), ("州卫健委", "cxwjw.com"), ("县医院（不承担行政职能的事业单位）", "wdyy.wuding.gov.cn"),
               ("武定县政府门户网站", "武定县人民政府.政务"), ("武定县政府门户网站", "武定县人民政府.中国")]
    templates = ["{unit}网站域名就用 {d} 这种呗，没毛病吧", "{unit}用 {d} 可以吧", "{unit}的域名 {d} 合规吗", "{unit}用 {d}，这样行不行",
                 "{unit}网站是 {d}，符合要求吧", "{unit}网站打算用 {d}，对吧", "{unit}现在是 {d}，要不要改", "{unit}用 {d} 有没有问题"]
    return [t.format(unit=u, d=d) for u, d in domains for t in templates]


_YES = ("可以", "是的", "符合要求", "没有问题", "不要紧", "不需要")
_NO = ("不可以", "不是", "不符合", "不对", "有问题", "需要", "要紧")


@pytest.mark.parametrize("question", _domain_questions())
def test_the_verdict_never_contradicts_the_domain_check_in_the_same_answer(question):
    """The verdict word comes from the same check the answer reports: never 可以 beside 不合规, never 不可以
    beside 符合."""
    lead = ask(question).lead
    first = re.split(r"[。：，\n]", lead, maxsplit=1)[0]
    if "不合规" in lead:
        assert first not in _YES, lead
    if "符合规定的域名结构" in lead or "符合部门网站" in lead:
        assert first not in _NO or first == "不需要", lead


@pytest.mark.parametrize("question,present,absent", [
    # a domain handed over or lent is 二（六）, whatever is built on it
    ("单位有个闲置域名，借给下属单位建站行不行", ["不可以", "擅自转给"], []),
    ("局里空着一个域名，给下面的中心建站用一下就完事了吧", ["不可以", "擅自转给"], ["一般的网络技术问题"]),
    # a township's own domain: no structure in the documents, said so; who coordinates
    ("我们镇想申请 xxzhen.gov.cn，可以注册吗", ["文件没有规定乡镇网站的域名结构", "县市人民政府办公室"], ["业务系统"]),
    # two English domains for one site: one each in principle, name the main one, cancel the other
    # both keep the structure: a main domain is designated; the documents do not ask to cancel the other
    ("武定县政府门户 www.wuding.gov.cn 和 www.wdx.gov.cn 都在用，可以吗", ["主域名", "一个英文域名"], ["其余的按流程注销"]),
    ("县门户现在 wuding.gov.cn 和 www.wuding.gov.cn 两个都能打开，咋整", ["主域名", "注销"], []),
    # a look-alike site is an impersonation to report, not a domain to rename
    ("发现 wd-gov.com 是个假网站，仿冒我们局的，要报给谁", ["州政府办公室", "监测"], ["应申请规范域名"]),
    ("网上有个 wudingxian.net 做得跟县政府网站几乎一样，怎么办", ["州政府办公室"], ["应按规范结构申请新域名"]),
    # a site going offline for good: the domain, then the filings
    ("网站关停了，域名和ICP备案怎么办", ["注销", "注册机构", "ICP"], []),
    # several parts named together: each its title and content
    ("第四部分和第五部分讲什么", ["方法步骤", "有关要求"], []),
    ("四（一）和四（二）说了啥", ["四（一）", "四（二）"], []),
    # a dated event described alone resolves to its own date
    ("县里哪天转发的州里方案", ["2月19日"], ["3月5日", "3月20日"]),
    ("州里是哪天印发这个方案的", ["2月13日"], ["3月20日"]),
    # a described change of the contact: its rule and the due date by the work calendar
    ("网站联系人2019年4月1日换了，报给谁，最晚哪天", ["本级人民政府办公室", "20个工作日", "2019年4月"], ["张晓霞"]),
    # clauses a later part points back at are asked
    ("我们的服务器是自己建的，还用了CDN，这两块分别有啥要求", ["境外", "CDN"], []),
    # a setting followed by short questions: each read with it
    ("我们县发改局联系人2019年3月10号变了，啥时候之前报、报哪里", ["2019年4月8日", "本级人民政府办公室"], ["3月5日"]),
    # an idle site named by its domain, with its filings asked: the whole course
    ("我们局网站停用了，那个 wdjtj.com 域名和公安备案怎么办", ["闲置", "注册机构", "公安机关备案标识"], []),
    ("有人用 chuxiong-gov.com 搞了个假的州政府网站，我们该咋办", ["州政府办公室"], ["应按规范结构申请新域名"]),
    # the act described is the event, its object not
    ("县政府办公室哪天把州里的方案转发下来的？", ["2月19日"], ["2月13日"]),
    ("州里发方案到县里转发隔了几天", ["6天"], ["文件没有规定"]),
    ("县里报送截止和州里复查截止哪个早", ["复查", "2月28日"], ["3月20日"]),
    # a change-over described: the notice before the old domain goes
    ("县里网站换成 www.wuding.gov.cn 了，原来那个 wdx.cn 马上注销可以吧", ["不可以", "3个月"], ["55号"]),
    ("老域名2016年注册的，现在要注销，直接找注册商就行吧", ["不可以", "上一级人民政府办公室"], []),
    # a county department under the prefecture's portal is not under its own level's portal
    ("我们局网站域名想挂在州政府门户下面，用 jtj.cxz.gov.cn，县交通局这样行吧", ["不可以", "本县政府门户网站的下级域名"],
     ["wangzhan"]),
    ("方案里提到的两个上级文件是哪两个", ["55号", "193号"], ["一个中文域名"]),
])
def test_round_five_classes(question, present, absent):
    answer = ask(question)
    assert answer.in_scope
    for text in present:
        assert text in answer.lead, (text, answer.lead)
    for text in absent:
        assert text not in answer.lead, (text, answer.lead)


def test_an_english_question_about_a_domain_gets_an_english_check():
    lead = ask("Our county portal uses wuding.net. Is that OK, and what should it be?").lead
    first = lead.split("\n")[0]
    assert first.startswith("No.") and "www.□□□.gov.cn" in first and ".gov.cn" in first
    assert "不合规" in lead  # the Chinese the quotes go with follows


@pytest.mark.parametrize("question", ["We plan to keep our old domain for one month after switching, is that enough?",
                                      "Is one month of notice enough before cancelling the old domain?"])
def test_an_english_period_claimed_is_checked(question):
    lead = ask(question).lead
    assert lead.startswith("No.") and "3 months" in lead.split("\n")[0]


# -- round 6 classes, in words of our own (the round's questions are in qa_cases.yaml `fresh`) ---------------
@pytest.mark.parametrize("question,present,absent", [
    # a date claimed for a step named by its bodies is checked against every dated step, whoever speaks
    ("狮山镇的，我们的清理情况3月20号前交县政府办就可以吧", ["不", "3月5日"], ["文件没有明确规定"]),
    ("县级部门的清理情况3月20日前报县政府办对吧", ["不对", "3月5日"], []),
    ("我们是州级部门，清理情况3月5号前报州政府办就行了吧", ["不", "3月20日"], []),
    ("提醒通知是2月28号前发吧", ["不对", "2月20日"], []),
    ("Our site's new contact person started last week. We have 30 working days to report it, right?",
     ["No", "20 working days"], ["Yes"]),
    ("Our site moved to a new domain. Can we cancel the old one after 1 month?", ["No", "3 months"], []),
    ("Do we report the cleanup to the county office by March 20?", ["No", "March 5"], []),
    # sections in Arabic with ASCII parentheses, and ranges of items, each item listed
    ("5(3)讲的是啥", ["五（三）", "境外"], []),
    ("三(2)说了什么", ["三（二）", "主要负责人"], []),
    ("二、（一）至（三）各是什么", ["二（一）", "二（二）", "二（三）"], []),
    ("第五部分第一到第四条讲了什么", ["五（一）", "五（二）", "五（三）", "五（四）"], []),
    ("四(1)-(4)分别说了啥", ["四（一）", "四（二）", "四（三）", "四（四）"], []),
    # a document's issuing asked "when", its issuer named: the date
    ("州政府办发方案是什么时候", ["2019年2月13日"], []),
    ("武定县政府办什么时候转发的通知", ["2019年2月19日"], []),
    # a change of domain: the notice for 3 months, then cancel, then the filings; never stopped at once
    ("州林草局网站从 lcj.cxz.gov.cn 迁到了 lcj.chuxiong.gov.cn，老的马上关掉行吧", ["不可以", "3个月", "注销", "ICP"], ["符合规定的域名结构"]),
    ("我们县门户从 www.wdx.gov.cn 改成了 www.wuding.gov.cn，原来那个怎么处理", ["公告3个月", "注销原域名"], []),
    # the speaker's own unit is not the subject when the domain is another's
    ("大姚县财政局的，听说县政府门户用的是 dayao.gov.cn，对吗", ["不是", "www.□□□.gov.cn"], ["部门网站要使用"]),
    ("楚雄市东瓜镇的，听说市里门户用的中文域名是“楚雄市政府.中国”，合规吗", ["不符合", ".政务"], ["乡镇网站"]),
    # how a period is counted is silent, said first
    ("公告期3个月包括节假日吗", ["文件没有规定", "3个月"], []),
    ("联系人变更的20个工作日从哪天开始算", ["文件没有规定", "起算"], []),
    # a rule's content stated for confirmation: 是的 / 不对, never 可以
    ("县门户网站的中文域名是用△△△.政务这种格式吧", ["是的"], ["可以"]),
    ("部门网站用的是本级门户的下级域名吧", ["是的"], ["文件没有明确规定"]),
    ("中文域名应该是△△△.中国这种吧", ["不对", ".政务"], []),
    ("服务器应该是不能放境外的吧", ["是的，不能"], ["不是"]),
    ("闲置域名不能转给别人的吧", ["是的，不能"], []),
])
def test_round_six_classes(question, present, absent):
    answer = ask(question)
    assert answer.in_scope
    for text in present:
        assert text in answer.lead, (text, answer.lead)
    for text in absent:
        assert text not in answer.lead.split("\n")[0] if text in ("Yes",) else text not in answer.lead, (text, answer.lead)


# -- round 7: a confirmation's verdict agrees with the route the answer states ---------------------------------
# Every procedure, every role a question can claim (the first recipient, the last approver, who does the act),
# every office a clerk might name: a positive verdict only for the rule's own body, a negative one for another.
_PROCEDURES = (  # (how the question names the procedure, role -> the bodies the rule means for that unit)
    ("州级部门网站注销域名", {"first": {"州政府办", "本级人民政府办公室"}, "last": {"省政府办公厅"}}),
    ("州卫健委要申请部门网站域名", {"first": {"州政府办", "本级人民政府办公室"}, "last": {"省政府办公厅"}}),
    ("县政府门户网站注销域名", {"first": {"州政府办", "上一级人民政府办公室"}, "last": {"省政府办公厅"}}),
    ("门户网站注册新域名", {"first": {"州政府办", "上一级人民政府办公室"}, "last": {"省政府办公厅"}}),
    ("网站永久下线后闲置的域名", {"doer": {"持有者", "域名持有者"}}),
)
_CLAIM_TEMPLATES = {
    "first": ("{s}，直接把申请基本信息表交给{x}就行了对吧", "{s}，先报{x}，对吧", "{s}，第一步直接交{x}就可以了吧"),
    "last": ("{s}，最后是报{x}批准的，对吧", "{s}，最后由{x}批准，对吗"),
    "doer": ("{s}，{x}会统一帮大家注销的对不", "{s}，是由{x}去注销的吧", "{s}，{x}会统一帮各乡镇注销的吧"),
}
_OFFICES = ("县政府办", "州政府办", "省政府办公厅", "国家域名注册管理机构", "域名持有者")
_POSITIVE_LEAD = re.compile(r"^(是的|可以|需要|对|没错|正确|符合)")
_NEGATIVE_LEAD = re.compile(r"^(不对|不是|不可以|不能|不需要|不符合)")


def _route_confirmations():
    for subject, roles in _PROCEDURES:
        for role, right in roles.items():
            for template in _CLAIM_TEMPLATES[role]:
                for office in _OFFICES:
                    yield template.format(s=subject, x=office), office.removeprefix("域名") in {r.removeprefix("域名") for r in right}


@pytest.mark.parametrize(("question", "right"), list(_route_confirmations()))
def test_a_confirmed_route_agrees_with_the_rule(question, right):
    lead = ask(question).lead
    office = re.search(r"交给(.+?)就|报(.+?)，|交(.+?)就|报(.+?)批准|由(.+?)批准|，(.+?)会统一|由(.+?)去注销", question)
    named = next(g for g in office.groups() if g)
    if right:  # 就行 / 就可以 may be wrong for the steps it leaves out, never for the office it names
        assert not _NEGATIVE_LEAD.search(lead) or "就" in question and f"不是{named}" not in lead, lead
    else:
        assert not _POSITIVE_LEAD.search(lead), lead  # never 是的/需要 beside a route through another office
        assert _NEGATIVE_LEAD.search(lead), lead  # the wrong office is said to be wrong


@pytest.mark.parametrize(("question", "present", "absent"), [
    # a first recipient claimed across the clause, for a department and a portal
    ("州交通局要注销部门网站域名，局长同意了，然后直接把申请表交给省政府办公厅就行了吧", ["本级人民政府办公室"], ["需要。", "是的"]),
    ("县政府门户网站注销域名，直接把申请表交给省政府办公厅就行吧", ["不可以", "上一级人民政府办公室"], ["需要。"]),
    ("县卫健局网站域名注销，直接报省政府办公厅就行吧", ["不可以", "县政府办"], ["是的"]),
    # the route's last step
    ("州级部门网站域名注销，最终是报省政府办公厅批准吧", ["是的", "省政府办公厅"], ["不对"]),
    ("部门网站注销，最后是报州政府办批准的吧", ["不对", "省政府办公厅"], ["是的"]),
    # a route stated whole: its first office, then where it ends
    ("县政府门户网站换新域名，先报州政府办，再由州政府办报省政府办公厅，对吧", ["是的"], ["不对"]),
    ("县政府门户网站注销域名，先报县政府办，再报省政府办公厅，对吧", ["不对", "上一级人民政府办公室"], ["是的"]),
    # the order of a rule's steps said by a relation (A在B之前 / 之后), not by the order written
    ("ICP备案要在域名注销之前先注销吧", ["不对", "先注销域名"], ["需要", "是的"]),
    ("ICP备案在域名注销之后再注销，对吧", ["是的"], ["不对"]),
    ("We want to hand our old domain to a subordinate center. Is that OK?", ["No", "不得"], ["Yes"]),
    # a deadline and bodies that fit no one step together: the step they fit best, the misfit said
    ("是不是乡镇网站都要在3月5号前报州政府办", ["不对", "县政府办"], ["文件没有明确规定"]),
    # the body a step is done for (帮各乡镇) is not its doer
    ("县政府办会统一帮各乡镇注销域名吧", ["不对"], ["是的"]),
    # a statement of two clauses, each a step of its own: each checked against its own rule
    ("县里的通知要求乡镇3月5日前报县政府办，州里的方案要求县市3月20日前报州政府办，对吧", ["是的"], ["不对"]),
    ("县里要求乡镇3月20日前报县政府办，州里要求县市3月20日前报州政府办，对吧", ["不对", "3月5日前"], ["是的"]),
    # the body answering a who-question claims its role; 经过谁同意 is asked, not claimed
    ("谁批准部门网站域名？州政府办，对吧", ["不对", "省政府办公厅"], ["是的"]),
    ("Who approves a department website domain in the end? The prefecture office, right?", ["No"], ["Yes"]),
    ("域名持有者变更不用经过谁同意吧", ["需要", "主管单位"], ["主要负责人同意，不是"]),
    ("Can the county office submit the form directly to the provincial office?", ["No"], ["Yes"]),
    ("州政府办负责复查，县政府办负责转发，对吧", ["是的"], ["不对"]),
    ("县政府办负责复查，州政府办负责转发，对吧", ["不对"], ["是的"]),
    # a doer the rule does not name is never confirmed by that rule
    ("公告满3个月后由州政府办注销原域名吧", [], ["是的", "可以", "需要"]),
    # a step's order said with 前…先 (the step written first comes later)
    ("新域名启用前就要先公告3个月对吧", ["不对", "先启用新域名"], ["是的"]),
    ("新域名启用后在首页公告3个月，再注销原域名，对吧", ["是的"], ["不对"]),
    # who cancels an idle domain
    ("已经永久下线的网站域名，州政府办会帮我们注销吧", ["不对", "域名持有者"], ["是的"]),
    # a document named by its number: its own issuer and date
    ("楚政办函8号是县政府办印发的吧", ["不对", "州政府办"], ["是的"]),
    ("武政办函〔2019〕1号是州政府办印发的对吧", ["不对", "县政府办"], ["是的"]),
    ("楚政办函〔2019〕8号是2月19日发的，对吧", ["不对", "2月13日", "县里转发通知"], ["是的"]),
    ("楚政办函8号是2019年2月13号印发的吧", ["是的"], ["不对"]),
    # the order of two described events
    ("复查截止日在县里转发通知之前还是之后", ["之后", "2月28日", "2月19日"], []),
    ("州里印发方案那天是在提醒通知节点之前还是之后", ["之前", "2月13日", "2月20日"], []),
    ("复查截止日早于县里的报送截止日吗", ["是的", "之前"], []),
    # a platform on its own domain: integrate, never an invented path
    ("县教育局的审批系统用 spxt.wuding.gov.cn 单独跑，按文件该咋办", ["整合迁移", "注销"], ["/zf/", "/jy/"]),
    ("永仁县政府的网上办事大厅单独用 wsbs.yongren.gov.cn，要怎么改", ["整合迁移", "www.yongren.gov.cn/...", "注销"], ["/zf/"]),
    # each part of a question of several, the yes/no part from its own rule
    ("乡里网站关了 谁去注销域名 注销完还要干啥 能不能转给村里用", ["注册机构", "ICP", "不可以。不得"], ["可以。网站"]),
    ("我们局网站不用了，域名要注销吗？能不能借给下属中心用？", ["不可以。不得"], ["是的，不能"]),
    ("县里的联系人是谁，邮箱多少，哪天之前报", ["张晓霞", "wdwgzx@126.com", "3月5日"], []),
    ("州卫健委有 wsjkw.cxz.gov.cn 和 www.cxwsj.gov.cn 两个英文域名，都留着行吗？中文域名该怎么起", ["主域名", ".政务"], []),
    # a prohibition whose subject carries a 不 of its own
    ("我们是不承担行政职能的事业单位，还可以用.gov.cn的域名，对吧", ["不是"], ["是的"]),
    ("Our county hospital is a public institution without administrative functions. We can keep our .gov.cn domain, right?", ["No"], ["Yes"]),
    ("不承担行政职能的事业单位可以不用gov.cn吧", ["是的，不能"], []),
])
def test_round_seven_classes(question, present, absent):
    answer = ask(question)
    assert answer.in_scope
    for text in present:
        assert text in answer.lead, (text, answer.lead)
    for text in absent:
        assert text not in answer.lead, (text, answer.lead)


# -- round 8 classes, in words of our own (the round's questions are in qa_cases.yaml `fresh`) ---------------
_DOMESTIC = ["杭州", "北京", "上海", "深圳", "广东", "昆明", "贵阳", "成都市", "华东", "乌鲁木齐", "呼和浩特", "西安"]
_FOREIGN = ["新加坡", "香港", "美国", "日本", "东京", "法兰克福", "硅谷"]
_HOSTING = [
    "我们局网站租的阿里云虚拟主机，节点在{}，{}",
    "单位网站的云主机放在{}的机房，{}",
    "县政府网站服务器是自己运维的，放在{}，{}",
    "租用的虚拟空间位于{}节点，https://www.wuding.gov.cn {}",
    "网站的服务器部署在{}，{}",
    "网站放在阿里云{}节点，{}",
]
_ASKS = {"要不要迁到别的地方": ("不需要", "需要"), "可以吗": ("可以", "不可以"), "合规吗": ("符合要求", "不符合"),
         "没问题吧": ("是的，没问题", "不对，有问题"), "需要搬走吗": ("不需要", "需要")}


def _hosting_questions():
    for where, domestic in [*((p, True) for p in _DOMESTIC), *((p, False) for p in _FOREIGN)]:
        for template in _HOSTING:
            for tail, words in _ASKS.items():
                yield template.format(where, tail), domestic, words[0 if domestic else 1]


@pytest.mark.parametrize(("question", "domestic", "word"), list(_hosting_questions()))
def test_a_named_hosting_place_decides_the_verdict(question, domestic, word):
    """节点在杭州 is 境内 (no move needed, compliant); 新加坡 / 香港 are 境外. Never refused as another region."""
    answer = ask(question)
    assert answer.in_scope, answer.lead
    assert answer.lead.startswith(word + "。") or answer.lead.startswith(word + "：") or answer.lead.startswith(word), answer.lead
    where = "境内" if domestic else "境外"
    assert f"在{where}" in answer.lead, answer.lead


def test_a_cdn_pointing_domestic_users_abroad_is_the_policy():
    for question in ["CDN服务商说部分境内用户的解析会指到新加坡节点，我们 https://www.lufeng.gov.cn 用这种CDN行吗",
                     "为了加速，解析把国内访客指向香港节点，https://jtj.cxz.gov.cn 这样可以吗"]:
        answer = ask(question)
        assert answer.in_scope, answer.lead
        assert answer.lead.startswith("不可以"), answer.lead
        assert "境内节点" in answer.lead


_MEASURE_PHRASES = ["一个旧的", "这个旧", "那个旧的", "每个旧", "几个旧的", "两个旧", "某个旧的", "一台州里配的", "各项城市",
                    "这台州里发的", "一张北面的", "那张北方的", "这本溪流", "一名山区的"]
_MEASURE_FRAMES = ["州统计局要注销{}部门网站域名，经谁同意？", "{}网站域名要注销，找谁？", "县里{}域名下线了，要不要注销",
                   "我们有{}网站域名，该怎么处理", "关于{}域名，报送期限是哪天？", "县林草局把{}网站停了，域名怎么注销",
                   "{}网站还在用.com域名，要改吗", "州里说{}网站域名要清理，截止哪天", "{}的门户域名怎么写",
                   "{}网站的联系人换了多久报备", "部门网站{}域名注销后备案怎么办", "乡镇{}网站的域名能转给村里用吗",
                   "{}网站服务器能放境外吗", "请问{}网站域名是谁批准的", "{}栏目要单独开域名吗", "{}域名要公告几个月",
                   "州里{}网站是不是要用gov.cn", "县政府办{}网站域名清理情况报给谁", "注销{}域名要填什么表",
                   "我们单位{}网站域名算闲置吗", "{}网站的英文域名结构是什么", "县卫健局{}网站迁移要做什么"]


@pytest.mark.parametrize("question", [f.format(p) for p in _MEASURE_PHRASES for f in _MEASURE_FRAMES])
def test_a_place_never_starts_at_a_measure_word(question):
    """一个旧的 is not 个旧, 一台州里 not 台州, 各项城市 not 项城: a numeral and its measure word make one phrase."""
    from knowledge.edge import refusal

    said = refusal(question) or ""
    assert "的规定不在这些文件里" not in said, (question, said)


@pytest.mark.parametrize(("question", "present", "absent"), [
    # a confirmation of a non-compliant plan with 没问题吧 / 没毛病吧
    ("州民政局网站准备单独注册 cxmzj.gov.cn，不挂州门户下面，没问题吧", ["有问题", "下级域名"], ["是的", "不是。"]),
    ("县门户用 www.lufeng.gov.cn 这个域名没毛病吧", ["没问题"], ["有问题"]),
    # a deputy is not the head whose consent the rule names
    ("县交通局网站域名注销，分管副局长同意就能报县政府办了吧", ["主要负责人", "不是分管副局长"], ["是的"]),
    # a planned change's whole course
    ("禄丰市门户打算从 www.lfx.gov.cn 改成 www.lufeng.gov.cn，手续怎么走", ["主要负责人", "基本信息表", "省政府办公厅", "3个月", "ICP"], []),
    ("州林草局网站要从 lcj.cxz.gov.cn 换成 cxlcj.cxz.gov.cn，步骤是什么", ["本级人民政府办公室", "3个月", "注销原域名"], []),
    # a column on a path: the path is right, the site's domain is checked too
    ("县林草局“政务公开”栏目地址 http://lcj.wuding.gov.cn/zwgk/ 这样符合吗", ["符合", "lcj.wuding.gov.cn 也符合"], ["不符合"]),
    ("县林草局通知公告栏目地址 http://www.wdlcj.com/tzgg/ 这样可以吗", ["不可以", "网站域名本身"], ["符合要求"]),
    # dated events described: the plan's issue to the counties' report deadline
    ("从州政府办印发方案到县市报清理情况截止，中间有几天", ["35天", "3月20日"], ["15天"]),
    # English parts joined by ', and which …'
    ("When is the review finished, and who leads it?", ["February 28"], []),
    # a government's own machine room or cloud is in China; a place not said gives no verdict from the prohibition
    ("网站放在县政府的机房，可以吗", ["可以", "在境内"], ["不可以"]),
    ("我们网站放在州政务云上，可以吗", ["可以", "在境内"], ["不可以"]),
    ("服务器放在某个机房可以吗", ["文件没有明确规定"], ["不可以"]),
    ("虚拟空间节点不知道在哪，要不要迁", ["文件没有明确规定"], ["需要"]),
    ("自建服务器在州里机房，需要搬吗", ["不需要"], []),
    ("CDN节点全部在国内，https://www.wuding.gov.cn 可以吗", ["可以"], ["不可以"]),
    ("咱们县门户想改成 www.wd.gov.cn，老的 www.wuding.gov.cn 怎么处理", ["公告3个月", "注销原域名 www.wuding.gov.cn"], []),
    ("服务器在缅甸，要迁吗", ["需要", "缅甸在境外"], ["不需要"]),
    ("服务器放自己单位机房没问题吧", ["是的，没问题", "在境内"], ["有问题"]),
    ("服务器放在机房没问题吧", ["文件的规定是", "不得放在境外"], ["有问题", "不可以", "是的"]),  # where the room is, is not said: the rule, no verdict
    ("用了CDN，可以吗", ["文件没有明确规定"], ["不可以"]),
])
def test_round_eight_classes(question, present, absent):
    answer = ask(question)
    assert answer.in_scope
    for text in present:
        assert text in answer.lead, (text, answer.lead)
    for text in absent:
        assert text not in answer.lead, (text, answer.lead)


@pytest.mark.parametrize(("text", "found"), [
    ("节点在杭州，要不要迁", [("杭州", True)]),
    ("网站放在阿里云香港节点", [("香港", False)]),  # 阿里云 is the vendor, not 阿里地区
    ("服务器在北京市的机房", [("北京市", True)]),
    ("网站放在县政府的机房", [("县政府的机房", True)]),
    ("那个节点在武定县转发文件之前还是之后", []),  # a point in time and an office's act
    ("县政府办机房的空调老是坏", []),  # a room named, nothing put there
])
def test_where_a_site_is_hosted_is_read_from_the_words(text, found):
    from knowledge.locations import hosting_locations

    assert [(loc.name, loc.domestic) for loc in hosting_locations(text)] == found


# Round 9's classes, in our own words (the round's questions stay out until a later round is scored).
ROUND_NINE = [
    # a place stem that is mostly an ordinary word (合作, 通道) is no place before 的
    ("我们和合作的网络公司讲好了，旧域名给他们接着用，行不", ["不可以"], ["规定不在这些文件里"]),
    ("通道的流程走完以后，旧域名怎么注销", ["注销"], ["规定不在这些文件里"]),
    # another 楚雄 county's units: 武定县's notice does not bind them; the county reports to the prefecture
    ("牟定县的乡镇清理情况啥时候报", ["文件没有规定牟定县的乡镇", "3月20日"], ["是的"]),
    ("我是大姚县教育局的，清理结果几号前交，交给谁", ["文件没有规定大姚县的县级部门", "3月20日"], []),
    ("姚安光禄镇这边清理完了报哪里", ["文件没有规定姚安县的乡镇"], []),
    ("双柏县的乡镇清理情况3月5号前报县政府办对吧", ["文件没有规定双柏县的乡镇"], ["是的"]),
    ("南华县政府的清理情况报到哪", ["3月20日", "州政府办公室"], ["文件没有规定"]),
    ("乡镇的清理情况3月5号前报县政府办对吧", ["是的", "3月5日"], []),
    # hearsay put as a question is a claim to confirm
    ("听说换了域名新网站上公告一个月就能注销老的？", ["不对", "3个月"], []),
    ("我听说部门网站可以自己单独注册gov.cn的域名？", ["不"], ["是的"]),
    ("听说换了域名要公告3个月？", ["是的", "3个月"], []),
    # two options joined by 还是: each judged by the rule
    ("专题放在门户的路径下面，还是单独弄个二级域名", ["路径下面可以", "二级域名不可以"], []),
    ("中文域名注册.政务的还是.中国的", [".政务的可以", ".中国的不可以"], []),
    # 之 / 里的 between a part and its item
    ("二之（四）讲的啥", ["二（四）中文域名"], []),
    ("方案四里的第三条是什么内容", ["四（三）注销"], []),
    # the form of the pinyin is not set
    ("部门的拼音用全拼好还是首字母好", ["文件没有规定用全拼还是首字母"], ["不可以"]),
    # two documents' dates set against each other, in English too
    ("州里的文件和县里的文件隔了几天", ["相隔6天"], []),
    ("How many days after the prefecture notice was the county notice issued?", ["6 days"], []),
]


# Round 10's classes, in our own words (the round's questions are in qa_cases.yaml `fresh`).
ROUND_TEN = [
    # English names of units and offices by level
    ("By when must Wuding township governments report the cleanup to the county government office?", ["March 5"], ["March 20"]),
    # a long part names its own subject: another part's ask does not pull it away
    ("州政府办什么时候印发的方案，文号多少", ["2019年2月13日", "楚政办函〔2019〕8号"], []),
    # a department's domain: an example for that department, how to apply, and 三（四） for a domain from before 55号
    ("州林草局的网站还挂在 cxlcj.com 上，咋整", ["chuxiong.gov.cn", "向本级人民政府办公室提交"], ["czj"]),
    ("县卫健局2017年申请的 wdwjj.net 要注销了，流程是啥", ["报上一级政府办公室备案", "注册机构"], ["县市人民政府注册或注销门户网站域名"]),
    # two events, one named by its act: the gap between them
    ("复查最晚哪天？离县里转发几天", ["相隔9天", "2019年2月28日"], []),
    # a body the documents do not name, where a report goes
    ("域名被人山寨注册了，报县网信办就可以了吧", ["不", "州政府办"], ["是的"]),
    ("有人冒名注册了 wuding-gov.com，交给县公安局处理就行吧", ["不", "州政府办"], ["是的"]),
    # pinyin question tags
    ("公告要挂3个月，dui bu dui", ["是的", "3个月"], []),
    # documents named as the plan's basis
    ("方案是按国办函〔2018〕55号和国办函〔2019〕3号定的吧", ["不对", "不是3号"], []),
    ("根据方案，清理情况3月5号前报县里对吧", ["是的"], ["不是5号"]),
    # the county's own portal by the naming rule
    ("我是禄丰市政府办的，我们市门户网站域名怎么起", ["www.", "禄丰市人民政府.政务"], []),
    # the year asked; a duty stated to confirm
    ("清理工作是哪年的", ["2019年"], []),
    ("换域名后新网站首页得挂公告吧", ["是的"], []),
]


ROUND_ELEVEN = [
    # what is asked decides the scope, not a preamble or a forwarding mark
    ("[群聊转发] > 老王：局里网站是外包公司注册的 wdsj.com，挂在公司的服务器上。问下这种按方案该咋整", ["不合规"], ["企业、公司的网站"]),
    ("域名都清理完了，接下来政务服务事项清单怎么认领", [], []),
    ("县门户换域名，县长签个字后直接找注册商办就行了吧，不用报州里", ["不", "州政府办"], ["一般的网络技术问题"]),
    ("我个人打算注册个 wdtea.com 卖茶叶，要备案吗", [], []),
    # a transfer proposed; a restriction denied; an impostor described in words
    ("合并掉的那个局的域名还没到期，直接过户给乡里用就完事了吧", ["不可以", "不得将已注册的政府网站域名擅自转给"], ["先报上一级政府办公室备案"]),
    ("租云服务商的虚拟空间放网站，应该就没啥限制了吧", ["不对", "境内节点"], ["是的"]),
    ("网上冒出来一个叫“插甸镇人民政府”的网站 chadian-gov.net，根本不是我们建的，咋办", ["冒名", "州政府办公室"], []),
    # the asker's own address; a route described in full and right
    ("我们单位自己的邮箱是 abc_unit@163.com，清理情况是发 wdwgzx@126.com 吧", ["是的"], ["不对"]),
    ("县门户域名注册是主要负责人同意后报州政府办，逐级审核后由省政府办公厅向国家域名注册管理机构提交，对吧", ["是的"], ["不对"]),
    # silent points asked together; a penalty's nearest rule
    ("域名被劫持几个小时内要上报？要交哪些材料", ["时限", "材料"], []),
    ("逾期没报会被追责吗", ["文件没有规定", "整改通知"], []),
    # a change-over with its start day; the county's portal; remedy and worry asked together
    ("县门户4月10号切到新域名了，旧的最早哪天能注销", ["7月10日"], []),
    ("南华县门户还用着 www.nanhua.com，要不要改，不改有没有问题，往哪报", ["需要改", "www.nanhua.gov.cn", "州政府办公室"], []),
    # the year beside another part; the two basis documents asked as a list
    ("复查截止是哪天？这是哪一年的方案", ["2月28日", "2019年"], []),
    ("方案的上级文件是哪几个", ["55号", "193号"], []),
]


ROUND_TWELVE = [
    # pinyin with its amounts and tags
    ("lianxiren biangeng sanshi ge gongzuori nei baobei jiu xing", ["不可以：是20个工作日"], []),
    # an idle domain kept for later use: neither kept nor handed on
    ("镇里那个活动网站早停了，域名先放着不注销，以后给村委会用，行吧", ["不可以", "及时注销"], []),
    # a department's route is never the portal's
    ("我们是州林草局，部门网站要换成规范域名，找谁审批", ["本级人民政府办公室"], ["县市人民政府办公室报州政府办公室"]),
    # a contrast asked as …呢: each case its own verdict
    ("承担行政职能的事业单位能不能用gov.cn？不承担的呢", ["可以", "不得"], []),
    # a rule restated after the asker's introduction; others' practice reported
    ("我是县财政局管网站的，部门网站得用本级门户网站的下级域名，我理解得对吧", ["是的"], ["文件没有明确规定"]),
    ("县门户的中文域名用“武定县人民政府.政务”对吧？我看有的单位用的是.中国", ["是的"], ["不是"]),
    # a setting that keeps the CDN rule, said to be forbidden
    ("我们CDN是境内用户走境内节点，有人说政府网站根本不许用CDN，对吗", ["不是"], ["是的"]),
    # documents' numbers claimed
    ("州里那个方案的文号是楚政办函〔2019〕8号吗", ["是的"], []),
    ("县里转发的通知文号是武政办函3号吧", ["不对", "武政办函〔2019〕1号"], []),
    # silent: redirects, a provider's certificates
    ("换域名以后旧网址要做重定向吗", ["文件没有规定"], ["需要。"]),
    ("CDN服务商得有什么资质", ["文件没有规定"], []),
    # two events compared by 哪个…在前; a compliance question behind a scene of hosting
    ("复查和县里报送截止，哪个日子在前", ["复查的截止日（2019年2月28日）在前"], []),
    ("县统计局网站放在外包公司机房，域名 wdtjj.net。这个域名规范吗？", ["不符合"], ["不需要"]),
    # the two sentences of one rule
    ("域名持有者换了需要谁点头", ["主管单位", "20个工作日"], []),
]


ROUND_THIRTEEN = [
    # the plan's own approval; its adoption silent
    ("这个方案是报云南省政府批准后才发的吧", ["不对", "州人民政府"], []),
    ("方案上没上州政府常务会", ["文件没有写方案是否经过常务会"], []),
    # a change-over, the old domain dropped at once
    ("门户换成新域名了，旧的今天就停掉可以吧", ["不可以", "3个月"], []),
    # who the asker is decides whose deadline
    ("我们是县级部门，清理情况3月20号前交州政府办就行吧", ["3月5日", "县政府办"], ["是的"]),
    # a procedure's approval, not the clean-up's report
    ("州级部门网站注销，州政府办同意了就行，不用报省政府办公厅了吧", ["不", "省政府办公厅"], ["3月20日"]),
    # a day given and the last day asked: computed, with the documents' year too
    ("联系人2月25号换的，最晚哪天要报备", ["2019年"], ["文件没有规定"]),
    # two questions, one of them naming a heading
    ("中文域名怎么写？英文域名能有几个？", ["△△△.政务", "一个英文域名"], []),
    # our own county's Chinese domain; e-mail addresses; the old domain during the notice
    ("我们县门户的中文域名咋写", ["武定县人民政府.政务"], []),
    ("单位邮箱要不要也换成gov.cn后缀", ["没有规定办公邮箱"], []),
    ("公告期间老网址还能打开吗", ["文件没有规定公告期间旧域名是否继续访问"], ["可以。"]),
    # this clean-up's report and a penalty; a bare check of a scene with several things
    ("清理情况没按时报会影响考核吗", ["文件没有规定"], []),
    ("网站放在州政务云，DNS找的小公司做的，这样有什么问题没", ["应急灾备"], []),
    # a vendor asking for the unit
    ("我们是帮县林草局建站的公司，局里现在用 wdlcj.net，该换成什么样的域名", ["lcj.wuding.gov.cn", "向本级人民政府办公室提交"], ["企业、公司的网站"]),
]


ROUND_FOURTEEN = [
    # dialect particles ask for agreement, at the end or mid-sentence
    ("联系人换了20个工作日内报本级政府办就得行噻", ["是的"], []),
    ("域名注销了就完了撒，标识那些不消管了", ["不对", "注销"], []),
    # 等 as "etc." is no delay; a 'wait until' is
    ("联系人、电话等信息变了，20个工作日内报备对吧", ["是的"], ["不是"]),
    # a server abroad beside a name that keeps the rules
    ("县林草局 lcj.wuding.gov.cn 放在新加坡的云主机上，要不要迁回来", ["需要", "境外"], ["不需要"]),
    # 会同 is 'together with' before a county unit
    ("复查是州政府办会同县公安局搞的吧", ["不对"], ["规定不在这些文件里"]),
    # whose monitoring the reminder follows
    ("提醒通知是按县里自己排查的情况发的吧", ["不对", "省政府办公厅"], []),
    # a deadline asked beside a domain to fix; the cost of an act; mailbox trouble
    ("州卫健委用 cxwjw.com，咋整？最晚哪天报清理情况", ["下级域名", "3月20日"], []),
    ("注册一个gov.cn要花多少钱", ["文件没有规定费用"], []),
    ("单位邮箱收不到邮件了怎么办", [], []),
]


ROUND_FIFTEEN = [
    # a deputy's signature, read with 签个字 between
    ("我们局报域名注销，分管副局长签个字同意就可以报了吧", ["不", "主要负责人"], []),
    # an issuer claimed by its office's name
    ("县里那个转发通知是县委办公室发的吧", ["不对", "县政府办"], []),
    # a carrier's machine room in a domestic city
    ("我们租的是曲靖联通机房的虚拟空间，符合要求吗", ["符合要求", "境内"], []),
    # a period asked of a step the documents give none
    ("整改通知下来以后整改期限是多长", ["文件没有规定这件事的办理时限"], []),
    # which was first: a deadline set against an act
    ("提醒通知的截止日在县里转发之前已经过了吗", ["没有过"], ["已经过了"]),
    # a prohibition's subject with its own 不 (不承担): the rule restated only with the rule's 不
    ("不承担行政职能的事业单位，用gov.cn也没毛病吧", ["不对，有问题"], []),
    # a tag 可以不 is a question, not a denial
    ("旧域名转给承建公司接着用，可以不", ["不可以"], ["是的"]),
    # 有要求吗 about a rule that sets one
    ("CDN节点放哪儿有要求吗", ["有"], ["文件没有明确规定"]),
    # a portal without www: its www host
    ("县门户用 yaoan.gov.cn 不带www行不行", ["www.yaoan.gov.cn"], ["公告3个月"]),
    # another county's contact change is theirs
    ("双柏县教育局网站联系人变了，新联系人手机 13800001111，怎么报", ["20个工作日"], ["wdwgzx@126.com"]),
]


def test_a_claim_stricter_than_the_rule():
    # every extra domain cancelled, compliant or not: the rule names a main domain among compliant ones
    lead = ask("一个网站只许有一个英文域名，多出来的不管合不合规全部都得注销，是吧").lead
    assert lead.startswith(("不对", "不是")) and "主域名" in lead


@pytest.mark.xfail(strict=True, reason="open (round 15): a unit said to be outside the notice's recipients, and a yes/no part "
                                       "after a wh-part with a pinyin word, are not yet answered with their verdicts")
@pytest.mark.parametrize("question, lead", [
    ("楚雄开发区管委会不在州里这个文的发文范围里，它的网站域名不用管吧", "不对"),
    ("县里转发的文发给了哪些单位，我们乡镇要不要清理自己的网站yuming", "需要"),
])
def test_round_fifteen_open_classes(question, lead):
    assert lead in ask(question).lead.split("。")[0]


ROUND_SIXTEEN = [
    # round 16's classes in our own words: a mailbox asked as a domain; another county's unit with a domain
    ("县里通知上的邮箱 wdwgzx@126.com 算不算要清理的不规范域名", ["邮箱地址不是网站域名"], ["是的"]),
    ("姚安县政府办的，我们县交通局网站用 yajtj.com，要改成啥", ["不合规"], ["3月5日"]),
    ("县水务局以前注册的 wdslj.gov.cn 一直闲着没用，要不要管", ["及时注销"], ["不需要"]),
]
ROUND_SEVENTEEN = [
    # round 17's classes in our own words: a claim to confirm followed by statements only
    ("联系人换了是15个工作日内报备吧 我们这周事多 下周再说", ["不对", "20个工作日"], ["是的"]),
    ("县里要求乡镇3月10号前报清理情况对吧，我们已经排好计划了", ["不对", "3月5日"], ["是的"]),
    # a unit kind the rule is written for, claimed as the one applying, is confirmed with the rest
    ("州级部门申请部门网站域名，经主要负责人同意后交表给州政府办，对不", ["是的"], ["文件没有明确规定", "不对"]),
    # a head's consent said first (先…同意) is a consent, not the first office
    ("县级部门注销网站域名，先主要负责人同意再报县政府办，对吧", ["主要负责人同意"], ["不是主要负责人", "不是县级部门"]),
    # a unit denying its own reporting duty (跟我们没关系，不用报) is told it must, by its own notice's date
    ("我们是县级部门，州里的方案是发给县市和州直部门的，清理这事跟我们没关系吧，不用报了吧", ["不对，需要", "3月5日"], ["不是县级部门"]),
    ("乡镇这次清理情况可以不报吧", ["3月5日"], ["可以。", "不需要"]),
    # several compliant domains already held: designate a main one; cancelling them all is not what the rule asks
    ("县政府网站有两个gov.cn域名都合规，是不是得都注销了重新申请一个", ["不是", "主域名"], ["需要。"]),
    ("我们有两个英文域名都符合规范，要注销其中一个吗", ["主域名"], ["需要。", "不可以"]),
    # 会同 + a county unit of any name is "together with"; 调整后的 describes, it does not order the steps
    ("复查是县里牵头会同县网信办搞的吧", ["不对", "州政府办"], ["会同县的规定"]),
    ("公告要挂在调整后的新网站首页，挂满3个月再注销老域名，没错吧", ["是的"], ["顺序不能反"]),
    # a yes/no part about changing a named domain, beside a how part: the change is still answered
    ("县统计局网站还在用 wdtjj.net，按方案是不是要换成gov.cn下面的？怎么写", ["需要", "不合规"], ["文件没有明确规定"]),
    # an event described and a day written out: the span between them
    ("州里发方案那天到3月20号截止，一共多少个工作日", ["2019年2月13日", "工作日"], []),
    # a part named by its heading (after its numeral, or asked for its items), then an item of it written bare
    ("三 注册、注销流程 下面有几条？（四）讲的是啥", ["共5条", "55号"], []),
    ("有关要求一共几条", ["共4条"], []),
    # a column's own domain: the path under its site's kind (a department's ○○○.□□□.gov.cn), then cancel it
    ("县教育局网站的招生专题单独注册了 zszt-wdjy.com，该怎么弄", ["○○○.□□□.gov.cn/", "注销"], ["www.□□□.gov.cn/"]),
    ("州政府门户的政务公开专栏单独用了 zwgk-cx.net，合规吗", ["不", "www.□□□.gov.cn/"], []),
    # options named as domains (A 还是 B, 哪个对): each is checked
    ("县中文域名写“武定县人民政府.政务”还是“武定县政府.政务”", ["武定县人民政府.政务 符合", "武定县政府.政务 符合"], []),
    ("州教育局网站用 jyj.chuxiong.gov.cn 还是 cxjy.com 好", ["jyj.chuxiong.gov.cn 符合", "cxjy.com 不合规"], []),
    # the structure's own suffix asked about: required; not using it is not allowed
    ("州级部门网站得用gov.cn的下级域名吗", ["需要"], ["文件没有明确规定"]),
    ("县门户网站不使用gov.cn应该没问题吧", ["不对，有问题"], ["是的，没问题"]),
    ("部门网站不用gov.cn可以吧", ["不可以"], ["是的"]),
    # a rule that sets how a thing is used (使用CDN的…) takes it as allowed: "不能用吧" is answered no
    ("内容分发网络是不是不能用啊，怕出问题", ["可以用", "境内节点"], ["是的"]),
    ("网站不准租用云服务器吧", ["可以用", "境内节点"], ["是的"]),
    # the speaker's office first, then 我们县's unit: the unit is in the speaker's county
    ("牟定县政府办的，我们县教育局网站现在用 mdjy.net，合规吗", ["不合规", "mouding.gov.cn"], ["zf."]),
    # a question after a question is about the kind of site the one before named
    ("部门网站域名格式是啥？要注销的话交给谁", ["○○○.□□□.gov.cn", "本级人民政府办公室"], []),
    # round 18's classes in our own words
    # who did a step, claimed beside a compliant domain: the claim decides, not the name
    ("县交通局的 jtj.wuding.gov.cn 是省政府办公厅直接分配给我们的，没错吧", ["不"], ["是的"]),
    # a government head is not a department's head
    ("县林业局申请网站域名要县长签字对吧", ["不对", "本部门"], ["是的"]),
    # the portal's own domain given: the department's label goes under it
    ("州民政局网站现在用 cxmz.net，州门户是 www.cxz.gov.cn，该改成啥", ["mzj.cxz.gov.cn"], ["chuxiong.gov.cn"]),
    # an institution's .gov.cn asked 要不要动: it must change
    ("县妇幼保健院不承担行政职能，网站用 wdfy.gov.cn，这个要不要动", ["需要"], ["不需要"]),
    # two documents' days claimed together, both right
    ("州方案2月13日印发，县里2月19日转发，是这样吧", ["是的"], ["不对"]),
    # the asker's own contact mailbox changed: the duty, not the notice's mailbox
    ("我们联系人邮箱从 a1@163.com 改成 b2@qq.com 了，要报不？多久内", ["需要", "20个工作日"], ["wdwgzx@126.com"]),
    # round 19's classes in our own words
    # a day the asker acts on is set against a deadline, never against a document's own date
    ("我们乡镇3月4号报给县里，行吗", ["来得及", "3月5日"], ["2月19日的期限"]),
    ("县级部门3月25号才报州里，还行不", ["超期"], ["可以"]),
    # townships asked about: their own notice's duty
    ("有乡镇问县里的通知他们也要报清理情况吗", ["需要", "3月5日"], ["不是乡镇"]),
    # a Chinese domain's △△△ is a Chinese name: letters are wrong, whatever the documents leave open about pinyin
    ("县水务局中文域名打算注册 wdslj.政务，用拼音首字母应该可以吧", ["不", "不是中文名称"], ["是的"]),
    # each unit's own domain in one list: each checked as its own site
    ("三个单位报上来：县财政局 czj.wuding.gov.cn，县文旅局 wdwl.net，县图书馆（不承担行政职能）tsg.wuding.gov.cn，哪些不合规",
     ["czj.wuding.gov.cn 符合", "wdwl.net 不合规", "tsg.wuding.gov.cn 不合规"], ["同一网站"]),
    # a chat sticker at the end ([捂脸]) changes nothing
    ("网站注销了，公安备案那些不用管了吧[捂脸]", ["不对，需要"], []),
    # an office outside 楚雄州 opening its message with its place and office: home for that question
    ("湖北恩施利川市政府办，我们县级市门户域名要注销，先报哪里", ["恩施"], ["规定不在这些文件里", "3月5日"]),
    # a typo corrected into the policy's object (域明) keeps the question in scope; a platform on its own domain
    ("县政务服务中心的办事平台单独用一个域明，不整合行不行", ["不可以", "整合"], []),
    # sections in pinyin, a mailbox service, a day against a deadline asked 还行不
    ("wu（er）讲的什么", ["五（二）"], []),
    ("政务邮箱怎么开通", [], []),
    ("州里的截止是哪天？我们3月22号才报，还行不", ["超期", "3月20日"], ["可以"]),
    # two events asked which comes first and when each is: the order with both days
    ("县里转发通知和州里复查，哪个在前？分别是哪天", ["在前", "2019年2月19日", "2019年2月28日"], []),
    # round 20's classes in our own words
    ("冒用劫持这块，半年查一次应该够了吧", ["不", "日常"], ["是的"]),
    ("县门户注册域名，要本部门一把手同意后报州政府办，对吧", ["本地区主要负责人"], ["是的"]),
    ("州门户 chuxiong.gov.cn 和 cxz.gov.cn 两个都合规，是不是要注销一个", ["主域名"], ["都不符合规定结构"]),
    ("我们要换个解析服务商，文件有啥要求没", ["有", "应急灾备"], ["文件没有明确规定"]),
    ("新开的网站办ICP备案要啥材料", [], []),
    # round 21's classes in our own words
    ("原则上一视同仁嘛，不承担行政职能的事业单位也能用.gov.cn吧", ["不可以"], ["规定不在这些文件里"]),
    ("换域名后公告挂在旧网站首页三个月就行吧", ["不"], ["是的"]),
    ("闲置域名别注销了，给乡里接着用就完事了吧", ["不可以"], ["是的"]),
    ("门户域名注册最后是省政府办公厅向国家域名注册管理机构提交审核表，对吧", ["是的"], ["文件没有明确规定"]),
    ("我记得文件说中文域名可以注册两个？", ["不是"], []),
    ("我们的邮箱是 abc@163.com，清理情况该发哪个邮箱", ["wdwgzx@126.com"], []),
    ("定期检查评估多久搞一次，是每月一次吧", ["没有规定"], ["不对"]),
    ("联系人变更是30个自然日内报备吧", ["不对", "20个工作日"], []),
    ("问两个：1.部门网站域名谁批？2.谁来分配下级域名？", ["省政府办公厅", "州人民政府门户网站"], []),
    # round 22's classes in our own words (Yunnan dialect, township speakers, unknown functions, villages)
    ("我是高桥镇滴，清理情况报州里3月20号前报克就得了噻", ["不", "3月5日"], ["是的"]),
    ("网站早就关掉了，域名放起不注销也没得啥嘛", ["及时注销"], ["是的"]),
    ("县里的转发通知是发给县市的嘛，我们乡镇不消管哈", ["不对，需要", "3月5日"], []),
    ("州级部门的下级域名是州门户网站按审批意见分配的，对吧", ["是的"], ["不对"]),
    ("外包的DNS没得抗攻击能力，我们 www.wuding.gov.cn 挂上面要得不", ["不"], ["符合要求"]),
    ("县水文站是事业单位，有没有行政职能不清楚，用 swz.wuding.gov.cn 行不行", ["要看"], ["可以。", "不可以。"]),
    ("我们县门户的公告咋个写，有没得模板", ["没有规定"], []),
    ("村委会也要弄这个域名清理不", ["没有明确"], []),
    ("第三部分里头第(2)条咋个说的", ["三（二）"], []),
    # round 23's classes in our own words
    ("持有者换了，和联系人变更一样20个工作日报备就行了吧", ["还要经主管单位同意"], ["可以。"]),
    ("今天3月15号，县政府办汇总后报州政府办还来得及吧", ["来得及", "3月20日"], ["来不及"]),
    ("方案里第一个时间节点是哪天", ["2019年2月20日"], []),
    ("网站栏目多久不更新要被通报", [], []),
    ("中英文域名各留俩做备份，应该可以吧", ["不"], ["是的"]),
    ("部门网站要挂在门户下面做下级域名，对吧", ["是的"], []),
    ("联系人换了要报给谁？有时限不", ["有", "20个工作日"], ["可以。"]),
    ("三个问题：1 服务器放国外行不行 2 租空间有啥要求", ["不可以"], ["符合要求"]),
    # round 24's classes in our own words
    ("“承担行政职能的事业单位，按照政府部门网站域名结构执行”，意思是它们也不能用gov.cn吧", ["不"], ["是的，不能"]),
    ("“逐级审核后报省政府办公厅批准”——就是说州政府办批了就算数？", ["不"], ["是的"]),
    ("境外用户访问也要解析到境内节点吗", ["没有规定"], ["是的"]),
    ("清理情况报县委办吧，联系人张晓霞？", ["不对", "县政府办"], []),
    ("从2019年3月1日到3月15日，有几个工作日", ["工作日"], []),
    ("联系人2019年3月4号变更的，3月28号报备晚了吗", ["不晚", "2019年4月1日"], ["晚了"]),
    ("县里要求乡镇3月5号前报，州里要求县市3月20号前报，没错吧", ["是的"], ["不对"]),
    ("想把闲置的域名先借给县里的学校用一阵子", ["不可以"], []),
    ("我们单位的邮箱 abc@163.com 也算要清理的域名吗", ["邮箱地址不是网站域名"], []),
    # rounds 25–26's classes in our own words
    ("复查是州政府办单独搞的吧，不用会同别的部门", ["不对", "会同"], ["是的"]),
    ("逐级审核大概多久能批", ["没有规定"], []),
    ("县里的文号是多少？州里那个呢？", ["武政办函〔2019〕1号", "楚政办函〔2019〕8号"], []),
    ("fucha截止那天是哪天", ["2019年2月28日"], []),
    ("公告期间老域名还要不要继续能访问", ["没有规定"], ["需要。"]),
    ("县里国企的网站能用gov.cn吗", ["没有规定"], []),
    ("我理解没错吧：部门网站要用本级门户的下级域名", ["是的"], []),
    ("方案依据的是国办函〔2019〕55号吧", ["不对", "〔2018〕"], ["是的"]),
    ("闲置域名让它自己过期就行了，不用专门注销吧", ["不"], ["超期", "是的"]),
    # rounds 27–28's classes in our own words
    ("联系人变更15个工作日内报?", ["不对", "20个工作日"], []),
    ("网站要不要上SSL证书，方案里有规定没", ["没有规定"], ["一般的网络技术问题"]),
    ("换了新域名，新站上线当天就把老域名注销了，就完事了吧", ["不对", "3个月"], []),
    ("不承担行政职能的事业单位比如县文化馆，不能用gov.cn对吧", ["是的"], ["规定不在这些文件里"]),
    ("公告3个月从哪天开始算", ["没有规定"], []),
    ("局里以前的 jtj-wd.com 网站服务器早关了，这个域名咋个整", ["闲置域名", "注销"], ["境外"]),
    ("州住建局用 www.cxzjj.gov.cn 合规不", ["不合规"], ["cxzjj.gov.cn，○○○", "zjj.cxzjj"]),
    ("清理情况报县政府办电子政务网络管理股，联系人张晓霞，对吧", ["是的"], []),
    ("有人仿冒注册了 wdx-gov.com，直接报县公安局就行了吧", ["不", "报州政府办"], ["是的"]),
    ("CDN的话境内用户的解析要指向境内节点，没错吧", ["是的"], ["核实"]),
    # rounds 29–30's classes in our own words
    ("县档案馆不承担行政职能，但也是财政拨款的，用gov.cn没问题吧", ["不", "不得使用"], ["是的"]),
    ("州卫健委网站的虚拟主机在东京节点，汇总时要不要标成不合规", ["需要"], ["不需要"]),
    ("fu wu qi 放国外应该没事吧", ["不", "境外"], ["是的"]),
    ("县里联系人是王晓霞，传真8711677，对吧", ["不对", "张晓霞", "8837577"], ["是的"]),
    ("收到邮件发件人 wdwgzx@126.com 让报清理情况，是不是钓鱼", ["不是", "县政府办电子政务网络管理股"], ["冒名"]),
    ("县里转发的州文件（8号文）是县政府办印发的吧", ["不对"], ["是的"]),
    ("我是四川凉山会理市政府办的，市门户网站英文域名应该长啥样", ["www.huili.gov.cn"], ["规定不在这些文件里"]),
    ("五.3 讲的啥要求", ["五（三）"], []),
    # rounds 31–32's classes in our own words
    ("5月10号开始在新网站首页挂公告，7月底就注销老域名行不行", ["不可以", "8月10日"], ["是的"]),
    ("县里是2月21号转发州里那个文件的吧", ["不对", "2019年2月19日"], []),
    ("州门户是 www.cxz.gov.cn，我们州民政局想用 mzj.cxz.gov.cn，符合吗", ["mzj.cxz.gov.cn 符合"], ["www.cxz.gov.cn 不合规"]),
    ("提醒通知是依据州里自己排查的结果发的吧", ["不对", "省政府办公厅"], ["是的"]),
    # round 33's classes in our own words
    ("持有者要从县档案局改成县政府办，跟联系人变更一样报备一下就行吧", ["还要经主管单位同意"], ["可以。"]),
    ("县里转发通知落款是2月19号，对吧", ["是的"], ["文件没有明确规定"]),
    # rounds 34–35's classes in our own words
    ("租的虚拟主机在香港节点，这种不算违规吧", ["不对，算违规"], ["是的"]),
    ("中文域名写成 xxx.政务 这种对吧", ["是的"], ["不对"]),
    ("姚安县林草局网站用 yalc.com，合规吗", ["yaoan.gov.cn"], ["wuding.gov.cn"]),
    ("持有者变更也是20个工作日内报备吧", ["没有规定"], ["是的"]),
    ("公告内容要写些啥", ["没有规定"], []),
    # round 36's classes in our own words
    ("我们的办事系统单独一个域名用着挺好，不用整合了吧", ["不对，需要"], ["是的"]),
    ("县旅游协会想借我们局的子域名 ly.wuding.gov.cn 用一阵，给他们用行不行", ["不可以"], ["是的"]),
    # round 38's class in our own words: a restated duty with 是这意思不
    ("栏目用同一级域名下的路径，不单独开域名，是这意思不", ["是的"], ["不可以"]),
    # a set-up of several parts: a verdict on one part is not a verdict on the others
    ("网站服务器在州政务云机房，DNS解析找的一家个人小工作室，这样没问题吧", ["域名解析", "核实"], ["是的，没问题。", "符合要求。"]),
    ("服务器放在县里机房，CDN用的境外节点给国内用户加速，合规吧", ["不符合", "CDN"], ["符合要求。"]),
    # a domain registered before 55号: its change goes the 三（四） way, not up to the province
    ("县林业局2014年注册的域名要变更持有信息，是不是也要报省政府办公厅批、再由省里通知注册管理机构", ["不对", "上一级"], ["是的"]),
    ("以前注册的老域名改联系人，得走州里到省里那一整套吧，最后省政府办公厅通知国家域名注册管理机构", ["不对", "注册机构"], ["是的"]),
    # round 40's classes in our own words: an institution named by its name, its functions not said
    ("县科技馆打算用 kjg.wuding.gov.cn，应该没问题吧", ["要看", "是否承担行政职能"], ["可以。"]),
    ("州博物馆网站能不能用gov.cn结尾的域名", ["要看", "是否承担行政职能"], ["不可以。"]),
    ("我们是县融媒体中心，想申请 rmt.wuding.gov.cn", ["不合规", "不承担行政职能"], ["可以。"]),
    # a resolution provider without the abilities 五（三） asks, whatever its price
    ("DNS找了家收费很低的公司，没有防攻击能力，先凑合用行吧", ["不可以", "抗攻击"], ["是的"]),
    ("解析服务商没得容灾能力，问题不大吧", ["不", "抗攻击"], ["是的"]),
    # the filings kept after the domain is gone
    ("域名注销以后公安备案标识先保留着，可以吧", ["不可以", "注销"], ["是的"]),
    ("老网站域名已经注销掉了，备案那些也不用去动了吧", ["不对", "注销"], ["是的"]),
    # rounds 41–42's classes in our own words: a correct sequence said with 然后 is not a reversed order
    ("新域名上线后先在首页公告三个月 然后才能注销旧的 这么理解对吧", ["是的"], ["不对"]),
    # a Chinese domain with another Chinese suffix (.政府 is a real suffix too)
    ("中文域名就写成 禄丰市人民政府.政府 是吧", ["不", ".政务"], ["是的"]),
    # an order claimed with 先…再 across a phone's space
    ("我们准备先把旧域名停掉 再申请新的规范域名", ["顺序"], ["是的"]),
    # dialect: 莫得 (没有), 差好多天 (差多少天), a closing 不 that asks, 哪个 (谁) before a role's verb
    ("不承担行政职能的单位用gov.cn也莫得啥子问题噻", ["不"], ["是的"]),
    ("县里截止日跟州里截止日差好多天", ["15天"], []),
    ("四月二号才把清理情况报到县里 还来得及不", ["来不及"], []),
    ("这个方案是哪个同意的", ["州人民政府"], []),
    # a day told in Chinese numerals
    ("县里转发通知是二月十三号发的吧", ["不对", "2月19日"], ["是的"]),
    # a body doing a step alone, and a body the documents do not name for it
    ("复查就是州政府办一家牵头弄的嘛", ["不对", "会同"], ["是的"]),
    ("复查是州委网信办一家牵头的吧", ["不对", "州政府办"], ["是的"]),
    # a change of holder asked who consents: the holder rule, not a registration route
    ("部门网站域名当初挂在外包公司名下，现在持有者要改回我们局，需要谁同意", ["主管单位"], ["主要负责人同意"]),
    # 有X没 asks whether the rule sets X
    ("DNS解析服务商方案里有要求没", ["有"], ["没有明确规定"]),
    # a report deadline claimed with no sender said: both deadlines, no verdict
    ("截止时间是3月20号，没错吧", ["3月5日", "3月20日"], ["不对"]),
    # a site's look is not the policy's
    ("网站首页的配色咋个弄好看", [], []),
    # an English yes/no tag after a statement
    ("The vendor wants our server in Tokyo, is that ok", ["No"], []),
    # rounds 43–44's classes in our own words: about a month (个把月) claimed for the 3-month notice
    ("新域名上线后公告挂一个来月就能注销老的了吧", ["不", "3个月"], ["可以。"]),
    # the sender named picks its own report deadline
    ("县级部门3月7号才报清理情况，算不算超期", ["3月5日"], ["3月20日"]),
    ("州级部门3月19号报的清理情况，按时吧", ["3月20日"], ["3月5日"]),
    # a portal's registered domain without www is kept; several of them: a main one, none cancelled
    ("县门户同时有 wd.gov.cn 和 wuding.gov.cn 两个，都正常用着，怎么处理", ["主域名"], ["按流程注销"]),
    # each clause's day set against the document that clause names
    ("州里的文2月13号印发 县里2月19号转发 我记得没错吧", ["是的"], ["不对"]),
    # the order of two dated steps asked with a closing 不
    ("复查截止日在州里报送截止之前不", ["是的"], []),
    ("提醒通知那个期限比县里转发早还是晚", ["晚1天"], []),
    # silences: how long unused counts as idle; how many days after the notice ends
    ("域名多久不用就算闲置了", ["没有规定"], []),
    ("公告满3个月以后几天内必须把旧域名注销", ["没有规定"], []),
    # numbered asks after spaces, and a date asked beside another part
    ("1 CDN有啥要求 2服务器能不能放国外", ["CDN", "不得放在境外"], []),
    ("县里的转发通知哪天发的 发文单位是哪个", ["2月19日", "武定县人民政府办公室"], []),
    # rounds 45–46's classes in our own words: a deputy who 签个字 is not the unit's head
    ("部门网站要注销域名，分管副局长签个字就能报上去了吧", ["不", "主要负责人"], ["是的"]),
    # a registrar contacted on one's own, for a route that goes up through an office
    ("县门户要注册新的规范域名，县政府办直接找注册商办就行吧", ["不", "州政府办"], ["可以。"]),
    # an institution named as the one who said it is not the unit asked about
    ("县融媒体中心的老王说部门网站域名要报县政府办审核，是这样吧", ["本级人民政府办公室"], ["是否承担行政职能"]),
    # the document named, then the deadline it sets claimed
    ("听说县里转发的通知是要求3月10号之前报县政府办，是这样子的不", ["不对", "3月5日"], ["是的"]),
    # one document's day claimed beside both documents named
    ("县政府办转发州里那个方案的日子是2月13号吧", ["不对", "2月19日"], ["是的"]),
    # an order claimed across commas, with a statement between
    ("准备先停掉旧域名，再申请新域名，中间停几天问题不大，行吧", ["顺序"], ["是的"]),
    # silences: the report's form, a penalty for missing the deadline
    ("清理情况报上去有没有固定的表格模板", ["没有规定"], []),
    ("县级部门3月5号前没报上去会不会扣分", ["没有规定"], []),
    # a form sent (寄到) straight to the province
    ("部门网站申请表直接寄到省政府办公厅行不行", ["不", "本级人民政府办公室"], ["可以。"]),
    # rounds 47–48's classes in our own words: a structure written with placeholders is set against the one for
    # the kind of site named, whatever placeholders it uses
    ("县直部门的网站就用 www.□□□.gov.cn 这种吧", ["不", "○○○.□□□.gov.cn"], ["可以。", "是的"]),
    ("部门网站写成 www.单位简称.gov.cn 行吧", ["不", "○○○.□□□.gov.cn"], ["可以。"]),
    ("部门网站就按 xxx.xxx.gov.cn 这个样子来，对吧", ["是的"], ["不对"]),
    # a section chief signing is not the unit's head
    ("州直部门申请域名，办公室科长签个字就能往上报了对吧", ["不对", "主要负责人"], ["是的"]),
    # a Chinese domain with a department's name and no place
    ("县人社局的中文域名就叫 人社局.政务 可以吧", ["不", "武定县人社局.政务"], ["是的"]),
    # dialect: 搞得不 (行不行), 找哪个 (找谁), 早好多天 (早多少天), 是好久 (是什么时候)
    ("服务器租到新加坡去，搞得不", ["不可以"], []),
    ("清理情况报县里，联系人找哪个", ["张晓霞"], []),
    ("复查截止比州里报送截止早好多天", ["20天"], []),
    # a penalty for not putting things right: silent, never refused
    ("到时候没整改完会不会被问责", ["没有规定"], []),
    # rounds 49–50's classes in our own words: a structure told in words before .政务 is no domain to check
    ("中文域名就是把单位的规范简称后面接上.政务 对吧", ["是的"], ["不合规"]),
    # marks kept after the domain is gone, asked 要弄不 (要不要弄)
    ("老域名销了，首页那个公安备案号还挂着的，要管不", ["需要"], ["不需要"]),
    # the body that takes part claimed as the lead
    ("复查是州公安局牵头，州政府办配合的，对吧", ["不对", "州政府办牵头"], ["是的"]),
    # a year in two digits
    ("20年3月2号换的联系人，最晚哪天报备", ["2020年"], ["2026年"]),
    # rounds 51–52's classes in our own words: the office's section claimed against the one named
    ("清理情况交县政府办办公室秘书股就行了吧", ["不", "电子政务网络管理股"], ["可以。", "是的"]),
    # a placeholder written as words of any kind before the dot
    ("门户网站用 www.县名拼音.gov.cn 这个样子，对不", ["是的"], ["不对"]),
    # 点头 as consent; 档案 in a unit's name is no other system
    ("持有者变了要主管单位点头才行吧", ["是的"], ["没有明确规定"]),
    ("县档案馆网站的服务器想放到日本去", ["境外"], []),
    # a unit that says it does not do approvals or enforcement has no administrative functions
    ("我们是县水利站，事业单位，不负责审批执法，网站用 slz.wuding.gov.cn 要改吗", ["不承担行政职能"], ["承担行政职能的，按部门网站结构执行"]),
    # an old domain left behind after moving to a new one: its course, not a check
    ("我们局已经换到新的规范域名了，原来的 wdjtj.net 怎么办", ["公告3个月", "注销原域名"], ["应申请规范域名"]),
    # sections: 二、（五）和（六）; a part by its title and an item by its number
    ("二、（一）和（二）各说了啥", ["二（一）", "二（二）"], []),
    ("注册注销流程那部分的第四条讲的啥", ["三（四）"], []),
    # silences: monitoring tools, a short name's length, a registration's term
    ("监测域名被劫持要用什么工具", ["没有规定"], []),
    ("规范化简称可以几个字", ["没有规定"], []),
    ("政府网站的域名一次续费几年", ["没有规定"], []),
    # rounds 53–54's classes in our own words: what a provider said of itself (人家说没…) is its state, not others' practice
    ("解析商自己讲没得啥子防攻击能力，用起也没事吧", ["不"], ["是的"]),
    # a domain handed over by an institution: 二（六）, whatever the institution's kind
    ("我们研究所有个空着的gov.cn域名，借给合作企业用用行不", ["不可以"], ["是否承担行政职能"]),
    # an event described with a longer stretch before its deadline word
    ("州里印发方案到各县市交清理情况的最后期限，一共几天", ["35天"], []),
    # English: rented hosting, a tag sentence after a full stop
    ("We rent a cloud server with nodes in Tokyo. is that allowed", ["No"], []),
    # rounds 55–56's classes in our own words: a document number written with 年
    ("县里那个文是武政办函2019年11号吧", ["不对", "武政办函〔2019〕1号"], ["是的"]),
    # two deadlines claimed in clauses apart after a day without 日
    ("县里要求3月5号前报 州里的截止是3月20 没错吧", ["是的"], ["不对"]),
    # a portal's route asked: not a department's
    ("县门户网站域名要注销，州政府办直接交给国家域名注册管理机构就行了吧", ["不", "上一级人民政府办公室"], ["州人民政府门户网站"]),
    # several domains, one compliant with the place's name: a registered one with another name is not kept
    ("县门户同时挂着 www.wuding.gov.cn 和 wdxzf.gov.cn，怎么办", ["wdxzf.gov.cn 按流程注销"], []),
    # a company hired for a service the rules set terms for is not the company's own site
    ("DNS想找一家小公司做，便宜，可以吗", ["抗攻击"], []),
    # the order of cancelling and the new domain, with words between 老的 and 域名
    ("先把旧的那个不规范域名停了再申请新的行不行", ["顺序"], []),
    # the cost said, not asked
    ("域名闲着就闲着吧，又不花多少钱", ["不"], ["没有规定费用"]),
    # 要求些啥 asks a section's content
    ("加强安全防护那条要求些啥", ["五（三）"], []),
]
ROUNDS_NINE_ON = (ROUND_NINE + ROUND_TEN + ROUND_ELEVEN + ROUND_TWELVE + ROUND_THIRTEEN + ROUND_FOURTEEN
                  + ROUND_FIFTEEN + ROUND_SIXTEEN + ROUND_SEVENTEEN)


def test_classes_of_rounds_nine_on_are_listed_once():
    questions = [q for q, _, _ in ROUNDS_NINE_ON]
    assert len(questions) == len(set(questions))


@pytest.mark.parametrize("question, present, absent", ROUNDS_NINE_ON)
def test_classes_of_rounds_nine_on(question, present, absent):
    answer = ask(question)
    if not present:  # another subject: refused
        assert not answer.in_scope, answer.lead
        return
    lead = answer.lead
    assert [t for t in present if t not in lead] == [] and [t for t in absent if t in lead] == [], lead
