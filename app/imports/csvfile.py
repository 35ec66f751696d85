"""Reading an import file: checked columns, every bad row reported by line, all or nothing.

Each importer turns a row into a change or a list of problems. If any row has a problem, nothing
is written and the report names every bad line, so a file is never half-imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.i18n import WordedError, text

COMMAND_LANGUAGE = "en"  # the command line's words; the dashboard says them in the staff's


class RowError(WordedError):
    """One problem with one row (an ``import_`` message), read in the importer's language."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, RowError]] = field(default_factory=list)  # (line number, problem)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self, language: str = COMMAND_LANGUAGE) -> Iterator[str]:
        """Each problem as "line N: what is wrong", in `language`."""
        for line, problem in self.errors:
            yield f"{text(language, 'import_line', n=line)}: {problem.words(language)}"


def read_rows(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as dicts with their file line numbers; raises RowError for a wrong header."""
    text = path.read_bytes().decode("utf-8-sig")  # Excel writes a BOM
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise RowError(
            "import_missing_columns", columns=", ".join(missing), expected=",".join(columns)
        )
    reader.fieldnames = header
    for row in reader:
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue
        yield reader.line_num, values


def run_import(
    path: Path,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    apply_row: Callable[[dict[str, str]], bool],
) -> ImportReport:
    """Apply each row (`apply_row` returns True when it created rather than updated).

    The caller wraps this in a transaction and rolls back unless the report is ok.
    """
    report = ImportReport()
    try:
        rows = list(read_rows(path, columns, required))
    except RowError as exc:
        report.errors.append((1, exc))
        return report
    except (UnicodeDecodeError, csv.Error):
        report.errors.append((1, RowError("import_unreadable")))
        return report
    for line, values in rows:
        blank = [c for c in required if not values.get(c)]
        if blank:
            report.errors.append((line, RowError("import_empty", columns=", ".join(blank))))
            continue
        try:
            created = apply_row(values)
        except RowError as exc:
            report.errors.append((line, exc))
            continue
        if created:
            report.created += 1
        else:
            report.updated += 1
    return report
