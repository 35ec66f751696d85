"""Short product wording shared by SMS, voice and the dashboard, in Chinese and English."""

from __future__ import annotations

import re
import unicodedata

STATUS_NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "new": "已受理",
        "dispatching": "正在找志愿者",
        "unassigned": "待人工安排",
        "assigned": "已派单",
        "in_progress": "处理中",
        "escalated": "已转部门或单位办理",
        "resolved": "已办结待评价",
        "reopened": "重新处理中",
        "return_visit": "待回访",
        "closed": "已关闭",
        "cancelled": "已撤销",
    },
    "en": {
        "new": "received",
        "dispatching": "finding a volunteer",
        "unassigned": "waiting for staff",
        "assigned": "assigned",
        "in_progress": "in progress",
        "escalated": "with a department or partner unit",
        "resolved": "done, to rate",
        "reopened": "being handled again",
        "return_visit": "return visit owed",
        "closed": "closed",
        "cancelled": "cancelled",
    },
}

LIST_SEPARATOR = {"zh": "；", "en": "; "}

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def status_name(status: str, language: str) -> str:
    return STATUS_NAMES.get(language, STATUS_NAMES["zh"]).get(status, status)


def language_of(text: str, default: str) -> str:
    """Chinese if the text has Chinese characters, English if it has Latin letters only."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return default


def normalise_words(text: str) -> str:
    """Fold full-width forms and case, and drop the brackets and punctuation people wrap
    keywords in ("【进度】", "[STATUS]", "Stop!"), so keyword matching sees the word itself."""
    folded = unicodedata.normalize("NFKC", text).strip().upper()
    return re.sub(
        r"^[\s\[\]【】()（）\"'“”‘’.,!?。，！？:：]+|[\s\[\]【】()（）\"'“”‘’.,!?。，！？:：]+$",
        "",
        folded,
    )
