"""Commands for the operator: keys, references, the worker, the simulator."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet

from .. import config, host_reference, jobs
from ..key_rotation import rotate_all
from ..state import current_app_object, get_state
from ..tenancy import system_scope
from ..worker import NinjaOneWorker
from .group import ninjaone_cli


@ninjaone_cli.command("generate-key")
def generate_key() -> None:
    """Print a new Fernet key for NINJAONE_ENCRYPTION_KEYS."""
    click.echo(Fernet.generate_key().decode())


@ninjaone_cli.command("config-reference")
def config_reference() -> None:
    """Print the configuration reference (Markdown) generated from the defaults."""
    click.echo(config.reference_markdown(), nl=False)


@ninjaone_cli.command("adapter-reference")
def adapter_reference() -> None:
    """Print the host adapter reference (Markdown): HostAdapter, the seam's types, signals, blocks."""
    click.echo(host_reference.reference_markdown(), nl=False)


@ninjaone_cli.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored secret under the first (newest) key of NINJAONE_ENCRYPTION_KEYS."""
    with system_scope():
        count = rotate_all(get_state().db.session)
    click.echo(f"Re-encrypted {count} secret(s) under the newest key.")


@ninjaone_cli.command("worker")
@click.option(
    "--burst", is_flag=True, help="Exit when the queues are empty; keeps no schedule (tests, one-off runs)."
)
@click.option("--name", default=None, help="Worker name (default: RQ's host:pid).")
def worker(burst: bool, name: str | None) -> None:
    """Run an RQ worker for the extension's queues (urgent first) inside this Flask app; the workers
    also keep the schedule (inbox sweeps, the scheduler tick): no other process is needed."""
    app = current_app_object()
    queues = [jobs.queue(app, urgent=True), jobs.queue(app)]
    jobs.bind_worker_app(app)
    rq_worker = NinjaOneWorker(
        queues,
        app=app,
        keep_schedule=not burst,
        connection=queues[0].connection,
        serializer=jobs.JobSerializer,
        name=name,
    )
    rq_worker.work(burst=burst, with_scheduler=True)  # the scheduler runs delayed retries


@ninjaone_cli.command("simulator")
@click.option("--port", default=5055, show_default=True, help="Port to listen on (0 = any free port).")
@click.option("--devices", default=250, show_default=True, help="Number of devices to seed.")
@click.option("--seed", default=0, show_default=True, help="Random seed of the generated fleet.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--organization",
    "organizations",
    multiple=True,
    help="An organization to add by name (repeatable), e.g. spelled like one of your clients.",
)
def simulator(port: int, devices: int, seed: int, host: str, organizations: tuple[str, ...]) -> None:
    """Run the fake NinjaOne (OAuth, API, webhooks, control API) with a generated fleet."""
    # The one way production code reaches the test kit: loaded when this command runs, not by every
    # app that registers the CLI (allowed in ruff's PLC0415 and the import contracts, pyproject.toml).
    from ..testing.fake_ninjaone import run_simulator

    try:
        run_simulator(port=port, devices=devices, seed=seed, host=host, organization_names=organizations)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--organization") from None
