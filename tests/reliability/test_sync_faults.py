"""API faults during a full sync: recovered when transient, a clean failure when not, and the next
run always completes with nothing lost and nothing duplicated."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from flask_ninjaone import signals, tenant_scope
from flask_ninjaone.connection.connect import complete_connection, save_credentials
from flask_ninjaone.models import Integration, RunState, SyncRun
from flask_ninjaone.organizations import client_mapping as mapping
from flask_ninjaone.state import get_state
from flask_ninjaone.sync.runner import AlreadyRunning, run_sync
from flask_ninjaone.testing.fake_ninjaone.faults import Fault
from sample_host.database import db
from tests.support.oauth_flow import CLIENT_ID, CLIENT_SECRET, authorization_code_tokens
from tests.support.reliability import consistency

PATH = "/v2/devices-detailed"


@pytest.mark.parametrize(
    ("fault", "label"),
    [
        (Fault(path=PATH, kind="rate_limit", times=3, retry_after=1), "429 storm with Retry-After"),
        (Fault(path=PATH, kind="rate_limit", times=3), "429 storm without Retry-After"),
        (Fault(path=PATH, kind="html_throttle", times=3), "HTML throttle page"),
        (Fault(path=PATH, kind="server_error", times=4), "500 burst"),
        (Fault(path=PATH, kind="slow", times=2, seconds=1.5), "slow responses"),
    ],
    ids=["429-retry-after", "429-no-header", "html-throttle", "500-burst", "slow"],
)
def test_transient_faults_are_recovered_within_the_run(connected, fake, report, fault, label):
    tenant, integration_id = connected
    fake.state.faults.inject(fault)
    report.did(
        f"full sync of {len(fake.state.devices_page(None, 10**6))} devices with {label} (x{fault.times})"
    )
    with tenant_scope(tenant.id):
        run = run_sync(integration_id)
    report.checked(f"run succeeded despite the fault (retries: {run.api_calls.get('retries')})",
                   run.state == RunState.SUCCEEDED)  # fmt: skip
    report.checked("the fault was actually served", not fake.state.faults.pending())
    consistency(report, tenant, fake)


def test_persistent_500s_fail_cleanly_then_the_next_run_completes(app, connected, fake, report):
    tenant, integration_id = connected
    app.config["NINJAONE_HTTP_MAX_RETRIES"] = 1
    with tenant_scope(tenant.id):
        assert run_sync(integration_id).state == RunState.SUCCEEDED
        gone = sorted(fake.state.devices_page(None, 10**6), key=lambda d: d["id"])[:3]
        for device in gone:
            fake.state.delete_device(device["id"])
        report.did("deleted 3 devices in NinjaOne, then a sync hit a 500 on every device page")
        fake.state.faults.inject(Fault(path=PATH, kind="server_error", times=100))
        failed = run_sync(integration_id)
        report.checked(f"run failed with the error recorded: {failed.error!r}",
                       failed.state == RunState.FAILED and "500" in (failed.error or ""))  # fmt: skip
        report.checked("an incomplete walk retired nothing", failed.counts.get("retired", 0) == 0)
        fake.state.faults.clear()
        recovered = run_sync(integration_id)
        report.checked("the next run retired exactly the 3 deleted devices", recovered.counts["retired"] == 3)
    consistency(report, tenant, fake)


def _on_first_page(action):
    """Run ``action`` once, when the first device of a run is written (i.e. mid-walk)."""
    fired = threading.Event()

    def receiver(_sender, **_kwargs):
        if not fired.is_set():
            fired.set()
            action()

    signals.device_synced.connect(receiver)
    return receiver, fired


def test_token_expiry_mid_walk_is_recovered(connected, fake, report):
    tenant, integration_id = connected
    receiver, fired = _on_first_page(fake.state.oauth.expire_access_tokens)
    try:
        with tenant_scope(tenant.id):
            run = run_sync(integration_id)
    finally:
        signals.device_synced.disconnect(receiver)
    report.did("expired every access token after the first device was written")
    report.checked("the expiry happened mid-walk", fired.is_set())
    report.checked(f"run succeeded after renewing the token ({run.api_calls.get('token_renewals')} renewal)",
                   run.state == RunState.SUCCEEDED and run.api_calls.get("token_renewals") == 1)  # fmt: skip
    consistency(report, tenant, fake)


def test_refresh_token_revoked_mid_walk_needs_a_human(app, fake, report):
    assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    tenant = get_state().host.find_tenant("acme")
    with tenant_scope(tenant.id):
        integration = save_credentials(db.session, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                       region=None, custom_url=fake.url).integration  # fmt: skip
        complete_connection(db.session, integration, authorization_code_tokens(fake.url), actor=None)
        mapping.apply_suggestions(db.session, integration, create_missing=True)
        integration_id = integration.id

        def revoke() -> None:
            fake.state.oauth.revoke_refresh_tokens()
            fake.state.oauth.expire_access_tokens()

        receiver, _ = _on_first_page(revoke)
        try:
            run = run_sync(integration_id)
        finally:
            signals.device_synced.disconnect(receiver)
        report.did("revoked the refresh token and expired the access token mid-walk")
        report.checked(f"run failed: {run.error!r}", run.state == RunState.FAILED)
        integration = db.session.scalars(select(Integration)).one()
        report.checked("integration shows reconnect_required", integration.status == "reconnect_required")
        report.checked("committed pages stayed (first page written)", run.processed >= 1000)
        report.checked("nothing retired by the failed walk", run.counts.get("retired", 0) == 0)
        grants = fake.state.token_grant_counts().get("refresh_token", 0)
        report.checked(f"the dead refresh token was tried once, not in a loop ({grants})", grants == 1)


def test_two_syncs_requested_at_once_run_once(app, connected, fake, report):
    tenant, integration_id = connected
    with tenant_scope(tenant.id):
        runs_before = len(db.session.scalars(select(SyncRun)).all())
    fake.state.faults.inject(Fault(path=PATH, kind="slow", times=1, seconds=1.0))
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        with app.app_context(), tenant_scope(tenant.id):
            barrier.wait()
            try:
                outcomes.append(run_sync(integration_id).state)
            except AlreadyRunning:
                outcomes.append("already_running")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    report.did("started two syncs of one integration at the same instant")
    report.checked(
        f"one ran, one was refused: {sorted(outcomes)}", sorted(outcomes) == ["already_running", "succeeded"]
    )
    with tenant_scope(tenant.id):
        runs = db.session.scalars(select(SyncRun)).all()
    report.checked("exactly one run recorded", len(runs) == runs_before + 1)
    consistency(report, tenant, fake)
