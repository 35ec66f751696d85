"""Every SMS template exists in every language, with the same placeholders, within budget."""

from __future__ import annotations

import pytest
import yaml

from app.messaging import segments, templates

SAMPLES = yaml.safe_load((templates.TEMPLATE_DIR / "samples.yaml").read_text(encoding="utf-8"))
ALL = sorted(set().union(*templates.names().values()))
DEFAULT_BUDGET = 2


def test_every_template_exists_in_every_language():
    found = templates.names()
    assert set(found) == set(templates.LANGUAGES)
    assert found["zh"] == found["en"]


@pytest.mark.parametrize("name", ALL)
def test_same_placeholders_in_every_language(name):
    sets = {lang: templates.placeholders(templates.source(name, lang)) for lang in found_langs()}
    assert len({frozenset(s) for s in sets.values()}) == 1, sets


@pytest.mark.parametrize("language", templates.LANGUAGES)
@pytest.mark.parametrize("name", ALL)
def test_rendered_samples_fit_the_segment_budget(name, language):
    values = SAMPLES["values"][language]
    needed = templates.placeholders(templates.source(name, language))
    assert needed <= set(values), f"samples.yaml lacks {needed - set(values)}"
    body = templates.render(name, language, **values)
    info = segments.count(body)
    assert info.segments <= SAMPLES["budgets"].get(name, DEFAULT_BUDGET), (body, info)
    if language == "en":
        assert info.encoding == "GSM-7", f"{name}: English must not fall into UCS-2"


def found_langs() -> tuple[str, ...]:
    return templates.LANGUAGES
