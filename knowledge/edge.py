"""The policy's edge: questions about sites the documents do not govern (a person's, a company's), about
another province's or prefecture's rules, or about general IT get a short refusal that says what the
documents do cover, instead of the nearest clause.

The documents govern the government websites of 楚雄州 (forwarded by 武定县): a qualifier such as 个人,
公司 or another place's name changes the answer, so it decides before any clause is ranked."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from knowledge.facts import FOREIGN
from knowledge.locations import hosting_locations
from knowledge.places import divisions
from knowledge.text import ASKING
from knowledge.units import parse_unit

COVERS = "这两份文件只管楚雄州（武定县转发）政府网站域名的清理：域名结构、注册注销流程、报送期限和联系人等，这些可以问我。"

_PERSONAL = re.compile(r"个人(网站|博客|站点|主页|工作室|的网站|的博客|开的|注册的|备案|名义)|私人|工作室|博客|自媒体|身份证|"
                       r"(我|本人)?个人[^，。？]{0,4}(想|要|打算|准备)?[^，。？]{0,4}(注册|开|做|建|买|购买)[^，。？]{0,8}(网站|域名|博客|站|[a-z0-9-]*\.[a-z])", re.IGNORECASE)
_COMPANY = re.compile(r"(公司|企业|集团|厂|店)(的)?(网站|官网|域名|之间|邮箱|备案|网店|服务器)|网店|淘宝|电商|外贸|商城|店铺|商家|跨境|创业|startup|my company|our company")
# A company or shop as the subject of a site, a domain or a filing, words apart (有家食品企业要给官网办ICP备案), when
# nothing says a government site is meant and the company is not a vendor working for one (建站公司, 服务商).
_COMPANY_SUBJECT = re.compile(r"(公司|企业|集团|厂|店|商户|个体户|餐馆|民宿|诊所)[^，。？]{0,10}(网站|官网|网址|域名|备案|icp)", re.IGNORECASE)
_GOVERNMENT_SIDE = re.compile(r"政府网站|门户网站|部门网站|政府部门|政府的网站|党政|机关|事业单位|gov\.cn|\.政务|我们局|本局|我局|局里|我们单位|本单位|委员会|"
                              r"外包|建站|运维|服务商|供应商|承建|代理|技术公司|网络公司|托管", re.IGNORECASE)
# a government unit named as the site's owner (我们局网站, 县农业农村局), and a company as its vendor (找公司注册的,
# 挂在公司服务器上): the site is the unit's
_GOV_UNIT = re.compile(r"[县州市乡镇区](?:[\u4e00-\u9fff]{0,8})(局|委|办|政府|中心)(?!长)|局里?的?(网站|域名)|政府网站|门户|我们局|本局|单位网站|政务云")
_VENDOR = re.compile(r"(找|请|委托|外包给?|交给)[^，。？]{0,6}(公司|工作室|服务商)|公司(的)?(服务器|机房|代注册|代办|帮忙注册)|(外包|建站|网络|技术|运维)的?公司|公司注册的|"
                     r"(帮|给|为)[^，。？]{0,10}(建站|做网站|运维)的?(公司|外包)")
_DOMAIN_STRING = re.compile(r"[a-z0-9-]+\.(gov\.cn|cn|com|net|org)(?![a-z])", re.IGNORECASE)
_EXAMPLE = re.compile(r"(比如|例如|譬如|好比)(?=[县市州区乡镇])")
_DOCUMENTS_ASKED = re.compile(r"(文件|方案|通知|政策)[^，。？]{0,4}(有没有|有|提到|提没提|说没说|要求|规定|咋说|怎么说|说了啥|说什么)")
_GENERAL_IT = re.compile(
    r"(?<![a-z0-9])(nginx|apache|iis|tomcat|https(?!://)|ssl|tls|seo|app|wifi|301|302)(?![a-z0-9])|跳转|排名|挂马|木马|病毒|黑链|生效|edu\.cn|org\.cn|"
    r"收不到信|收不到邮件|邮箱满|发不出去|退信|邮箱密码|邮箱容量|"
    r"注册商|便宜|价格|多少钱|收费|费用|交税|翻译|微信|公众号|安卓|苹果|路由器|宽带|打印机|电脑|密码|"
    r"邮箱注册|企业邮箱|服务器配置|端口|防火墙|数据库|源码|(?<!单独)(?<!独立)建站|购买|(?<![a-z])(cpu|gpu|vpn)(?![a-z])|内存|占用|卡顿|宕机|重装|装系统|漏洞|补丁|修复",
    re.IGNORECASE)
# Places the documents are about (楚雄州 and its counties, 云南 as the province whose plan they follow)
# and names that are 境外 examples in the hosting rules, not other governments' rules.
# Other subjects that share a word with the policy: other government channels, a site's content, other
# filings and reports. Scope is what the question is about: without a domain in it, these are other topics.
_OTHER_TOPICS = (
    (re.compile(r"微博|公众号|微信号|视频号|抖音|快手|头条号|新媒体|客户端|服务号|订阅号"), "政务新媒体账号",
     re.compile(r"域名|网址|gov\.cn|\.政务", re.IGNORECASE)),
    (re.compile(r"新闻稿|稿件|文章|错别字|内容审核|内容更新|更新内容|内容保障|信息发布|发布信息|更新频率|多久更新|更新一次|栏目更新|信息更新|"
                r"不更新|没更新|更新不及时|留言|回复|办件|互动|咨询答复|领导信箱|信箱回复|版权声明|党徽|国徽|无障碍|适老化|访问量|浏览量|点击量|上架|办事事项|"
                r"政务公开|(更新|发布)[^，。？]{0,4}(多少|几)条|信息量"),
     "网站内容和互动", re.compile(r"域名|网址|gov\.cn|\.政务|解析|备案|icp|服务器|cdn|清理情况|注销|审核|审批|"
                                r"[a-z0-9-]+\.(cn|com|net|org)(?![a-z])", re.IGNORECASE)),  # a domain named: its column's domain
    # a site's look (配色, 版式, 好看): its design, not its domain
    (re.compile(r"配色|版式|排版|页面设计|界面设计|美观|好看|字体|颜色|风格|布局|ui设计|首页设计", re.IGNORECASE), "网站页面设计",
     re.compile(r"域名|网址|gov\.cn|\.政务|解析|备案|icp|服务器|cdn|注销|[a-z0-9-]+\.(cn|com|net|org)(?![a-z])", re.IGNORECASE)),
    # filing a new site (ICP备案 in the ministry's system): the documents only cancel filings after a domain goes
    (re.compile(r"((?<![府信编公])办理?|申请|首次|新网站|新站)[^，。？]{0,6}(icp|公安|网站)?备案|备案系统|(icp|备案)[^，。？]{0,6}(第一次|首次|初次)|"
                r"(icp|备案)[^，。？]{0,10}(要准备|准备哪些|什么材料|哪些材料|怎么办理|审核多久|多久能下来)", re.IGNORECASE),
     "新网站的备案办理", re.compile(r"注销|撤销|取消|清理|闲置|复查|下线|联系人|持有者|变更")),
    # … unless it is this clean-up's own report that is asked about (逾期没报清理情况会被考核扣分吗: a silent point)
    (re.compile(r"年度报表|年报|工作报表|统计报表|绩效|考核|测评|考评|普查表|信息公开(?!发布)|依申请公开|政府信息公开|等级保护|等保"), "其他报表和考核",
     # (…3月5号前没报上去，会不会扣考核分: the clean-up's own deadline missed — a point the documents leave open)
     re.compile(r"清理情况|域名清理|域名解析|解析服务|服务器|虚拟空间|cdn|\d+月\d+[日号]前[^，。？]{0,6}没|没报|逾期|超期", re.IGNORECASE)),
)
_POLICY_SUBJECT = re.compile(r"域名|网址|gov\.cn|\.政务|解析|备案|icp|服务器|cdn", re.IGNORECASE)
# The policy's object: what a question must be about when its subject is another one. A government site's domain
# (its name, registration, cancellation, change, notice, filings after cancellation), its resolution, hosting
# and CDN, hijack and impersonation, the clean-up (its steps, reports, dates, contact) and the two documents.
# Office words (县政府办, 网站, 栏目, 备案, 服务器, 审核, 发布) are shared with other subjects and are not in it.
_OBJECT = re.compile(r"域名|网址|gov\.cn|\.政务|\.中国|解析|cdn|内容分发|托管|虚拟空间|云空间|虚拟主机|云主机|劫持|冒名|冒用|仿冒|假冒|境外|"
                     r"清理|注销|联系人|张晓霞|电子政务网络管理股|楚政办函|武政办函|方案|转发|icp|网站标识|注册标识|公安备案|主域名|"
                     r"复查|整改通知|提醒通知|公告3个月|公告三个月|[a-z0-9-]+\.(cn|com|net|org)(?![a-z])", re.IGNORECASE)
# Subjects of their own that share office words with the policy: with none of the policy's object in the
# question, the question is about them (a school's news, service items, the machine room, office chores).
_OTHER_SUBJECTS = (
    (re.compile(r"政务服务事项|服务事项|事项清单|办事指南|一网通办|认领|政务服务中心|办事窗口|窗口|好差评|12345|热线|工单|挂号|医保|"
                r"审批系统|办件"), "政务服务事项和办事系统"),
    (re.compile(r"新闻|稿|招生|简章|轮播|图片|视频(?!会议)|会议纪要|纪要|解读|专栏|(栏目|专题)[^，。？]{0,8}(内容|组织|策划|维护)|"
                r"内容[^，。？]{0,4}(组织|审核|审查|发布|签字|把关|更新)|(发布|审核)[^，。？]{0,4}内容|三审|签发|转载|链接失效|错链|死链|"
                r"几审|审几遍|审核几次|访谈|直播|(栏目|专栏|专题|页面)[^，。？]{0,4}(怎么做|怎么设置|怎么建|建设|开设|设计)|设计风格|版面"),
     "网站内容和互动"),
    (re.compile(r"空调|温度|温湿度|湿度|ups|电源|电池|硬盘|网线|交换机|打印机|电脑|杀毒|视频会议|消防|灭火器|食堂|饭卡|机柜|防雷|停电|"
                r"显示器|投影|摄像头|门禁|发电机|散热", re.IGNORECASE), "机房设备和办公设施"),
    (re.compile(r"招聘|考试|报名|考核表|公务员|采购|招标|工资|报销|请假|年假|职称|培训班|值班"), "人事、采购和办公事务"),
    (re.compile(r"ip地址|外网|内网|wifi|校园网|宽带|专网|网速|vpn", re.IGNORECASE), "网络接入"),
    (re.compile(r"(单位|政务|工作|办公|个人|公务)邮箱[^，。？]{0,10}(申请|开通|注册|换|迁|密码|登录|容量)|邮箱(怎么)?(申请|开通|注册|密码|登录|容量)"),
     "电子邮箱服务"),
    (re.compile(r"大数据|数据(共享|上报|对接|治理|归集)|政务云(?![^，。？]{0,6}(网站|域名))|云资源|公文|(?<![a-z])oa(?![a-z])|档案(?!局|馆)|数字化|账号|"
                r"(系统|平台)[^，。？]{0,4}(怎么用|怎么登录|怎么对接|开通|操作)", re.IGNORECASE), "其他信息系统和数据"),
)
# Buying and selling domains for profit, by a person or a company: not a government site's duty (the policy
# only forbids handing a government domain over, 二（六）).
_TRADE = re.compile(r"(倒卖|转卖|转手|卖掉|出售|买卖|炒|赚钱|投资|抢注|收几个|收购)[^。？]{0,12}域名|域名[^。？]{0,12}(倒卖|转卖|转手|卖掉|出售|买卖|赚钱|投资)")
_SOMEONE_ELSE = re.compile(r"(朋友|同学|亲戚|表哥|表姐|表弟|表妹|我姐|我哥|我弟|我妹|我爸|我妈|家里人|家人|老婆|老公|我自己|给自己|熟人|邻居)"
                           r"[^。？]{0,8}(公司|网站|网址|域名|博客|店|官网)")
_GOVERNMENT = re.compile(r"政府|机关|部门|单位|局|委|办公室|政务")
# A cost or a vendor asked about the policy's own subject is a point the documents leave open, not general IT.
_COST = re.compile(r"多少钱|收费|费用|价格|便宜")
_GOV_SITE = re.compile(r"政府网站|政府门户|gov\.cn|\.政务|部门网站|域名", re.IGNORECASE)
# the policy's own acts on a domain: a question about one is the policy's, whatever technical word it has
_POLICY_ACT = re.compile(r"(域名|网址|[a-z0-9-]+\.[a-z0-9.-]*[a-z])[^，。？]{0,12}(注销|注册(?!商)|备案|变更|报备|公告|清理|审核|审批|迁移)"
                         r"|(注销|注册(?!商)|备案|变更|报备|公告|清理)[^，。？]{0,12}(域名|网址)"
                         # handing a domain over (转给, 借给, 给…用) or leaving it idle: 二（六）, whatever is built on it
                         r"|(域名|网址)[^。？]{0,16}(转给|转让|借给|送给|过户|给[^，。？]{0,8}用|闲置|闲着|空着|下线)"
                         r"|(闲置|闲着|空着)[^，。？]{0,6}(域名|网址)")
# what 五（三） asks of a resolution provider (应急灾备、抗攻击), whatever the price or vendor said beside it
_PROVIDER_ABILITY = re.compile(r"抗攻击|防攻击|灾备|容灾|高防|(抗|防)[^，。？]{0,2}(攻击|ddos)能力", re.IGNORECASE)
_HIRED_SERVICE = re.compile(r"(用|找|换|选|委托)[^，。？]{0,10}(公司|服务商|厂商)[^，。？]{0,4}的?[^，。？]{0,4}(dns|解析|cdn|虚拟空间|虚拟主机|云主机|服务器)", re.IGNORECASE)
_HOSTING = re.compile(r"cdn|内容分发|解析|节点|虚拟空间|虚拟主机|云主机|云空间|服务器|机房", re.IGNORECASE)
_WHERE = re.compile(r"境内|境外|国内|国外|海外|" + FOREIGN)
_HOME_PREFIXES = ("5323", "530000")
_NOT_A_PLACE = {"香港", "澳门", "台湾", "台北", "高雄", "台中", "台南", "桃园", "阿里", "中山", "大同", "日照",
                "安康", "来宾", "长治", "兴安", "新北", "和田", "定西", "白银", "金昌", "朝阳", "海东", "海西",
                "海北", "南平", "吉安", "永州", "通化", "四平", "资阳", "三沙", "山南", "黄山", "白山", "宝山", "普洱",
                "全州", "会同", "通道", "大方", "东方", "新建", "城区", "长安", "永定", "安定", "和县", "和平"}
# 全州: the whole prefecture in these documents (全州政府网站), not 广西's county; 会同: "together with" in the
# plan's 复查 (会同州委编办), not 湖南's county; the others are common words too
# a numeral or demonstrative and the measure word after it (一个, 这台, 各项) make one phrase: a place never starts
# at its measure word
NUMERALS = frozenset("一二两三四五六七八九十百几这那每某哪各半整多本该此")
MEASURES = frozenset("个只件份条项家张本台位名次批套块所座间栋层段种类样把根支双对些点级")
_FUNCTION_CHARS = frozenset("成和到在给由向从是为改去回把让对与跟同及或报交送归")
_SUFFIX_AFTER = "省市州县区的"
# words whose last character opens a place name (清理 + 县 is not 理县)
_WORDS_ENDING = frozenset("清理 处理 管理 办理 整理 代理 治理 受理 审理 协理 报送 上报 呈报 转报 办公 注销 备案 公告 审核 同意".split())


@lru_cache(maxsize=1)
def _common_word_stems() -> frozenset[str]:
    """Place stems that are mostly ordinary words (合作, 通道, 资源): generated from jieba's dictionary by
    scripts/build_common_word_stems.py."""
    text = (Path(__file__).parent / "data" / "common_word_stems.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _words_holding_stems() -> tuple[str, ...]:
    """Ordinary words that hold a county's stem (一视同仁 holds 同仁, 光合作用 holds 合作): generated from jieba's
    dictionary by scripts/build_common_word_stems.py."""
    text = (Path(__file__).parent / "data" / "words_holding_place_stems.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line and not line.startswith("#"))


def _inside_word(question: str, start: int, end: int) -> bool:
    """Whether question[start:end] lies inside an ordinary word that holds it (方案一视同仁: not 同仁县)."""
    for word in _words_holding_stems():
        at = question.find(word, max(0, start - len(word) + 1))
        while at != -1 and at < end:
            if at <= start and end <= at + len(word):
                return True
            at = question.find(word, at + 1)
    return False


@lru_cache(maxsize=1)
def _places() -> tuple[dict[str, bool], int, frozenset[str]]:
    """Name or stem -> whether it is one of the documents' own places."""
    index: dict[str, bool] = {}
    for place in divisions().by_code.values():
        home = place.code.startswith(_HOME_PREFIXES[0]) or place.code == _HOME_PREFIXES[1]
        for name in (place.name, place.stem):
            if len(name) >= 2 and name not in _NOT_A_PLACE:
                index[name] = index.get(name, False) or home
    provinces = frozenset(p.stem for p in divisions().by_code.values() if p.level == "province")
    return index, max(len(n) for n in index), provinces


