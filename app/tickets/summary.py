"""The problem in the resident's own words, cut for an SMS to someone who has not accepted yet.

Offers go to strangers: they should read what is wrong as the resident said it ("洗衣机转几下就
不动了"), but not a phone number or the flat to knock on until they have taken the job. Building
level stays (the offer names the community and building anyway); unit, room and door numbers,
and anything that looks like a phone number, become "**".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.tickets.models import Ticket

SUMMARY_CHARS = 20  # of the description, in an offer or a liaison's text
HIDDEN = "**"

_PHONE = re.compile(
    r"(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"  # mobiles, however spaced
    r"|(?:\(?0\d{2,3}\)?[\s-]?)?\d{7,8}"  # landlines with or without the area code
    r"|\d{7,}"  # any other long run of digits
)
_ADDRESS = re.compile(
    r"\d+\s*(?:单元|门|室|户|號|号房)(?:\s*\d+\s*(?:室|号|楼|层)?)*"  # 2单元401, 401室
    r"|\d+\s*楼\s*\d+\s*号?"  # 3楼2号
    r"|(?<=[栋幢])\s*\d{3,4}(?:\s*[室号])?"  # 3栋401
    r"|\d{3,4}\s*(?:室|号房)"
    r"|(?i:\b(?:flat|room|apt\.?|apartment|unit|door|no\.?|#)\s*\d+[a-z]?\b)"
)


def problem_summary(description: str, limit: int = SUMMARY_CHARS, hide: bool = True) -> str:
    """The first line of `description`, at most `limit` characters; with `hide`, phone numbers
    and flat numbers replaced by "**" (for whoever has not accepted the job)."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if hide:
        first = _ADDRESS.sub(HIDDEN, _PHONE.sub(HIDDEN, first))
    first = re.sub(r"\s+", " ", first).strip(" ，,。.;；")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def place(ticket: Ticket, language: str) -> str:
    """Community and building, as an offer or a staff alert names them ("龙溪社区3栋")."""
    community = ticket.community.display_name(language) if ticket.community else ""
    building = ticket.building or ""
    if language == "zh":
        return community + building
    numbered = _NUMBERED_BUILDING.fullmatch(building)
    building = f"building {numbered.group(1)}" if numbered else building
    return " ".join(part for part in (community, building) if part)


_NUMBERED_BUILDING = re.compile(r"(\d+\w?)\s*栋")  # "7栋" is "building 7" in English
