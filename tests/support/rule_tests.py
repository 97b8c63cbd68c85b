"""Run "test this rule" the way a page does (a detached job) and read its result page."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from flask_ninjaone.jobs import inline_runner

PREFIX = "/integrations/ninjaone"


def result_url(client: FlaskClient, app: Flask, response) -> str:
    """Where the result of the test ``response`` started (a plain post's redirect, or a preview) is,
    once its job has ended."""
    inline_runner(app).wait()
    if response.status_code == 303:
        return response.location
    body = response.get_data(as_text=True)
    start = body.index('data-progress-url="') + len('data-progress-url="')
    return client.get(body[start : body.index('"', start)]).get_json()["run_url"]


def finished(client: FlaskClient, app: Flask, response) -> str:
    """The result page of the test ``response`` started, once its job has ended."""
    return client.get(result_url(client, app, response)).get_data(as_text=True)


def run_rule_test(client: FlaskClient, app: Flask, rule_id: int, limit: int | None = None) -> str:
    """Test the saved rule ``rule_id`` (with the page's limit unless given) and return its result page."""
    data = {"limit": str(limit)} if limit is not None else {"limit": "50"}
    response = client.post(f"{PREFIX}/rules/{rule_id}/test", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return finished(client, app, response)
