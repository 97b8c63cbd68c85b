"""`flask ninjaone doctor`: each check's OK and FAIL path, reached for real.

Keys, database, receiver and tenants run on the sample host (SQLite by default, PostgreSQL when the
suite is pointed at it) with NinjaOne faked over real HTTP; Redis, workers and the schedule need a
real Redis and a real ``flask ninjaone worker`` process (skipped locally, required in CI).
"""

from __future__ import annotations

import json
import os
import time

import flask_migrate
import pytest
from cryptography.fernet import Fernet
from flask import Flask, redirect, request
from redis import Redis
from sqlalchemy import inspect, select

from flask_ninjaone import tenant_scope
from flask_ninjaone.connection.connect import complete_connection, save_credentials
from flask_ninjaone.doctor import Verdict, healthy, run_checks
from flask_ninjaone.doctor.database import check_database
from flask_ninjaone.doctor.keys import check_encryption_keys
from flask_ninjaone.doctor.queues import check_redis, check_schedule, check_workers, heartbeat_limit
from flask_ninjaone.doctor.tenants import check_tenants, check_webhooks
from flask_ninjaone.doctor.web import check_csrf_exemption, check_public_base_url
from flask_ninjaone.extension import MIGRATIONS_DIR
from flask_ninjaone.models import Credential, Integration, metadata
from flask_ninjaone.models import metadata as ours
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from flask_ninjaone.tenancy import system_scope
from flask_ninjaone.worker import LAST_TICK, schedule_key_prefix
from sample_host.database import db
from tests.support.oauth_flow import CLIENT_ID, CLIENT_SECRET, authorization_code_tokens
from tests.support.workers import kill, start_worker, wait_for
from tests.support.world import connect_acme

PUBLIC = "https://psa.example.com"


def _secrets_in(text: str) -> list[str]:
    """Stored secrets of every integration that appear in ``text`` (none may)."""
    found = []
    with system_scope():
        for credential in db.session.scalars(select(Credential)):
            found += [credential.client_secret, credential.access_token, credential.refresh_token]
        for integration in db.session.scalars(select(Integration)):
            found += [integration.webhook_secret]
    return [secret for secret in found if secret and secret in text]


# --- encryption keys ---------------------------------------------------------------------------


def test_keys_ok_when_the_stored_secrets_decrypt_with_the_newest_key(app, ninjaone_fake):
    connect_acme(app, ninjaone_fake)
    check = check_encryption_keys(app)
    assert check.verdict is Verdict.OK, check
    assert "1 key(s) valid" in check.what and "decrypt with the newest key" in check.what
    assert "0 sampled" not in check.what


def test_a_missing_key_fails_with_how_to_make_one(make_app):
    missing = make_app(NINJAONE_ENCRYPTION_KEYS=None)
    with missing.app_context():
        check = check_encryption_keys(missing)
    assert check.verdict is Verdict.FAIL
    assert "NINJAONE_ENCRYPTION_KEYS is not set" in check.what
    assert "flask ninjaone generate-key" in check.fix


def test_a_malformed_key_fails_without_echoing_it(make_app, encryption_key):
    malformed = make_app(NINJAONE_ENCRYPTION_KEYS=f"{encryption_key},not-a-fernet-key")
    with malformed.app_context():
        check = check_encryption_keys(malformed)
    assert check.verdict is Verdict.FAIL
    assert "entry #2 is not a valid Fernet key" in check.what
    assert "not-a-fernet-key" not in json.dumps(check.as_dict())


