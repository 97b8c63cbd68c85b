"""The one name normalizer behind mapping suggestions: the spellings of one company meet, others don't."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_ninjaone.host import ClientRef
from flask_ninjaone.organizations.client_mapping import normalize_name, suggestion_index


@pytest.mark.parametrize(
    ("organization", "client"),
    [
        ("Smith & Partners", "Smith and Partners"),
        ("Smith+Partners", "smith and partners"),
        ("Acme, Inc.", "ACME"),
        ("Acme Incorporated", "acme"),
        ("Acme LLC", "Acme"),
        ("Acme Ltd", "Acme Limited"),
        ("Acme Pty Ltd", "Acme"),
        ("Acme Co.", "Acme"),
        ("Acme Co., Ltd.", "Acme"),
        ("Müller & Söhne GmbH", "Muller and Sohne"),
        ("Müller GmbH & Co. KG", "Muller"),
        ("Café Ørsted ApS", "Cafe Orsted"),
        ("Łódź Software Sp. z o.o.", "Lodz Software"),
        ("  Northwind   Traders,\tInc. ", "Northwind Traders"),
        ("The Acme Company", "Acme"),
        ("O'Brien Plumbing", "OBrien Plumbing"),
        ("A.B.C. Dental", "ABC Dental"),
        ("Tailspin-Toys", "Tailspin Toys"),
        ("STRASSE Bau", "Straße Bau"),
        ("株式会社サクラ商事", "株式会社サクラ商事"),
    ],
)
def test_spellings_of_one_company_meet(organization: str, client: str) -> None:
    assert normalize_name(organization) == normalize_name(client) != ""


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Acme", "Acme Labs"),
        ("Company of Heroes", "Heroes"),  # a legal word only counts at the end
        ("Northwind Traders", "Northwind"),
        ("株式会社サクラ商事", "株式会社モミジ"),
        ("Inc", "LLC"),  # a name that is only a legal word keeps it
    ],
)
def test_different_companies_stay_apart(one: str, other: str) -> None:
    assert normalize_name(one) != normalize_name(other)


def test_expected_forms() -> None:
    assert normalize_name("Smith & Partners, LLP") == "smith and partners"
    assert normalize_name("Company of Heroes Inc") == "company of heroes"
    assert normalize_name("Inc.") == "inc"
    assert normalize_name("!!!") == ""


@given(st.text(max_size=60))
def test_normalizing_twice_changes_nothing(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once


@given(st.text(max_size=60))
def test_the_key_is_lower_case_words_single_spaced(name: str) -> None:
    key = normalize_name(name)
    assert key == key.strip() and "  " not in key and key == key.casefold()
    assert not any(char in key for char in "&+,.'-_\t\n")


@given(
    st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=20),
    st.sampled_from(["", " Inc.", ", LLC", " Ltd", " GmbH", " Pty Ltd", " Co."]),
    st.sampled_from([str.upper, str.lower, str.title, lambda s: s]),
    st.sampled_from([" ", "  ", "\t", " - "]),
)
def test_case_suffix_and_blanks_do_not_matter(word: str, suffix: str, case, blank: str) -> None:
    base = f"{word} Holdings"
    assert normalize_name(case(base.replace(" ", blank)) + suffix) == normalize_name(base)


def test_an_ambiguous_name_suggests_no_client() -> None:
    clients = [
        ClientRef("1", "Acme Inc"),
        ClientRef("2", "ACME LLC"),
        ClientRef("3", "Globex"),
        ClientRef("4", "!!"),
    ]
    index = suggestion_index(clients)
    assert "acme" not in index and index["globex"].id == "3" and "" not in index
