"""URL rules compiled once per test process, not once per app.

Nearly every test builds its own host app, and every app registers ~105 URL rules. Werkzeug compiles
two URL builders for each rule as it is added (it writes a small Python function per rule and compiles
it), and that was ~90 % of building an app: 84 ms of ``create_app``, measured on this machine, of which
2.8 s of 3.4 s in a profile of 20 apps went to ``Rule._compile_builder``. Every test paid it once per
app it built, twice over in CI (SQLite and PostgreSQL).

The builder a rule gets depends only on the rule's parsed shape (its static and variable parts, its
defaults, whether unknown arguments are appended): values are converted by the rule's own converters at
call time, through the rule the function is bound to. So :class:`SharedBuilderRule` keeps the compiled
function per shape and binds it to each new rule of that shape, exactly as Werkzeug binds the one it
compiled. A rule whose defaults cannot be a key (an unhashable value) is compiled as always. It is set
through Flask's public ``url_rule_class`` for the session, the way ``templates.py`` shares compiled
templates; the product never uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

Builder = Callable[..., tuple[str, str]]


class SharedBuilderRule(Rule):
    """A Werkzeug rule whose URL builders are compiled once per shape for the whole process."""

    builders: dict[Hashable, Builder] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Builder:
        key = self._shape(append_unknown)
        if key is None:
            return super()._compile_builder(append_unknown)
        builder = self.builders.get(key)
        if builder is None:
            builder = self.builders[key] = super()._compile_builder(append_unknown)
        return builder

    def _shape(self, append_unknown: bool) -> Hashable | None:
        """Everything the compiled builder's code is made of, or None when it cannot be a key. A
        default for a variable of the rule becomes a constant of the code through that variable's
        converter, so its converted text is part of the shape."""
        defaults: dict[str, Any] = self.defaults or {}
        try:
            constants = tuple(
                (name, self._converters[name].to_url(defaults[name]))
                for dynamic, name in self._trace
                if dynamic and name in defaults
            )
            key = (self.rule, append_unknown, tuple(self._trace), tuple(defaults.items()), constants)
            hash(key)
        except TypeError:
            return None
        return key


def share_compiled_rules() -> type[Rule]:
    """Give every Flask app created from now on :class:`SharedBuilderRule`; returns the previous
    ``Flask.url_rule_class`` for :func:`restore_rule_class`."""
    previous = Flask.url_rule_class
    Flask.url_rule_class = SharedBuilderRule
    return previous


def restore_rule_class(previous: type[Rule]) -> None:
    Flask.url_rule_class = previous
