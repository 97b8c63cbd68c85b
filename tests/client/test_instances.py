from __future__ import annotations

import pytest

from flask_ninjaone.client import (
    INSTANCES,
    api_settings_url,
    api_url,
    authorize_url,
    device_page_url,
    metadata_url,
    resolve_base_url,
    revoke_url,
    token_url,
)


def test_every_region_has_label_description_and_https_url() -> None:
    assert set(INSTANCES) == {"app", "us2", "eu", "oc", "ca", "fed"}
    assert [i.label for i in INSTANCES.values()] == ["US", "US2", "EMEA", "Oceania/APAC", "Canada", "FED"]
    for key, instance in INSTANCES.items():
        assert instance.key == key
        assert instance.description
        assert instance.base_url == f"https://{key}.ninjarmm.com"


@pytest.mark.parametrize("region", ["app", "us2", "eu", "oc", "ca", "fed"])
def test_resolve_region(region: str) -> None:
    assert resolve_base_url(region, None) == INSTANCES[region].base_url
    assert resolve_base_url(region, "   ") == INSTANCES[region].base_url


def test_unknown_or_missing_region() -> None:
    with pytest.raises(ValueError, match="Unknown NinjaOne region 'mars'"):
        resolve_base_url("mars", None)
    with pytest.raises(ValueError, match="Choose a NinjaOne region"):
        resolve_base_url(None, None)


@pytest.mark.parametrize(
    ("custom", "expected"),
    [
        ("https://eu.ninjarmm.com/", "https://eu.ninjarmm.com"),
        ("  https://new.ninjarmm.com  ", "https://new.ninjarmm.com"),
        ("HTTPS://proxy.example.com:8443/ninja/", "https://proxy.example.com:8443/ninja"),
        ("http://localhost:5001", "http://localhost:5001"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_custom_url_accepted_and_normalized(custom: str, expected: str) -> None:
    assert resolve_base_url("eu", custom) == expected


@pytest.mark.parametrize(
    ("custom", "message"),
    [
        ("ftp://eu.ninjarmm.com", "must start with https://"),
        ("eu.ninjarmm.com", "must start with https://"),
        ("https://", "no host"),
        ("https://eu.ninjarmm.com/?x=1", "without '\\?…' or '#…'"),
        ("https://eu.ninjarmm.com/#/dashboard", "without '\\?…' or '#…'"),
        ("https://eu.ninjarmm.com?", "without"),
        ("https://user:pw@eu.ninjarmm.com", "user name or password"),
        ("http://eu.ninjarmm.com", "plain http:// is only accepted for localhost"),
        ("http://10.0.0.5", "plain http://"),
        ("https://eu.ninjarmm.com/v2", "not an API path"),
        ("https://eu.ninjarmm.com/ws/oauth/token", "not an API path"),
        ("https://eu.ninjarmm.com:notaport", "invalid host or port"),
    ],
)
def test_custom_url_rejected_with_clear_message(custom: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_base_url(None, custom)


def test_http_allowed_when_explicitly_allowed() -> None:
    assert (
        resolve_base_url(None, "http://ninja.internal/", allow_insecure_http=True) == "http://ninja.internal"
    )


def test_url_helpers() -> None:
    base = "https://eu.ninjarmm.com"
    assert authorize_url(base) == f"{base}/ws/oauth/authorize"
    assert token_url(base) == f"{base}/ws/oauth/token"
    assert revoke_url(base) == f"{base}/ws/oauth/revoke"
    assert metadata_url(base) == f"{base}/.well-known/oauth-authorization-server"
    assert api_url(base, "devices") == f"{base}/v2/devices"
    assert api_url(base, "/device/7") == f"{base}/v2/device/7"
    assert api_settings_url(base) == f"{base}/#/administration/apps/api"
    assert device_page_url(base, 5948) == f"{base}/#/deviceDashboard/5948/overview"


@pytest.mark.parametrize("bad", [-1, "5", True, 1.5])
def test_device_page_url_rejects_non_ids(bad: object) -> None:
    with pytest.raises(ValueError):
        device_page_url("https://eu.ninjarmm.com", bad)  # type: ignore[arg-type]
