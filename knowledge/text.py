"""Text normalisation shared by the Q&A, the name parser and the domain checker, and the one cleaning every piece
of text a person types goes through where it enters (chat, conversations, imports, the command line)."""
from __future__ import annotations

import re
import unicodedata

# Yunnan and Sichuan tags that end a question and ask agreement like 吧 (…就得了撒, …对的噶, …才能办哈); only at the
# end of a message do they ask (哈尼族 is a name)
DIALECT_TAG = re.compile(r"(?<=[\u4e00-\u9fff])(噻|撒|哈|嘛|咯|噶|嘎|啵|哦|喔)(?=[？?。！!~～\s]*$)")

# The words that make a clause ask something (…啥时候报, 要不要改, 行不行？): one list for the Q&A, its scope
# reader and the chat router that tells a question from a bare unit name.
ASKING = re.compile(r"什么|啥|谁|哪|几|多少|多久|多长|怎|如何|咋|吗|吧|呢|嘛|要不要|是否|能否|能不能|可不可以|行不行|有没有|[?？]|"
                    r"发我|告诉我|说下|说一下|讲下|讲一下|"  # a request (…发我下) asks too
                    + DIALECT_TAG.pattern)
MAX_INPUT_CHARS = 4096  # Telegram's own message limit; longer input is cut, never processed whole.

_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
                      r"\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")

# What `clean_text` removes: C0 and C1 controls (newline and tab are kept where a text may have lines), DEL,
# bidi overrides, embeddings, isolates and marks (U+202A-202E, U+2066-2069, U+200E/F, U+061C), invisible
# zero-width characters (U+200B, U+2060-2064, U+FEFF; the joiners U+200C/D that scripts and emoji need are kept),
# lone surrogates and the noncharacters XML 1.0 cannot hold (U+FFFE, U+FFFF, U+FDD0-FDEF): any of them made a
# workbook, a CSV or a .docx impossible to write, or a line read backwards.
_UNSAFE = (r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e"
           r"\u2060-\u2064\u2066-\u2069\ufeff\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff")
_UNSAFE_MULTILINE = re.compile(f"[{_UNSAFE}]")
_PLANE_END = re.compile("[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U000efffe\U000effff"
                        "\U000ffffe\U000fffff\U0010fffe\U0010ffff]")


_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = "[〇零一二两三四五六七八九十]"
_CN_DATE = re.compile(rf"(?:([〇零一二三四五六七八九]{{4}})年)?({_CN_NUMBER}{{1,3}})月({_CN_NUMBER}{{1,3}})(日|号)")


_SHORT_YEAR = re.compile(r"(?<![\d年])([12]\d)年(?=\d{1,2}月)")


def _cn_value(written: str) -> int | None:
    """一 … 九十九 written in Chinese numerals (十五, 二十, 二十八, 三十一), else None."""
    if "十" not in written:
        return _CN_DIGITS.get(written) if len(written) == 1 else None
    tens, _, ones = written.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def arabic_dates(text: str) -> str:
    """Days written in Chinese numerals (三月四号, 二〇一九年二月十三日) in digits, and a year in two digits (19年) in four,
    as the date readers read them;
    anything that is not a plain day stays as written (periods, 三个月, are read in words already)."""
    def day(match: re.Match) -> str:
        month, dom = _cn_value(match.group(2)), _cn_value(match.group(3))
        if not month or not dom or month > 12 or dom > 31:
            return match.group(0)
        year = "".join(str(_CN_DIGITS[c]) for c in match.group(1)) + "年" if match.group(1) else ""
        return f"{year}{month}月{dom}{match.group(4)}"

    return _SHORT_YEAR.sub(r"20\1年", _CN_DATE.sub(day, text))  # 19年11月4号: 2019


def clean_text(text: object, limit: int = MAX_INPUT_CHARS, multiline: bool = True) -> str:
    """Text a person typed, made safe to store, show and write into any file: NFC; carriage returns become
    newlines; controls, bidi overrides, invisible zero-width characters and what XML cannot hold removed (newline
    and tab kept when `multiline`, else each becomes a space); cut to `limit` characters. Spaces are kept as typed
    (a note's layout is the writer's); everything else is left alone (full-width digits stay: that is `clean`)."""
    if text is None:
        return ""
    text = str(text)[: limit * 2 + 16]  # NFC never lengthens text by more than a few characters at a time
    if not (text.isprintable() and text.isascii()):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not multiline:
            text = text.replace("\n", " ").replace("\t", " ")
        text = _UNSAFE_MULTILINE.sub("", text)
        text = _PLANE_END.sub("", text)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    return text[:limit]


def is_clean(text: str, multiline: bool = True) -> bool:
    """True when `clean_text` would leave the text as it is (apart from the length)."""
    return clean_text(text, len(text) + 1, multiline) == text


def clean(text: str | None, limit: int = MAX_INPUT_CHARS) -> str:
    """NFKC, drop control and bidi-override characters, collapse spaces, cut to `limit`."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[: limit * 2])
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[:limit]


def compact(text: str | None) -> str:
    """`clean` without any spaces, lower case: for comparisons."""
    return clean(text).replace(" ", "").lower()


def name_text(text: str | None) -> str:
    """A name as stored and shown: `clean` without spaces, its case kept (武定县R&D中心); `compact` of it is the
    form names are compared in."""
    return clean(text).replace(" ", "")
