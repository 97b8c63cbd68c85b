"""Login picks the tenant by workspace slug; everything but login and static needs a session."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sample_host.database import db
from sample_host.models import User
from tests.support.host_app import user_id


def _login(client: FlaskClient, tenant: str, email: str, password: str = "demo1234", next_url: str = ""):
    url = f"/login?next={next_url}" if next_url else "/login"
    return client.post(url, data={"tenant": tenant, "email": email, "password": password})


def test_login_then_logout(client: FlaskClient) -> None:
    response = _login(client, "acme", "Admin@Acme.test ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Ada Park" in page and "Acme MSP" in page

    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("tenant", "email", "password"),
    [
        ("acme", "admin@acme.test", "wrong-password"),
        ("globex", "admin@acme.test", "demo1234"),  # right user, wrong workspace
        ("nope", "admin@acme.test", "demo1234"),
        ("acme", "nobody@acme.test", "demo1234"),
    ],
)
def test_bad_credentials_are_refused_with_one_message(client: FlaskClient, tenant, email, password) -> None:
    response = _login(client, tenant, email, password)
    assert response.status_code == 200
    assert "Unknown workspace, e-mail or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_log_in_and_is_logged_out(app: Flask, client: FlaskClient, login_as) -> None:
    login_as("tech@acme.test")
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.get(User, user_id(app, "tech@acme.test")).active = False
        db.session.commit()
    assert client.get("/").status_code == 302
    assert "Unknown workspace" in _login(client, "acme", "tech@acme.test").get_data(as_text=True)


def test_anonymous_users_are_sent_to_login_and_back(client: FlaskClient) -> None:
    for url in ("/", "/tickets/", "/assets/1", "/clients/new", "/settings/integrations"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next=")
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200

    response = _login(client, "acme", "tech@acme.test", next_url="/tickets/?status=all")
    assert response.headers["Location"] == "/tickets/?status=all"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    response = _login(client, "acme", "tech@acme.test", next_url=target)
    assert response.headers["Location"] == "/"
