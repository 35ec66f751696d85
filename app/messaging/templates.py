"""SMS wording, kept as data in sms_templates/<language>/<name>.txt and looked up, like every
message, through the one catalog (`app.i18n`, keys ``sms.<name>``).

Every template exists in every language with the same placeholders (a test checks it), so code
only ever names a template and passes values.
"""

from __future__ import annotations

from pathlib import Path

from app import i18n
from app.i18n import DEFAULT_LANGUAGE, LANGUAGES, placeholders
from app.messaging.segments import smart_ascii

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "TEMPLATE_DIR", "names", "placeholders", "render"]

TEMPLATE_DIR = i18n.SMS_DIR
UnknownTemplate = i18n.UnknownMessage


def source(name: str, language: str) -> str:
    """The unfilled text of template `name` (Chinese when `language` has none)."""
    return i18n.pick(i18n.message(f"sms.{name}"), language)


def render(name: str, language: str, **values: object) -> str:
    """The text of template `name` in `language`, filled with `values`.

    English is passed through smart_ascii so a stray curly quote in a resident's name or a
    template cannot silently turn a 1-segment GSM-7 text into a 3-segment UCS-2 one.
    """
    text = i18n.text(language, f"sms.{name}", **values)
    return smart_ascii(text) if language == "en" else text


def names(directory: Path = TEMPLATE_DIR) -> dict[str, set[str]]:
    """Template names found in each language folder."""
    return {
        lang: i18n.sms_names(lang, directory) for lang in LANGUAGES if (directory / lang).is_dir()
    }
