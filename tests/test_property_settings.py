"""Property tests must not fail on a loaded machine for being slow: no test may carry a
per-example deadline, whether it takes the suite's profile or sets its own."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine

import tests


def property_tests() -> list[tuple[str, object]]:
    found = []
    for module_info in pkgutil.walk_packages(tests.__path__, "tests."):
        module = importlib.import_module(module_info.name)
        for name, thing in vars(module).items():
            if inspect.isfunction(thing) and getattr(thing, "is_hypothesis_test", False):
                found.append((f"{module_info.name}.{name}", thing))
            elif inspect.isclass(thing) and issubclass(thing, RuleBasedStateMachine):
                found.append((f"{module_info.name}.{name}", thing.TestCase))
    return found


def test_the_suite_profile_has_no_deadline():
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check


def test_no_property_test_sets_a_deadline():
    found = property_tests()
    assert len(found) >= 10  # the fuzz suite, phones, segments, deadlines, availability, ...
    with_deadline = []
    for name, test in found:
        chosen = getattr(test, "_hypothesis_internal_use_settings", None) or getattr(
            test, "settings", settings.default
        )
        if chosen.deadline is not None:
            with_deadline.append(name)
    assert with_deadline == []
