"""Eight processes refreshing one integration's rotating refresh token at once: exactly one
refresh reaches NinjaOne and nobody gets ``invalid_grant`` (DB row lock, or Redis lock in CI)."""

from __future__ import annotations

import multiprocessing
import traceback
from datetime import UTC, datetime

from sqlalchemy import select

from flask_ninjaone import tenant_scope
from flask_ninjaone.connection.api_client import client_for
from flask_ninjaone.connection.connect import complete_connection, save_credentials
from flask_ninjaone.models import Credential, Integration
from flask_ninjaone.state import get_state
from flask_ninjaone.testing.fake_ninjaone import FakeNinjaOne, FakeState, seed_fleet
from sample_host import create_app
from sample_host.database import db
from tests.support.oauth_flow import CLIENT_ID, CLIENT_SECRET, authorization_code_tokens

WORKERS = 8


def _worker(config: dict, tenant_id: str, barrier, results) -> None:
    try:
        app = create_app(config)
        with app.app_context(), tenant_scope(tenant_id):
            integration = db.session.scalars(select(Integration)).one()
            client = client_for(integration)
            barrier.wait(timeout=30)
            organizations = list(client.organizations())
            results.put(("ok", len(organizations)))
    except Exception:  # reported to the parent, which asserts on it
        results.put(("error", traceback.format_exc()))


def test_eight_processes_refresh_once(app, make_app, database_url, encryption_key):
    state = FakeState()
    seed_fleet(state, devices=10, organizations=3, seed=5)
    with FakeNinjaOne(state) as fake:
        app.config["NINJAONE_ALLOWED_BASE_URLS"] = (fake.url,)  # the operator lists the test's fake
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        tenant = get_state().host.find_tenant("acme")
        with tenant_scope(tenant.id):
            integration = save_credentials(
                db.session, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, region=None, custom_url=fake.url
            ).integration
            complete_connection(db.session, integration, authorization_code_tokens(fake.url), actor=None)
            credential = db.session.scalars(select(Credential)).one()
            credential.token_expires_at = datetime(2000, 1, 1, tzinfo=UTC)  # everyone must refresh
            db.session.commit()
        state.oauth.expire_access_tokens()
        state.reset_counters()
        db.session.remove()

        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(WORKERS)
        results = context.Queue()
        config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "NINJAONE_ENCRYPTION_KEYS",
                                                   "NINJAONE_REDIS_URL", "SECRET_KEY",
                                                   "NINJAONE_ALLOWED_BASE_URLS")}  # fmt: skip
        config["TESTING"] = True
        processes = [
            context.Process(target=_worker, args=(config, tenant.id, barrier, results))
            for _ in range(WORKERS)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=30)

        assert [kind for kind, _ in outcomes] == ["ok"] * WORKERS, outcomes
        assert {count for _, count in outcomes} == {3}
        assert state.token_grant_counts().get("refresh_token") == 1
        with tenant_scope(tenant.id):
            assert db.session.scalars(select(Integration)).one().status == "connected"