@lru_cache(maxsize=16)
@lru_cache(maxsize=64)
def _region_place(region: str):
    """The place a region names, with the places enclosing it (most specific first); None when it names none.
    Names and stems count (贵州毕节威宁县); of the places named, the one whose enclosing places are also written wins
    (威宁县 of 贵州 and 毕节, not 甘肃's 宁县), then the most specific."""
    if not region:
        return None
    table = divisions()
    depth = {"province": 0, "prefecture": 1, "county": 2}
    found = [p for p in table.by_code.values()
             if p.name in region or len(p.stem) >= 2 and p.stem in region]
    if not found:
        return None

    def support(place) -> int:
        return sum(1 for q in table.enclosing(place) if q.name in region or len(q.stem) >= 2 and q.stem in region)

    best = max(found, key=lambda p: (support(p), depth.get(p.level, 3), p.name in region, len(p.name)))
    return [best, *reversed(table.enclosing(best))]


def home_places(region: str) -> frozenset[str]:
    """The names and stems of the office's region (`/region`, BOT_REGION) and the places enclosing it:
    湖北省恩施土家族苗族自治州利川市 → 利川市, 利川, 恩施州 …, 湖北省. Its questions are home questions."""
    chain = _region_place(region)
    return frozenset(n for p in chain or () for n in (p.name, p.stem, p.short) if len(n) >= 2)


