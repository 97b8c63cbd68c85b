"""Message patterns of alert rules, matched by RE2: time linear in the message, whatever the pattern.

A rule's pattern is written by a tenant and run by the shared worker on every alert (and by the web
workers on every dry run), so it must not be able to hold either for long. Python's ``re``
backtracks: refusing the shapes known to explode (``(a+)+``) was not enough — eight consecutive
bounded repeats (``.{0,999}`` ×8) took 36 s on a 40-character message. RE2 (``google-re2``) never
backtracks; a search costs at most the message length × the compiled program size, and both are
bounded here: :data:`MAX_REGEX_SCAN` characters and :data:`MAX_PROGRAM_SIZE` instructions. What RE2
cannot run in linear time (back-references, look-around) it refuses to compile, and that refusal is
shown as the form error.

The rule form's check, the saved rule's dry run and the worker all go through :func:`search_message`.
"""

from __future__ import annotations

import functools

import re2

#: Longest message pattern accepted (characters).
MAX_PATTERN_LENGTH = 200
#: Only this many characters of a message are searched by a pattern.
MAX_REGEX_SCAN = 1000
#: Largest compiled pattern accepted (RE2 instructions). Ordinary patterns need tens to a few hundred;
#: large counted repeats (``.{0,999}``) expand to one instruction per count.
MAX_PROGRAM_SIZE = 2000


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a tenant's invalid pattern is a form error, not a line on stderr
    return options


_OPTIONS = _options()
_TOO_COMPLEX = (
    f"The message pattern is too complex ({{size}} matching steps, at most {MAX_PROGRAM_SIZE:,}); "
    "use smaller repetition counts."
)


def compile_message_regex(pattern: str) -> re2._Regexp:
    """Compile a user's message pattern (case-insensitive) or raise :class:`ValueError` saying why."""
    if not isinstance(pattern, str):
        raise ValueError("The message pattern must be text.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"The message pattern is longer than {MAX_PATTERN_LENGTH} characters.")
    return _compile(pattern)


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> re2._Regexp:
    try:
        compiled = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = str(exc.args[0].decode("utf-8", "replace") if exc.args else exc)
        if "too large" in reason:  # RE2's memory budget: the same verdict as MAX_PROGRAM_SIZE
            raise ValueError(_TOO_COMPLEX.format(size="too many")) from None
        if "invalid escape" in reason or "perl operator" in reason:
            reason += " (back-references and look-around are not supported)"
        raise ValueError(f"Invalid regular expression: {reason}.") from None
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise ValueError(_TOO_COMPLEX.format(size=f"{compiled.programsize:,}"))
    return compiled


def search_message(pattern: str, message: str | None) -> bool:
    """Whether ``pattern`` (see :func:`compile_message_regex`) occurs in the start of ``message``."""
    return compile_message_regex(pattern).search((message or "")[:MAX_REGEX_SCAN]) is not None
