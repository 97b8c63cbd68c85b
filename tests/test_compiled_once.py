"""The test suite's process-wide compile caches (``tests/support/routing.py``, ``templates.py``) change
nothing an app does: they only stop each app from compiling the same code again."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import Map, Rule

from tests.support.routing import SharedBuilderRule

RULES = [
    ("/", {}),
    ("/assets/<int:asset_id>", {}),
    ("/assets/<int:asset_id>/panel", {"tab": "alerts"}),
    ("/files/<path:name>", {}),
    ("/page/<int:number>", {"number": 1}),
    ("/alerts/<uid>/<any(ack, reset):verb>", {}),
]

VALUES = [
    {},
    {"asset_id": 7},
    {"asset_id": 7, "tab": "alerts"},
    {"asset_id": 7, "q": "a b&c", "page": 2},
    {"name": "a/b c.txt"},
    {"number": 1},
    {"number": 3, "sort": "name"},
    {"uid": "9f/1", "verb": "ack"},
]

EVERY_VARIABLE = {"asset_id": 1, "number": 1, "name": "x", "uid": "u", "verb": "reset"}


def build_all(rule_class: type[Rule]) -> list[object]:
    """Every URL each rule builds (or None) for every set of values, with and without the unknown
    values appended, through a fresh map of ``rule_class`` rules."""
    urls = Map([rule_class(path, endpoint=path, defaults=defaults or None) for path, defaults in RULES])
    adapter = urls.bind("psa.example", "/")
    built: list[object] = []
    for rule in urls.iter_rules():
        for values in VALUES:
            if not rule.suitable_for(values):
                built.append(None)
                continue
            for append in (True, False):
                built.append(rule.build(values, append_unknown=append))
        built.append(adapter.build(rule.endpoint, EVERY_VARIABLE))
    return built


def test_shared_builders_build_the_urls_werkzeug_builds() -> None:
    assert build_all(SharedBuilderRule) == build_all(Rule)
    assert build_all(SharedBuilderRule) == build_all(Rule)  # the second map reuses the builders


def test_a_rule_of_the_same_shape_in_another_map_reuses_the_compiled_builder() -> None:
    first = Map([SharedBuilderRule("/tickets/<int:ticket_id>", endpoint="ticket")])
    second = Map([SharedBuilderRule("/tickets/<int:ticket_id>", endpoint="ticket")])
    (one,) = first.iter_rules()
    (other,) = second.iter_rules()
    assert one._build_unknown.__func__ is other._build_unknown.__func__  # type: ignore[attr-defined]
    assert one._build_unknown.__self__ is one and other._build_unknown.__self__ is other  # type: ignore[attr-defined]
    # a different default for a variable is a different constant in the code: not shared
    third = Map([SharedBuilderRule("/tickets/<int:ticket_id>", endpoint="ticket", defaults={"ticket_id": 2})])
    (defaulted,) = third.iter_rules()
    assert defaulted._build.__func__ is not one._build.__func__  # type: ignore[attr-defined]
    assert defaulted.build({}) == ("", "/tickets/2")


def test_a_rule_whose_default_is_unhashable_is_compiled_as_always() -> None:
    urls = Map([SharedBuilderRule("/report", endpoint="report", defaults={"columns": ["a", "b"]})])
    (rule,) = urls.iter_rules()
    assert rule.build({"columns": ["a", "b"]}) == ("", "/report")


@pytest.mark.parametrize("first_rule", ["/", "/x/<int:n>"])
def test_every_app_of_the_suite_gets_the_shared_rules(first_rule: str) -> None:
    app = Flask(__name__)
    app.add_url_rule(first_rule, endpoint="here", view_func=lambda **_: "")
    assert all(isinstance(rule, SharedBuilderRule) for rule in app.url_map.iter_rules())