@lru_cache(maxsize=16)
def superiors(region: str) -> tuple[str, ...]:
    """The office's place and the places above it, most specific first, when the region lies outside 楚雄州:
    湖北省恩施土家族苗族自治州利川市 → (利川市, 恩施土家族苗族自治州, 湖北省). Empty for 楚雄's own places."""
    chain = _region_place(region)
    if not chain or chain[0].code.startswith(_HOME_PREFIXES[0]):
        return ()
    return tuple(p.name for p in chain)


def _names_unit(text: str) -> bool:
    """Whether text opens with a unit's name (县公安局, 县编办, 县政府办…, up to the next 和/、/punctuation)."""
    head = re.split(r"[和与及跟、，,。？?！!；;\s]", text, maxsplit=1)[0][:12]
    return any(parse_unit(head[:k]).kind is not None for k in range(len(head), 2, -1))


def _other_place(question: str, home_region: frozenset[str] = frozenset()) -> str | None:
    index, longest, provinces = _places()
    n = len(question)
    # where a server or node is (节点在杭州, 放到北京的机房): a location for 五（三）, not another government's rules
    located = {i for loc in hosting_locations(question) for i in range(loc.start, loc.end)}
    i = 0
    while i < n:
        if i in located:
            i += 1
            continue
        for size in range(min(longest, n - i), 1, -1):
            word = question[i:i + size]
            home = index.get(word)
            if home is None:
                continue
            full_name = word in divisions().by_name
            # 的 after a stem makes it a place (丽江的) unless the stem is mostly an ordinary word (合作的网络公司)
            after = _SUFFIX_AFTER[:-1] if word in _common_word_stems() else _SUFFIX_AFTER
            followed = i + size < n and question[i + size] in after
            if size == 2 and word[0] in _FUNCTION_CHARS and word[1] in "县市区州":
                break  # 改成县融媒体中心, 截止日和县里: a verb or conjunction before 县, not 成县 or 和县
            if i and question[i - 1:i + 1] in _WORDS_ENDING and word[1:2] in "县市区州":
                break  # 清理县政府办的…: 清理 and 县, not 理县
            if full_name and word[:-1] in _NOT_A_PLACE and i + size < n and _names_unit(question[i + size - 1:]):
                break  # 会同县公安局, 会同县编办: 会同 (together with) and a county unit, not 湖南's 会同县
            if not full_name and _inside_word(question, i, i + size):
                break  # 一视同仁: an ordinary word holding the stem, not 同仁县
            if i and question[i - 1] in NUMERALS and word[0] in MEASURES:
                break  # 一个旧的域名, 各项城市, 一台州里的服务器: a measure word after its numeral, not 个旧 or 项城
            if not home and word not in home_region and (full_name or followed or word in provinces):
                return word
            if home is not None:
                i += size - 1
                break
        i += 1
    return None




