"""The ``flask ninjaone`` command group: operators' and scripts' way in."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import AppGroup

from . import jobs
from .extension import get_state
from .tenancy import system_scope

ninjaone_cli = AppGroup("ninjaone", help="NinjaOne RMM integration.")


@ninjaone_cli.command("generate-key")
def generate_key() -> None:
    """Print a new Fernet key for NINJAONE_ENCRYPTION_KEYS."""
    click.echo(Fernet.generate_key().decode())


@ninjaone_cli.command("config-reference")
def config_reference() -> None:
    """Print the configuration reference (Markdown) generated from the defaults."""
    from .config import reference_markdown

    click.echo(reference_markdown(), nl=False)


@ninjaone_cli.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored secret under the first (newest) key of NINJAONE_ENCRYPTION_KEYS."""
    from .key_rotation import rotate_all

    with system_scope():
        count = rotate_all(get_state().db.session)
    click.echo(f"Re-encrypted {count} secret(s) under the newest key.")


@ninjaone_cli.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty (tests, one-off runs).")
@click.option("--name", default=None, help="Worker name (default: RQ's host:pid).")
def worker(burst: bool, name: str | None) -> None:
    """Run an RQ worker for the extension's queue inside this Flask app."""
    from rq import Worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = jobs.queue(app)
    jobs.registered_tasks()
    jobs.bind_worker_app(app)
    rq_worker = Worker([queue], connection=queue.connection, serializer=jobs.JobSerializer, name=name)
    rq_worker.work(burst=burst, with_scheduler=False)