def test_secrets_written_under_a_key_no_longer_configured_fail(app, make_app, ninjaone_fake):
    connect_acme(app, ninjaone_fake)
    other = make_app(NINJAONE_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    with other.app_context():
        check = check_encryption_keys(other)
    assert check.verdict is Verdict.FAIL
    assert "do not decrypt with any configured key" in check.what
    assert "ninjaone_credentials.client_secret: 1" in check.details
    assert "rotate-keys" in check.fix


def test_secrets_only_under_an_older_key_warn_to_rotate(app, make_app, ninjaone_fake, encryption_key):
    connect_acme(app, ninjaone_fake)
    rotated = make_app(NINJAONE_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},{encryption_key}")
    with rotated.app_context():
        check = check_encryption_keys(rotated)
    assert check.verdict is Verdict.WARN
    assert "only decrypt with an older key" in check.what and "2 key(s) valid" in check.what
    assert "flask ninjaone rotate-keys" in check.fix


# --- database ----------------------------------------------------------------------------------


def test_a_fresh_database_without_tables_fails(make_app):
    fresh = make_app()
    with fresh.app_context():
        check = check_database(fresh)
        db.engine.dispose()
    assert check.verdict is Verdict.FAIL
    assert "ninjaone branch is not applied" in check.what
    assert "flask db upgrade heads" in check.fix


def test_the_ninjaone_branch_below_its_head_fails_and_upgrade_heads_fixes_it(make_app):
    host = make_app()
    with host.app_context():
        flask_migrate.upgrade(revision="heads")
        assert check_database(host).verdict is Verdict.OK
        flask_migrate.downgrade(revision="ninjaone@-1")
        below = check_database(host)
        flask_migrate.upgrade(revision="heads")
        again = check_database(host)
        db.engine.dispose()
    assert below.verdict is Verdict.FAIL
    shipped = sorted(path.stem for path in MIGRATIONS_DIR.glob("0*.py"))  # the branch's last two revisions
    assert f"the ninjaone branch is at {shipped[-2]}, below its head {shipped[-1]}" in below.what
    assert "flask db upgrade heads" in below.fix
    assert again.verdict is Verdict.OK and "at all heads" in again.what


def test_the_host_branch_behind_fails_too(make_app):
    host = make_app()
    with host.app_context():
        flask_migrate.upgrade(revision="ninjaone@head")
        check = check_database(host)
        db.engine.dispose()
    assert check.verdict is Verdict.FAIL
    assert "other head(s) are not applied" in check.what


def test_a_dropped_table_fails_at_head(make_app):
    host = make_app()
    with host.app_context():
        flask_migrate.upgrade(revision="heads")
        metadata.tables["ninjaone_software_changes"].drop(db.engine)
        check = check_database(host)
        db.engine.dispose()
    assert check.verdict is Verdict.FAIL
    assert check.details == ("ninjaone_software_changes",)


def test_tables_made_without_alembic_fail_with_the_stamp_recipe(app):
    assert "ninjaone_integrations" in inspect(db.engine).get_table_names()
    check = check_database(app)
    assert check.verdict is Verdict.FAIL
    assert "never recorded the ninjaone branch" in check.what and "flask db stamp" in check.fix


# --- the receiver and the public URL -----------------------------------------------------------


def test_the_receiver_is_exempt_from_csrf(make_app):
    protected = make_app(WTF_CSRF_ENABLED=True)
    with protected.app_context():
        db.create_all()
        metadata.create_all(db.engine)
        check = check_csrf_exemption(protected)
        db.engine.dispose()
    assert check.verdict is Verdict.OK, check
    assert "404" in check.what


def _host_that_checks_csrf_everywhere(app: Flask) -> Flask:
    """Flask-WTF's selective mode: no default check, the host calls ``csrf.protect()`` itself in a
    ``before_request`` — which ignores the exemption list, so the receiver is checked too."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = app.extensions["csrf"]

    @app.before_request
    def protect_every_post():
        if request.method == "POST":
            csrf.protect()

    return app


def test_a_host_that_checks_csrf_on_the_receiver_fails(make_app):
    host = _host_that_checks_csrf_everywhere(make_app(WTF_CSRF_ENABLED=True))
    with host.app_context():
        db.create_all()
        metadata.create_all(db.engine)
        check = check_csrf_exemption(host)
        db.engine.dispose()
    assert check.verdict is Verdict.FAIL
    assert "rejected by a CSRF check (400)" in check.what
    assert "csrf.exempt" in check.fix


def test_a_host_that_redirects_the_receiver_fails(make_app):
    host = make_app()

    @host.before_request
    def login_everywhere():
        return redirect("/login")

    with host.app_context():
        check = check_csrf_exemption(host)
    assert check.verdict is Verdict.FAIL
    assert "answers 302 instead of the receiver's 404" in check.what


@pytest.mark.parametrize(("testing", "says"), [(False, "the receiver failed"), (True, "raised")])
def test_a_receiver_that_fails_is_reported_with_its_error_and_nothing_logged(make_app, caplog, testing, says):
    fresh = make_app(TESTING=testing)  # no tables: the receiver's lookup fails (500, or raised in tests)
    with fresh.app_context():
        check = check_csrf_exemption(fresh)
        db.engine.dispose()
    assert check.verdict is Verdict.FAIL
    assert says in check.what and "ninjaone_integrations" in check.what
    assert [r for r in caplog.records if r.name in (fresh.logger.name, "flask_ninjaone.webhooks")] == []


@pytest.mark.parametrize(
    ("value", "verdict", "says"),
    [
        (None, Verdict.FAIL, "is not set"),
        ("", Verdict.FAIL, "is not set"),
        ("http://psa.example.com", Verdict.FAIL, "plain http"),
        ("psa.example.com", Verdict.FAIL, "not an absolute http(s) URL"),
        ("ftp://psa.example.com", Verdict.FAIL, "not an absolute http(s) URL"),
        ("https://psa.example.com/?x=1", Verdict.FAIL, "not an absolute http(s) URL"),
        ("https://psa.example.com:port", Verdict.FAIL, "is not a URL"),
        ("https://admin:hunter2@psa.example.com", Verdict.FAIL, "must not carry credentials"),
        ("https://psa.example.com", Verdict.OK, "is https://psa.example.com"),
        ("https://psa.example.com/psa", Verdict.OK, "is https://psa.example.com/psa"),
        ("http://localhost:5000", Verdict.OK, "is http://localhost:5000"),
        ("http://127.0.0.1:5000", Verdict.OK, "is http://127.0.0.1:5000"),
        ("http://[::1]:5000", Verdict.OK, "is http://[::1]:5000"),
    ],
)
def test_public_base_url(make_app, value, verdict, says):
    host = make_app(NINJAONE_PUBLIC_BASE_URL=value)
    check = check_public_base_url(host)
    assert check.verdict is verdict, check
    assert says in check.what
    assert "hunter2" not in json.dumps(check.as_dict())
    if verdict is Verdict.FAIL:
        assert "NINJAONE_PUBLIC_BASE_URL" in check.fix


# --- Redis, workers, schedule ------------------------------------------------------------------


def test_without_redis_jobs_run_inline_which_is_a_warning(make_app):
    inline = make_app()
    checks = {
        check.name: check for check in (check_redis(inline), check_workers(inline), check_schedule(inline))
    }
    assert {name: check.verdict for name, check in checks.items()} == {
        "redis": Verdict.WARN,
        "workers": Verdict.WARN,
        "schedule": Verdict.WARN,
    }
    assert "jobs run inline — fine for development, not for production" in checks["redis"].what


def test_redis_on_a_closed_port_fails_without_showing_its_password(make_app):
    unreachable = make_app(NINJAONE_REDIS_URL="redis://:hunter2@127.0.0.1:1/10")
    checks = [check_redis(unreachable), check_workers(unreachable), check_schedule(unreachable)]
    assert [check.verdict for check in checks] == [Verdict.FAIL] * 3
    assert "Redis at redis://127.0.0.1:1/10 is unreachable" in checks[0].what
    assert "hunter2" not in json.dumps([check.as_dict() for check in checks])


def test_reachable_redis_with_no_worker_fails_the_worker_and_schedule_checks(make_app, redis_service):
    host = make_app(NINJAONE_REDIS_URL=redis_service)
    assert check_redis(host).verdict is Verdict.OK
    workers = check_workers(host)
    assert workers.verdict is Verdict.FAIL
    assert "no worker listens on ninjaone-urgent, ninjaone" in workers.what
    schedule = check_schedule(host)
    assert schedule.verdict is Verdict.FAIL and "no scheduler tick recorded" in schedule.what


def test_a_stale_schedule_fails_and_a_recent_one_passes(make_app, redis_service):
    host = make_app(NINJAONE_REDIS_URL=redis_service)
    key = f"{schedule_key_prefix(host)}:{LAST_TICK}"
    now = time.time()
    Redis.from_url(redis_service).set(key, int(now) - 600)
    stale = check_schedule(host, now=now)
    assert stale.verdict is Verdict.FAIL and "queued 600 s ago" in stale.what
    Redis.from_url(redis_service).set(key, int(now) - 50)
    assert check_schedule(host, now=now).verdict is Verdict.OK


def test_a_real_worker_serves_both_queues_and_keeps_the_schedule_and_a_killed_one_stops_counting(
    app, make_app, redis_service, workers, database_url, encryption_key
):
    host = make_app(NINJAONE_REDIS_URL=redis_service)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NINJAONE_REDIS_URL": redis_service,
        "NINJAONE_ENCRYPTION_KEYS": encryption_key,
        "SECRET_KEY": "test-secret-key",
    }
    workers.append(start_worker(env, "--name", "doctor-test-worker"))
    listening = wait_for(lambda: (c := check_workers(host)).verdict is Verdict.OK and c, what="a worker")
    assert listening.details == (
        "ninjaone-urgent: 1 worker(s) (doctor-test-worker)",
        "ninjaone: 1 worker(s) (doctor-test-worker)",
    )
    ticking = wait_for(lambda: (c := check_schedule(host)).verdict is Verdict.OK and c, what="a tick")
    assert "the last scheduler tick was queued" in ticking.what

    # SIGKILLed, it stays in RQ's registry until its key expires (minutes): seen a little later,
    # its heartbeat is too old for a live worker and it no longer counts.
    kill(workers[-1])
    later = time.time() + heartbeat_limit(host) + 5
    gone = check_workers(host, now=later)
    assert gone.verdict is Verdict.FAIL
    assert "no worker listens on ninjaone-urgent, ninjaone" in gone.what
    assert gone.details[0].startswith("ninjaone-urgent: not counted: doctor-test-worker (no heartbeat for ")


# --- tenants and webhooks ----------------------------------------------------------------------


def test_no_tenant_connected_is_a_warning(app):
    assert check_tenants(app).verdict is Verdict.WARN
    assert check_webhooks(app).verdict is Verdict.WARN


def test_a_connected_tenant_with_its_webhook_passes(make_app, ninjaone_fake):
    host = make_app(NINJAONE_PUBLIC_BASE_URL=PUBLIC)
    with host.app_context():
        db.create_all()
        ours.create_all(db.engine)
        connect_acme(host, ninjaone_fake)
        tenants, webhooks = check_tenants(host), check_webhooks(host)
        assert _secrets_in(json.dumps([tenants.as_dict(), webhooks.as_dict()])) == []
        db.session.remove()
        db.engine.dispose()
    assert tenants.verdict is Verdict.OK and tenants.details == ("acme: connected",)
    assert webhooks.verdict is Verdict.OK, webhooks


def test_a_tenant_without_public_url_has_its_webhook_off(app, ninjaone_fake):
    connect_acme(app, ninjaone_fake)
    check = check_webhooks(app)
    assert check.verdict is Verdict.FAIL
    assert check.details[0].startswith("acme: webhook off")
    assert "NINJAONE_PUBLIC_BASE_URL" in check.fix and "rotate-webhook-secret" in check.fix


def test_a_tenant_that_must_reconnect_fails_with_its_reason(app, ninjaone_fake):
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    tenant = get_state().host.find_tenant("acme")
    with tenant_scope(tenant.id):
        integration = save_credentials(db.session, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                       region=None, custom_url=ninjaone_fake.url).integration  # fmt: skip
        complete_connection(db.session, integration, authorization_code_tokens(ninjaone_fake.url), actor=None)
        mapping.apply_suggestions(db.session, integration, create_missing=True)
    assert check_tenants(app).verdict is Verdict.OK
    ninjaone_fake.state.oauth.revoke_refresh_tokens()
    ninjaone_fake.state.oauth.expire_access_tokens()
    assert app.test_cli_runner().invoke(args=["ninjaone", "orgs", "--tenant", "acme"]).exit_code == 1
    db.session.expire_all()
    check = check_tenants(app)
    assert check.verdict is Verdict.FAIL
    assert check.what == "1 of 1 connection(s) need a human"
    assert check.details == (
        "acme: reconnect_required — NinjaOne rejected the refresh token (invalid_grant): it was revoked, "
        "expired or already used. Reconnect the NinjaOne integration.",
    )
    assert "reconnect" in check.fix


# --- the command -------------------------------------------------------------------------------


def _upgraded(make_app, **config) -> Flask:
    host = make_app(NINJAONE_PUBLIC_BASE_URL=PUBLIC, WTF_CSRF_ENABLED=True, **config)
    with host.app_context():
        flask_migrate.upgrade(revision="heads")
        db.engine.dispose()
    return host


def test_the_command_exits_0_with_only_warnings_and_prints_one_line_per_check(make_app):
    host = _upgraded(make_app)
    result = host.test_cli_runner().invoke(args=["ninjaone", "doctor"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith(" ")]
    assert [line.split()[0] for line in lines] == [
        "OK",
        "OK",
        "OK",
        "OK",
        "WARN",
        "WARN",
        "WARN",
        "WARN",
        "WARN",
    ]
    assert lines[4].startswith("WARN  redis: NINJAONE_REDIS_URL is not set: jobs run inline")
    assert " — fix: Set NINJAONE_REDIS_URL" in lines[4]


def test_the_command_exits_1_on_a_failure_and_speaks_json(make_app):
    host = _upgraded(make_app, NINJAONE_REDIS_URL="redis://127.0.0.1:1/10")
    result = host.test_cli_runner().invoke(args=["ninjaone", "doctor", "--json"], catch_exceptions=False)
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    verdicts = {check["name"]: check["verdict"] for check in report["checks"]}
    assert verdicts == {
        "encryption_keys": "OK",
        "database": "OK",
        "csrf_exemption": "OK",
        "public_base_url": "OK",
        "redis": "FAIL",
        "workers": "FAIL",
        "schedule": "FAIL",
        "tenants": "WARN",
        "webhooks": "WARN",
    }
    assert set(report["checks"][0]) == {"name", "verdict", "what", "fix", "details"}


def test_a_fresh_install_fails_where_it_must_in_order(make_app):
    host = make_app()
    with host.app_context():
        checks = run_checks(host)
        db.engine.dispose()
    assert [check.name for check in checks] == [
        "encryption_keys", "database", "csrf_exemption", "public_base_url", "redis", "workers", "schedule",
        "tenants", "webhooks",
    ]  # fmt: skip
    failing = [check.name for check in checks if check.verdict is Verdict.FAIL]
    assert failing == ["database", "csrf_exemption", "public_base_url", "tenants", "webhooks"]
    assert not healthy(checks)


def test_a_check_that_raises_is_its_own_fail_line_and_the_others_still_run(app, ninjaone_fake):
    connect_acme(app, ninjaone_fake)

    def broken_find_tenant(ref):
        raise LookupError("tenant directory offline")

    get_state(app).host.find_tenant = broken_find_tenant
    checks = {check.name: check for check in run_checks(app)}
    assert checks["tenants"].verdict is Verdict.FAIL
    assert checks["tenants"].what == "the check itself failed: LookupError: tenant directory offline"
    assert checks["encryption_keys"].verdict is Verdict.OK


def test_the_whole_report_of_a_connected_deployment_holds_no_secret(make_app, ninjaone_fake):
    host = _upgraded(make_app)
    with host.app_context():
        connect_acme(host, ninjaone_fake)
        result = host.test_cli_runner().invoke(args=["ninjaone", "doctor", "--json"], catch_exceptions=False)
        report = json.loads(result.output)
        assert _secrets_in(result.output) == []
        db.session.remove()
        db.engine.dispose()
    keys = next(check for check in report["checks"] if check["name"] == "encryption_keys")
    assert keys["verdict"] == "OK" and "sampled secret(s) decrypt with the newest key" in keys["what"]
