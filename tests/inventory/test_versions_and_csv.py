"""Pure functions: version comparison, version filters, CSV escaping, row normalization."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from flask_ninjaone.inventory.export import csv_chunks, safe_cell
from flask_ninjaone.inventory.normalize import parse_install_date, patch_items, software_items
from flask_ninjaone.inventory.versions import VersionFilter, VersionFilterError, compare_versions, version_key


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("119.0.6045.200", "120"),
        ("99", "120"),  # a text comparison gets this one wrong
        ("1.9", "1.10"),
        ("122.0.6261.94", "122.0.6261.112"),
        ("3.0.2-0ubuntu1.9", "3.0.2-0ubuntu1.14"),
        ("2.0.rc", "2.0.1"),
        ("", "0.1"),
    ],
)
def test_versions_compare_number_by_number(older, newer):
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1
    assert version_key(older) < version_key(newer)


def test_trailing_zeros_and_case_do_not_matter():
    assert compare_versions("120", "120.0.0") == 0
    assert compare_versions("1.0-Beta", "1.0-beta") == 0


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        ("< 120", "119.9", True),
        ("< 120", "120.0", False),
        ("<=120", "120.0", True),
        ("> 1.2", "1.10", True),
        (">= 1.2.3", "1.2.3", True),
        ("= 8.0", "8", True),
        ("== 8.0", "8.0.1", False),
        ("!= 8.0", "8.0.1", True),
        ("8.0", "8.0.0", True),  # a bare version means equal
    ],
)
def test_version_filter(text, version, expected):
    assert VersionFilter.parse(text).matches(version) is expected


@pytest.mark.parametrize("text", ["<", ">=   ", "< ...", "x" * 65])
def test_version_filter_rejects_nonsense(text):
    with pytest.raises(VersionFilterError):
        VersionFilter.parse(text)


def test_empty_version_filter_is_none():
    assert VersionFilter.parse("  ") is None


@pytest.mark.parametrize(
    "value",
    [
        "=1+2",
        "+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        '=HYPERLINK("http://x")',
        "\u200b=1+2",  # zero-width space, then a formula
        "\ufeff=cmd",  # byte-order mark
        "\u200e\u200f@SUM(A1)",  # bidi marks
        "\u00a0 \u2060+1",  # no-break space, word joiner
        "\uff1d1+2",  # fullwidth equals sign
        "\ufe62\uff11",  # small plus sign, fullwidth 1
        "\uff20SUM(A1)",  # fullwidth commercial at
        "\u22121",  # minus sign
    ],
)
def test_formula_cells_are_neutralized(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Server-01", "a=b", "\u200bplain", "", "\u200b", "\u00e9t\u00e9"])
def test_ordinary_text_is_left_alone(value):
    assert safe_cell(value) == value


def test_csv_quotes_and_keeps_numbers():
    text = "".join(
        csv_chunks(["Name", "Count"], [['He said "hi", then left\nnew line', 3], ["=cmd|' /C calc'!A0", -1]])
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Name", "Count"]
    assert rows[1] == ['He said "hi", then left\nnew line', "3"]
    assert rows[2] == ["'=cmd|' /C calc'!A0", "-1"]  # a negative number stays a number


def test_csv_streams_in_chunks():
    chunks = list(csv_chunks(["n"], ([i] for i in range(1200))))
    assert len(chunks) >= 3
    assert len(list(csv.reader(io.StringIO("".join(chunks))))) == 1201


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-05-01T00:00:00Z", datetime(2023, 5, 1, tzinfo=UTC)),
        ("20230501", datetime(2023, 5, 1, tzinfo=UTC)),
        ("2023-05-01", datetime(2023, 5, 1, tzinfo=UTC)),
        (1682899200, datetime(2023, 5, 1, tzinfo=UTC)),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_install_dates(value, expected):
    assert parse_install_date(value) == expected


def test_software_rows_are_normalized_and_deduplicated():
    items = software_items(
        [
            {"name": "  Google   Chrome ", "publisher": "Google LLC", "version": "120.0"},
            {"name": "Google Chrome", "publisher": "Google LLC", "version": "120.0"},
            {"name": "", "publisher": "nameless"},
            {"name": "N" * 600, "version": "1"},
        ]
    )
    assert len(items) == 2
    chrome = items[("google chrome", "Google LLC", "120.0")]
    assert chrome.name == "Google Chrome"
    assert all(len(item.name) <= 512 for item in items.values())


def test_patch_rows_without_id_get_a_stable_key():
    rows = [{"name": "KB1 update", "kbNumber": "KB1", "status": "pending"}]
    first, second = patch_items("os", rows), patch_items("os", rows)
    assert first == second
    (item,) = first.values()
    assert item.status == "PENDING" and item.patch_uid