def asked_segments(question: str) -> list[str]:
    """The clauses of a message that ask (…，事项清单要怎么梳理？要上线多少个事项), not the ones that set the scene."""
    parts = [p for p in re.split(r"[，,。？?！!\n；;]", question) if p.strip()]
    marked = re.split(r"(?<=[？?])", question)
    asking = [p for p in parts if ASKING.search(p)]
    if not asking and marked:
        asking = [marked[0]]
    return asking


def warm() -> None:
    _places()
    _common_word_stems()


# the asker's own place, said of themselves (我是贵州省毕节市七星关区政府办的, 我们利川市…)
_SPEAKER_PLACE = re.compile(r"(?:我是|我们是|我们|咱们|俺们|这边是|^\s*(?:你好|您好|领导好)?[，,!！\s]*(?![我咱俺这]))([^，,。？?！!、\s]{2,24})")
# a message opening with a place and an office (广西百色凌云县网信办的，…): the sender's own
_OFFICE_END = re.compile(r"(办|局|委|政府|中心|办公室)(的)?$|[县市区旗]的$")  # 大理州宾川县的，我们县…


def names_policy_object(read: str, typed: str) -> bool:
    """Whether the reading of a question (typos corrected) names the policy's object where the typed words do not."""
    return bool(_OBJECT.search(read)) and not _OBJECT.search(typed) and not re.search(r"[A-Za-z]{3,}", typed)  # a Chinese typo


