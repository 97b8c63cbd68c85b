"""``flask ninjaone adoption``: new devices whose serial is an asset of another NinjaOne instance of the
tenant ("the same machine seen by both?"), and the admin's answer; the page's twin is on the sync page."""

from __future__ import annotations

import click

from ..state import get_state
from ..sync.adoption import AdoptionError, question_rows
from ..sync.adoption import answer as answer_question
from ..tenancy import tenant_scope
from .group import ninjaone_cli
from .helpers import connected_integration, echo_listing, instance_option, resolve_tenant, tenant_option


@ninjaone_cli.group("adoption")
def adoption_cli() -> None:
    """Devices held because their serial is another instance's asset: same machine, or two?"""


@adoption_cli.command("list")
@tenant_option
@instance_option
@click.option("--all", "show_all", is_flag=True, help="Answered questions too.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_questions(tenant_ref: str, instance_ref: str | None, show_all: bool, as_json: bool) -> None:
    """The instance's open questions: its device, the asset with the same serial and whose device feeds it."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        rows = question_rows(get_state().db.session, integration, open_only=not show_all)
    echo_listing(
        rows,
        as_json=as_json,
        empty=f"No {'' if show_all else 'open '}adoption question for {integration.name}.",
        header=("DEVICE", "NAME", "SERIAL", "ASSET", "FED BY", "ANSWER"),
        line=lambda row: (
            str(row["device_id"]),
            row["device_name"],
            row["serial_number"],
            row["host_asset_id"],
            f"{row['owner_instance']} device {row['owner_device_id']} ({row['owner_device_name']})",
            row["answer"] or "open",
        ),  # fmt: skip
    )


@adoption_cli.command("answer")
@tenant_option
@instance_option
@click.option(
    "--device", "device_id", type=click.IntRange(min=1), required=True, help="The held device's id."
)
@click.argument("given", metavar="link|separate", type=click.Choice(["link", "separate"]))
def answer_command(tenant_ref: str, instance_ref: str | None, device_id: int, given: str) -> None:
    """link: the same machine, the device joins that asset; separate: two machines, it gets its own.
    The next sync of the instance follows the answer."""
    tenant = resolve_tenant(tenant_ref)
    with tenant_scope(tenant.id):
        integration = connected_integration(tenant, instance_ref)
        name = integration.name  # read before the answer commits (the row expires outside the scope)
        try:
            answer_question(get_state().db.session, integration, device_id, given, actor=None)
        except AdoptionError as exc:
            raise click.ClickException(str(exc)) from None
    follows = "joins that asset" if given == "link" else "gets its own asset"
    click.echo(f"Answered: device {device_id} of {name} {follows} at the next sync.")
