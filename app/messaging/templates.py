"""SMS wording, kept as data in sms_templates/<language>/<name>.txt.

Every template exists in every language with the same placeholders (a test checks it), so code
only ever names a template and passes values.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from app.config import PROJECT_ROOT
from app.messaging.segments import smart_ascii

TEMPLATE_DIR = PROJECT_ROOT / "sms_templates"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


class UnknownTemplate(LookupError):
    pass


@cache
def source(name: str, language: str) -> str:
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    path = TEMPLATE_DIR / lang / f"{name}.txt"
    if not path.is_file():
        raise UnknownTemplate(f"no SMS template {name!r} in {lang}")
    return path.read_text(encoding="utf-8").strip()


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def render(name: str, language: str, **values: object) -> str:
    """The text of template `name` in `language`, filled with `values`.

    English is passed through smart_ascii so a stray curly quote in a resident's name or a
    template cannot silently turn a 1-segment GSM-7 text into a 3-segment UCS-2 one.
    """
    text = source(name, language).format_map({k: str(v) for k, v in values.items()})
    return smart_ascii(text) if language == "en" else text


def names(directory: Path = TEMPLATE_DIR) -> dict[str, set[str]]:
    """Template names found in each language folder."""
    return {
        lang: {p.stem for p in (directory / lang).glob("*.txt")}
        for lang in LANGUAGES
        if (directory / lang).is_dir()
    }
