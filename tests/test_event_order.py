"""Several dated events put in order (or each one's date asked) get all of them listed by date; a weekday and
the days between asked together get both. The wordings here are our own."""
import pytest

from knowledge.model import events_in
from knowledge.qa import ask

CX, WD, REMIND, REVIEW = "州政府办印发方案的日期", "县里转发通知的日期", "州政府办发提醒通知的期限", "复查的截止日"
COUNTY, PREFECTURE = "县里要求报送清理情况的截止日", "州里要求报送清理情况的截止日"
DAY = {CX: "2019年2月13日", WD: "2019年2月19日", REMIND: "2019年2月20日", REVIEW: "2019年2月28日",
       COUNTY: "2019年3月5日", PREFECTURE: "2019年3月20日"}


def _listed(*events: str) -> str:
    return "按时间先后：" + "→ ".join(f"{e}（{DAY[e]}）" for e in events) + "。"


@pytest.mark.parametrize("question,events", [
    # each description of a list is an event of its own: a stretch stops at 、 和 and at another event's word
    ("州里复查截止、县里转发通知、州里发提醒通知截止、县里报送截止", [REVIEW, WD, REMIND, COUNTY]),
    ("县级部门上报截止、发提醒的期限和武定转发那天", [COUNTY, REMIND, WD]),
    ("复查结束、乡镇报清理情况的最后一天、州里提醒的截止", [REVIEW, COUNTY, REMIND]),
    ("县里报州里的截止、州方案出台和提醒通知期限", [PREFECTURE, CX, REMIND]),
    ("州政府办公室报送截止和武定县报送的期限", [PREFECTURE, COUNTY]),
    ("州里下发提醒通知的期限", [REMIND]),  # 下发 of the reminder is not the plan's issue
])
def test_each_description_in_a_list_is_found(question, events):
    assert [f.event for f in events_in(question)] == events


@pytest.mark.parametrize("question,expected", [
    ("帮我按时间先后排一下：州里复查截止、县里转发通知、州里发提醒通知截止、县里报送截止，各是哪天",
     _listed(WD, REMIND, REVIEW, COUNTY)),
    ("县级部门上报截止、发提醒的期限和武定转发那天分别是哪天", _listed(WD, REMIND, COUNTY)),
    ("复查结束、乡镇报清理情况的最后一天、州里提醒的截止，哪个先", _listed(REMIND, REVIEW, COUNTY)),
    ("这三个日子：县政府办转发通知、州政府办公室报送截止、复查完成那天，给我捋一下时间线", _listed(WD, REVIEW, PREFECTURE)),
    ("县里报州里的截止、州方案出台和提醒通知期限，早晚怎么排", _listed(CX, REMIND, PREFECTURE)),
    # documents named bare stand for their dates in a list
    ("州里的方案、县里的通知、复查截止和县里截止排个序", _listed(CX, WD, REVIEW, COUNTY)),
    ("州里的文件、县里的文件和州里的截止各是哪天", _listed(CX, WD, PREFECTURE)),
])
def test_several_events_are_listed_in_date_order(question, expected):
    assert ask(question).lead.splitlines()[0] == expected


def test_a_list_carries_weekdays_and_its_span_when_asked():
    lead = ask("提醒通知、复查、县里截止、州里截止按顺序列一下，带上星期几").lead
    assert lead.startswith(f"按时间先后：{REMIND}（2019年2月20日，星期三）→ {REVIEW}（2019年2月28日，星期四）→ ")
    lead = ask("州里印发、县里转发、州里截止，依次是什么日期，首尾一共多少天").lead.splitlines()
    assert lead[0] == _listed(CX, WD, PREFECTURE) and lead[1].startswith("相隔35天（其中25个工作日）")


def test_two_events_keep_the_pairwise_answer():
    assert ask("州里印发方案和县里转发通知的先后顺序").lead.startswith(f"{CX}（2019年2月13日）在前")
    assert ask("州里的复查截止和县政府办要的报送截止，哪个在前？").lead.startswith(f"{REVIEW}（2019年2月28日）在前")


@pytest.mark.parametrize("question,weekdays,gap", [
    ("州方案印发那天是星期几？从那天到各县市报州政府办的截止日，总共多少天", ["州政府办印发方案是2019年2月13日，星期三。"],
     "相隔35天（其中25个工作日）"),
    ("复查截止是礼拜几，那天离县里报送截止还有几天", ["复查截止是2019年2月28日，星期四。"], "相隔5天（其中3个工作日）"),
    ("州里印发方案那天星期几，距离复查截止差几天", ["州政府办印发方案是2019年2月13日，星期三。"], "相隔15天"),
    # the weekday of one event, the days between two others
    ("县里转发是星期几？州里印发到州里截止多少天", ["县里转发通知是2019年2月19日，星期二。"], "相隔35天"),
    # both weekdays asked, then the gap
    ("县里转发和复查截止分别是星期几，隔了几天", ["县里转发通知是2019年2月19日，星期二。", "复查截止是2019年2月28日，星期四。"],
     "相隔9天（其中7个工作日）"),
])
def test_a_weekday_and_the_days_between_are_both_answered(question, weekdays, gap):
    lines = ask(question).lead.splitlines()
    assert lines[:len(weekdays)] == weekdays and lines[len(weekdays)].startswith(gap), lines


@pytest.mark.parametrize("question,english,chinese", [
    ("List in order the reminder deadline, the review deadline and the prefecture deadline",
     "In date order: February 20, 2019 → February 28, 2019 → March 20, 2019.", _listed(REMIND, REVIEW, PREFECTURE)),
    ("Put these in date order: the prefecture plan, the county notice, the review deadline and the county deadline",
     "In date order: February 13, 2019 → February 19, 2019 → February 28, 2019 → March 5, 2019.",
     _listed(CX, WD, REVIEW, COUNTY)),
    ("In what order do the review deadline, the county forwarding notice and the prefecture reporting deadline come?",
     "In date order: February 19, 2019 → February 28, 2019 → March 20, 2019.", _listed(WD, REVIEW, PREFECTURE)),
])
def test_an_english_list_in_date_order(question, english, chinese):
    assert ask(question).lead.splitlines()[:2] == [english, chinese]
