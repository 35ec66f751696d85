"""Danger in a resident's own words: gas, fire, a person hurt or a flat flooding, and what to
tell them first.

Pure: text in, `Hazard` out. Words alone are not enough, because people describe faults with the
same characters: 热水器打不着火 (a heater that will not ignite) is not a fire, 没有煤气味 says
there is no smell, 燃气灶坏了 is a broken stove and 楼道太黑怕摔倒 is a worry, not a fall. So
each kind lists its danger words, and phrases that look like them but are not danger are blanked
out before the words are sought; a danger word straight after a negation (没有, 不, 没, no,
not) does not count either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from app.i18n import fold


class HazardKind(StrEnum):
    gas = "gas"  # smell or leak of gas: don't switch anything, open windows, leave, call 119
    fire = "fire"  # fire or smoke: leave, call 119
    injury = "injury"  # a fall, a faint, an electric shock, bleeding, breathing: call 120
    other = "other"  # "救命" and the like: every emergency number
    water = "water"  # a burst pipe, a flat flooding: shut the main valve, keep clear of sockets


@dataclass(frozen=True)
class Hazard:
    kind: HazardKind
    word: str  # the words that decided it, as written


# Danger words per kind. Chinese matched as substrings; English as whole words, any case.
DANGER_WORDS: dict[HazardKind, tuple[str, ...]] = {
    HazardKind.gas: (
        "煤气味", "燃气味", "天然气味", "液化气味", "煤气泄漏", "燃气泄漏", "天然气泄漏",
        "煤气泄露", "燃气泄露", "天然气泄露", "漏气", "煤气", "燃气", "天然气", "液化气",
        "smell gas", "smell of gas", "smells of gas", "smells like gas", "gas smell", "gas leak",
        "leaking gas", "gas is leaking", "gas leaking",
    ),
    HazardKind.fire: (
        "着火", "起火", "失火", "火灾", "冒烟", "冒火", "烧起来", "火苗", "浓烟", "烧着了",
        "火花", "fire", "smoke", "smoking out", "burning", "flames", "on fire",
    ),
    HazardKind.injury: (
        "摔倒起不来", "摔倒了起不来", "摔了起不来", "跌倒起不来", "起不来了", "摔倒", "跌倒",
        "晕倒", "昏倒", "昏迷", "晕过去", "不省人事", "叫不醒", "没有呼吸", "没呼吸",
        "呼吸困难", "喘不过气", "胸口痛", "胸口疼", "胸痛", "心脏病", "中风", "抽搐",
        "触电", "流血不止", "大出血", "流了好多血", "在流血", "头摔破",
        "fell over", "fell down", "fallen over", "has fallen", "had a fall", "can't get up",
        "cannot get up", "collapsed", "fainted",
        "unconscious", "not breathing", "can't breathe", "cannot breathe", "chest pain",
        "stroke", "electrocuted", "electric shock", "bleeding",
    ),
    HazardKind.other: (
        "救命", "救救", "困在电梯", "被困电梯", "电梯困人", "电梯里困", "关在电梯", "卡在电梯里",
        "help me", "emergency", "sos", "stuck in the lift", "stuck in the elevator",
        "trapped in the lift", "trapped in the elevator",
    ),
    # Last: "救命，水管爆了" gets the emergency numbers, not only the valve.
    HazardKind.water: (
        "水管爆", "爆管", "管子爆", "水管裂开", "水管破裂", "跑水", "水淹", "淹了", "漫水", "水漫",
        "发大水", "满地是水", "满地都是水", "一地的水", "到处都是水", "水止不住",
        "burst pipe", "pipe burst", "pipe has burst", "pipes burst", "pipes have burst",
        "flooding", "flooded", "flood", "water everywhere", "water pouring",
    ),
}  # fmt: skip

# Phrases that contain a danger word but describe no danger: blanked out before the search.
NOT_DANGER: tuple[str, ...] = (
    # appliances that will not light
    "打不着火", "打不燃火", "点不着火", "点不燃", "打不燃", "打不着", "点不着", "不着火",
    "着不了火", "不打火", "打不了火", "点不了火", "没法点火",
    # gas as an appliance, a bill or a company, not a smell
    "燃气灶", "煤气灶", "天然气灶", "燃气热水器", "煤气热水器", "天然气热水器", "燃气费", "煤气费",
    "天然气费", "燃气表", "煤气表", "天然气表", "燃气卡", "燃气公司", "燃气管道改造", "燃气点火",
    "液化气罐换", "换煤气罐", "换液化气", "燃气开户", "天然气开户", "燃气缴费", "天然气缴费",
    "燃气安装", "天然气安装", "轮胎漏气", "车胎漏气", "打气",
    # fire safety and equipment
    "灭火器", "消防栓", "防火门", "防火", "火警器", "烟感", "烟雾报警器", "抽烟", "吸烟", "烟味",
    "fire extinguisher", "fire door", "fire alarm battery", "smoke alarm", "smoke detector",
    "no smoking", "gas stove", "gas cooker", "gas bill", "gas meter",
    # worries about falling, not a fall
    "怕摔倒", "怕摔", "担心摔倒", "容易摔倒", "防止摔倒", "以免摔倒", "差点摔倒", "防摔", "防跌倒",
    "会摔倒", "要摔倒", "可能摔倒", "afraid of falling", "might fall", "could fall",
    "fell asleep", "fell off", "fell down the back",
    # water that is not a flood
    "floodlight", "flood light",
)  # fmt: skip

# A danger word right after one of these is denied: "没有煤气味", "不冒烟", "no smoke".
_NEGATION = re.compile(
    r"(?:没有|没得|没|不是|不|无|未)$"
    r"|(?:^|\W)(?:no|not|never|without|isn't|wasn't)\s+(?:an?\s+|any\s+|the\s+)?$"
)
_BLANK = "\u3000"
# Finds a phrase of NOT_DANGER wherever any occurs (which one is left to the replacements).
_ANY_NOT_DANGER = re.compile("|".join(re.escape(phrase) for phrase in NOT_DANGER))


def detect(text: str) -> Hazard | None:
    """The danger `text` reports, or None. The earliest kind in `DANGER_WORDS` order wins."""
    screened = screen(text)
    if not _any_danger().search(screened):
        return None
    for kind in DANGER_WORDS:
        match = _pattern(kind).search(screened)
        if match is not None:
            return Hazard(kind, match.group())
    return None


def screen(text: str) -> str:
    """`text` folded and lower-case, with what only looks like danger blanked out: the
    look-alikes ("热水器打不着火") and the denied mentions ("没有煤气味"). Any list of danger
    words (the IVR flow's too) found in what is left is danger."""
    folded = fold(text).lower()
    if _ANY_NOT_DANGER.search(folded):  # mostly not: then none of the phrases needs replacing
        for phrase in NOT_DANGER:
            folded = folded.replace(phrase, _BLANK * len(phrase))
    if not _any_danger().search(folded):  # mostly not: nothing can be denied either
        return folded
    denied = [
        match.span()
        for kind in DANGER_WORDS
        for match in _pattern(kind).finditer(folded)
        if _NEGATION.search(folded[max(0, match.start() - 12) : match.start()])
    ]
    for start, end in denied:
        folded = folded[:start] + _BLANK * (end - start) + folded[end:]
    return folded


_PATTERNS: dict[HazardKind, re.Pattern[str]] = {}


def _pattern(kind: HazardKind) -> re.Pattern[str]:
    if kind not in _PATTERNS:
        words = sorted(DANGER_WORDS[kind], key=len, reverse=True)
        _PATTERNS[kind] = re.compile(
            "|".join(
                re.escape(w) if not w.isascii() else rf"(?<![a-z]){re.escape(w)}(?![a-z])"
                for w in words
            )
        )
    return _PATTERNS[kind]


@cache
def _any_danger() -> re.Pattern[str]:
    """Finds a danger word of any kind wherever one occurs."""
    return re.compile("|".join(_pattern(kind).pattern for kind in DANGER_WORDS))
