"""What happened, said on the next page: a message key and its values, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash


def notify(key: str, category: str, values: Mapping[str, object] | str = "") -> None:
    """Flash `key` (a `flash_` message of the catalog) with `values`; the page words it."""
    values = dict(values) if isinstance(values, Mapping) else values
    flash((key, values), category)  # type: ignore[arg-type]  # Flask stores any JSON value