def declared_region(question: str) -> str:
    """The place outside 楚雄州 an asker says is their own, with its unit (贵州省毕节市七星关区政府办), or ''. An
    office there asks how the rules apply to it: its place is home for that question, as /region makes it."""
    for match in _SPEAKER_PLACE.finditer(question):
        text = match.group(1)
        place = _other_place(text)
        opening = not re.search(r"我|咱|俺|这边", match.group(0))
        opens_with = _place_names(text)  # (曲靖会泽县政务办的: the place found may be the second of the run)
        if place and (text.startswith(place) or place in opens_with) and _GOV_UNIT.search(question) \
                and (not opening or _OFFICE_END.search(text)):
            named = opens_with or place
            chain = superiors(named)  # 湖北利川市 → 湖北省恩施土家族苗族自治州利川市: the full names, as /region has them
            # (贵州毕节威宁县 must not become 甘肃's 宁县: the province found must be the one written)
            return "".join(reversed(chain)) if chain and any(p[:2] in text for p in chain[1:]) else named
    return ""


def _place_names(text: str) -> str:
    """The run of place names text opens with: 贵州省毕节市七星关区政府办的 → 贵州省毕节市七星关区."""
    index, end = _places()[0], 0  # full names and stems (红河 of 红河哈尼族彝族自治州)
    while True:
        found = next((k for k in range(min(12, len(text) - end), 1, -1) if text[end:end + k] in index), 0)
        if not found:
            return text[:end]
        end += found
        if end < len(text) and text[end] in "省市州县区盟旗" and text[end - 1] not in "省市州县区盟旗":
            end += 1  # 红河州: a stem and its level


