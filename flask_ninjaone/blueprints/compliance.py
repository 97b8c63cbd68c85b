"""Fleet views: the compliance dashboard (charts, per-client table, CSV) and the software search.

Both read every instance of the tenant by default and one with ``instance=<id>`` (issue 22); the
inventory refresh button refreshes the instance chosen on the settings page, as before.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
)
from werkzeug.wrappers import Response as BaseResponse

from ..alerts.catalog import SEVERITIES_WORST_FIRST as SEVERITIES
from ..forms.mapping import ActionForm
from ..host import Permission
from ..inventory.compliance import FIGURE_COLUMNS, dashboard
from ..inventory.export import csv_chunks
from ..inventory.search import (
    COUNT_CAP,
    MATCH_MODES,
    SoftwareQuery,
    csv_header,
    csv_rows,
    search_fleet_software,
)
from ..organizations.client_mapping import client_names
from ..state import get_state
from ..sync.requests import INVENTORY, request_inventory
from ..tenancy import require_tenant_id
from .access import EXPIRED_FORM, require
from .downloads import csv_download
from .run_progress import answer_request, followed_run, run_view
from .states import connected_integration, fleet_scope

bp = Blueprint("ninjaone_compliance", __name__, template_folder="../templates")


def _client_filter(clients: dict[str, str]) -> str | None:
    value = request.args.get("client") or None
    return value if value in clients else None


@bp.get("/")
@require(Permission.VIEW)
def index() -> str:
    """Devices online/offline, pending and failed patches, antivirus, open alerts: charts + table."""
    scope = fleet_scope()
    integration = connected_integration()
    clients = client_names()
    client_id = _client_filter(clients)
    return render_template(
        "ninjaone/compliance.html",
        integration=integration,
        scope=scope,
        data=dashboard(client_id, integrations=scope.read),
        clients=clients,
        client_id=client_id,
        columns=FIGURE_COLUMNS,
        severities=SEVERITIES,
        form=ActionForm(),
        can_manage=get_state().host.has_permission(Permission.MANAGE),
        followed=run_view(followed_run(integration, INVENTORY)),
    )


@bp.get("/export.csv")
@require(Permission.VIEW)
def export() -> Response:
    """The per-client table (and the fleet total) as CSV; with several instances each row says which
    instance it counts (the total: the instances the filter read, summed)."""
    scope = fleet_scope()
    clients = client_names()
    data = dashboard(_client_filter(clients), integrations=scope.read)
    assert data is not None
    names = scope.names

    def rows() -> Iterator[list[str | int]]:
        for row in data.clients:
            yield [*([names[row.integration_id]] if scope.several else []), row.name, row.client_id or "",
                   *row.figures.row().values()]  # fmt: skip
        yield [*([scope.label] if scope.several else []), "All clients", "", *data.fleet.row().values()]

    header = [*(["Instance"] if scope.several else []), "Client", "Client id", *FIGURE_COLUMNS.values()]
    return csv_download("ninjaone-compliance", csv_chunks(header, rows()))


@bp.post("/refresh")
@require(Permission.MANAGE)
def refresh() -> BaseResponse | tuple[BaseResponse, int]:
    """Refresh the fleet's inventory now (instead of waiting for the schedule), as a detached job:
    the page follows the run where the button is (see :mod:`.run_progress`)."""
    integration = connected_integration()
    if not ActionForm().validate_on_submit():
        abort(400, EXPIRED_FORM)  # the pages' error handler answers a script in JSON
    return answer_request(request_inventory(integration, trigger="manual", detach=True), ".index")


@bp.get("/software")
@require(Permission.VIEW)
def software() -> str:
    """Which devices have a product (optionally older/newer than a version), across the fleet or a client,
    in every instance or the one ``instance`` names."""
    scope = fleet_scope()
    clients = client_names()
    query, errors = SoftwareQuery.from_args(request.args, set(clients))
    try:
        page_number = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page_number = 1
    page = search_fleet_software(scope.read, query, page_number) if not query.empty and not errors else None
    host_pages = get_state().host.pages(require_tenant_id())
    return render_template(
        "ninjaone/software_search.html",
        query=query,
        errors=errors,
        page=page,
        clients=clients,
        match_modes=MATCH_MODES,
        args=query.as_args() | scope.as_args(),
        scope=scope,
        asset_page=host_pages.asset,
        raw=request.args,
        count_cap=COUNT_CAP,
    )


@bp.get("/software.csv")
@require(Permission.VIEW)
def software_csv() -> Response:
    scope = fleet_scope()
    clients = client_names()
    query, errors = SoftwareQuery.from_args(request.args, set(clients))
    if errors:
        abort(400, "; ".join(errors))
    instances = scope.names if scope.several else None
    rows = csv_rows(scope.read, query, clients, instances)
    return csv_download("ninjaone-software", csv_chunks(csv_header(instances), rows))
