"""What the commands share: the --tenant and --instance options, tenant and instance lookup, tables."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from ..connection.instances import InstanceError, instance_for
from ..host import TenantRef
from ..state import get_state

if TYPE_CHECKING:
    from ..models import Integration


def resolve_tenant(ref: str) -> TenantRef:
    tenant = get_state().host.find_tenant(ref)
    if tenant is None:
        raise click.BadParameter(f"no tenant with id or slug {ref!r}", param_hint="--tenant")
    return tenant


tenant_option = click.option("--tenant", "tenant_ref", required=True, help="Tenant id or slug.")
instance_option = click.option(
    "--instance",
    "instance_ref",
    default=None,
    help="NinjaOne instance name or id (see `status`); required when the tenant has several.",
)


def echo_table(header: tuple[str, ...], lines: Sequence[tuple[str, ...]]) -> None:
    """Print rows as left-aligned columns under ``header`` (the listing commands' plain output)."""
    table = [header, *lines]
    widths = [max(len(line[index]) for line in table) for index in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def echo_listing(
    rows: Sequence[dict[str, Any]],
    *,
    as_json: bool,
    empty: str,
    header: tuple[str, ...],
    line: Callable[[dict[str, Any]], tuple[str, ...]],
) -> None:
    """A listing command's output: its rows as a JSON array (``--json``), ``empty`` when there are
    none, else a table of ``line(row)`` under ``header``."""
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        click.echo(empty)
    else:
        echo_table(header, [line(row) for row in rows])


def connected_integration(tenant: TenantRef, instance_ref: str | None) -> Integration:
    """The tenant's instance named by ``--instance`` (or its only one; call inside its
    ``tenant_scope``), or a clean CLI error: none, unknown, or several and no ``--instance``."""
    try:
        integration = instance_for(get_state().db.session, instance_ref)
    except InstanceError as exc:
        raise click.ClickException(str(exc)) from None
    if integration is None:
        raise click.ClickException(f"{tenant.slug} is not connected to NinjaOne")
    return integration
