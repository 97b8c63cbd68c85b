"""``flask ninjaone rules export|import``: copy a tenant's alert rules to a file and into another tenant.

A rule's instance travels by name; ``import --instance NAME|ID`` puts the file's instance-scoped rules
on that instance instead (an installation whose instances are named otherwise).

Both go through :mod:`flask_ninjaone.alerts.rule_transfer`, which the rules page's download and
upload use too; an import validates every rule as the rule form does and writes all or nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ..alerts import rule_transfer
from ..state import get_state
from ..tenancy import tenant_scope
from .group import ninjaone_cli
from .helpers import connected_integration, resolve_tenant, tenant_option


@ninjaone_cli.group("rules")
def rules_group() -> None:
    """Export and import alert rules as JSON (instances, organizations and people by name)."""


@rules_group.command("export")
@tenant_option
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of standard output.")  # fmt: skip
@click.option("--instance", "instance_ref", default=None,
              help="Only the rules that handle this NinjaOne instance's alerts (its own and those for "
                   "all instances); default: every rule.")  # fmt: skip
def export_command(tenant_ref: str, output: Path | None, instance_ref: str | None) -> None:
    """Write the tenant's alert rules, in evaluation order, as JSON."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        only = connected_integration(tenant, instance_ref).id if instance_ref is not None else None
        document = rule_transfer.export_rules(
            get_state().db.session, tenant.id, exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
            instance_id=only,
        )  # fmt: skip
    text = rule_transfer.dump(document)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Exported {len(document['rules'])} rule(s) of {tenant.slug} to {output}.", err=True)


@rules_group.command("import")
@tenant_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace/--append", default=False, show_default=True,
              help="Replace the tenant's rules, or add the file's after them (new names only).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; write nothing.")
@click.option("--instance", "instance_ref", default=None,
              help="NinjaOne instance name or id for the file's instance-scoped rules, instead of the "
                   "instances they name.")  # fmt: skip
def import_command(
    tenant_ref: str, file: Path, replace: bool, dry_run: bool, instance_ref: str | None
) -> None:
    """Import alert rules from FILE into the tenant: every rule or, on any error, none. Each rule goes to
    the instance it names (by name), or to --instance; rules for all instances stay so."""
    tenant = resolve_tenant(tenant_ref)
    size = file.stat().st_size
    if size > rule_transfer.MAX_FILE_BYTES:
        raise click.ClickException(
            f"{file} is {size:,} bytes; at most {rule_transfer.MAX_FILE_BYTES:,} are accepted."
        )
    with tenant_scope(tenant.id):
        try:
            drafts = rule_transfer.import_rules(
                get_state().db.session, tenant.id, file.read_bytes(), replace=replace, dry_run=dry_run,
                instance=instance_ref,
            )  # fmt: skip
        except rule_transfer.RuleFileError as exc:
            raise click.ClickException(
                "nothing was imported:\n  "
                + "\n  ".join(exc.lines[:50])
                + (f"\n  … and {len(exc.lines) - 50} more" if len(exc.lines) > 50 else "")
            ) from None
    verb = "Would import" if dry_run else "Imported"
    how = "replacing the existing rules" if replace else "after the existing rules"
    click.echo(f"{verb} {len(drafts)} rule(s) into {tenant.slug}, {how}:")
    for draft in drafts:
        notes = [note for note, on in (("catch-all", draft.catch_all), ("inactive", not draft.active)) if on]
        click.echo(f"  {draft.name}" + (f" ({', '.join(notes)})" if notes else ""))