def refusal(question: str, region: str = "") -> str | None:
    """A friendly refusal when the question is beyond the documents' edge, else None. Places of the office's
    own region (`region`) are home: the documents' rules are what it applies."""
    q = question.lower()
    vendor_of_unit = _VENDOR.search(q) and _GOV_UNIT.search(q)  # 局里网站是外包公司注册的，挂在公司服务器上
    # 想用一家小公司的免费DNS解析: a company hired for a service 五（三） sets terms for, not the company's own site
    vendor_of_unit = vendor_of_unit or bool(_HIRED_SERVICE.search(q))
    if _PERSONAL.search(q) and not vendor_of_unit:  # 局里网站的解析找的一家个人小工作室: the unit's vendor
        return f"个人网站不在这些文件的范围内，我没法按政策回答。{COVERS}"
    if (_COMPANY.search(q) or _COMPANY_SUBJECT.search(q) and not _GOVERNMENT_SIDE.search(q)) and not vendor_of_unit:
        return f"企业、公司的网站不在这些文件的范围内，我没法按政策回答。{COVERS}"
    if (_TRADE.search(q) or _SOMEONE_ELSE.search(q)) and not _GOVERNMENT_SIDE.search(q) and not _GOVERNMENT.search(q):
        # a friend's company reselling .com domains: the owner is not a government site
        return f"个人或企业的域名买卖、注册不在这些文件的范围内，我没法按政策回答。{COVERS}"
    place = _other_place(_EXAMPLE.sub("，", question), home_places(region))  # 比如县图书馆: "for example", not 比如县
    if place:
        return f"{place}的规定不在这些文件里，我只能回答楚雄州的政策。{COVERS}"
    for pattern, topic, guard in _OTHER_TOPICS:
        if pattern.search(q) and not (guard or _POLICY_SUBJECT).search(q):
            return f"{topic}的问题不在这两份文件的范围内。{COVERS}"
    hosted = (_HOSTING.search(q) or "网站" in q) and hosting_locations(question)  # 网站放在州政务云上: 五（三）
    if not _OBJECT.search(q) and not hosted:
        for pattern, topic in _OTHER_SUBJECTS:
            if pattern.search(q):  # the subject is another one; an office word shared with the policy does not make it ours
                return f"{topic}的问题不在这两份文件的范围内。{COVERS}"
    asked = asked_segments(q)
    if asked and not any(_OBJECT.search(a) for a in asked):
        for pattern, topic in _OTHER_SUBJECTS:  # 域名清理弄完了，下一步一网通办的事项清单怎么梳理: what is asked decides
            if any(pattern.search(a) for a in asked):
                return f"{topic}的问题不在这两份文件的范围内。{COVERS}"
    general = _GENERAL_IT.search(q)
    if general and _COST.fullmatch(general.group(0)) and _GOV_SITE.search(q) and not _GENERAL_IT.search(_COST.sub("", q)):
        general = None
    if general and (re.search(r"转给|借给|给[^，。？]{0,8}用|过户|转让", q) and (_DOMAIN_STRING.search(q) or "域名" in q)
                    or general.group(0) == "注册商" and re.search(r"部门网站|门户|政府网站|部门", q)):
        general = None  # 域名转给网络公司接着用, 部门网站找注册商注册: the policy's own acts, whoever is named
    if general and _DOCUMENTS_ASKED.search(q) and (_GOV_SITE.search(q) or "网站" in q):
        general = None  # 网站要不要上HTTPS，文件里有要求没: whether the documents say so — they are silent, and say it
    if general and (_HOSTING.search(q) and (_WHERE.search(q) or hosting_locations(question)) or _PROVIDER_ABILITY.search(q)):
        general = None  # CDN / 解析 / 节点 / 服务器 and where they are: 五（三）, whatever the vendor's words
    if general and general.group(0) == "注册商" and (_GOV_UNIT.search(q) or _GOVERNMENT_SIDE.search(q)) \
            and not _GENERAL_IT.search(q.replace("注册商", "")):
        general = None  # a government site's registrar is the policy's 注册机构 (三（四）)
    if general and _VENDOR.search(q) and _GOV_UNIT.search(q) and _DOMAIN_STRING.search(q):
        general = None  # 我们是帮县林草局建站的公司，局里用 wdlcj.net: the unit's domain, whoever asks
    if general and re.search(r"dns|解析", q) and re.search(r"公司|服务商|厂商|解析商|工作室", q):
        general = None  # DNS想找一家小公司做，便宜: the resolution provider 五（三） sets terms for, whatever its price
    if general and _POLICY_ACT.search(q):  # 用了https，证书要不要跟着域名一起注销: a duty of the policy, whatever the tool
        general = None
    if general:
        return f"这是一般的网络技术问题，不在政策文件的范围内。{COVERS}"
    return None
