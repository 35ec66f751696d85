"""How well the keywords classify real texts: accuracy and a confusion table over a labelled set.

The labelled set is a TSV file (`category<TAB>text`, `#` comments): tests/categories/ holds a
tuning part (keywords are improved against it) and a held-out part (never tuned on, so its
figure says how the keywords do on texts nobody fitted them to).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.categories.catalog import classify


@dataclass(frozen=True)
class Labelled:
    category: str
    text: str


@dataclass
class Evaluation:
    total: int = 0
    correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, guessed)
    misses: list[tuple[Labelled, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def read_labelled(path: Path) -> list[Labelled]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        category, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path}:{number}: expected category<TAB>text")
        rows.append(Labelled(category.strip(), text.strip()))
    return rows


def evaluate(rows: list[Labelled]) -> Evaluation:
    result = Evaluation()
    for row in rows:
        guessed = classify(row.text).category
        result.total += 1
        result.correct += guessed == row.category
        result.confusion[(row.category, guessed)] += 1
        if guessed != row.category:
            result.misses.append((row, guessed))
    return result


def confusion_table(result: Evaluation, codes: list[str]) -> str:
    """A Markdown table: one row per expected category, one column per guessed category."""
    head = "| expected / guessed | " + " | ".join(codes) + " |"
    rule = "|---|" + "---:|" * len(codes)
    lines = [head, rule]
    for expected in codes:
        cells = [str(result.confusion[(expected, guessed)] or "") for guessed in codes]
        lines.append(f"| {expected} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
