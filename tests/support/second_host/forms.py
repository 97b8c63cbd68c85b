"""DOC"""

from __future__ import annotations

import re

_TOKEN = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match[1]
