"""``create_fake_app(state)``: the WSGI app of the fake NinjaOne.

Every request outside ``/_fake/`` is first counted (per ``"METHOD /path/{template}"``) and then offered to
the fault queue, before authentication, as an edge throttle would be (a ``trickle`` fault lets the
request through and slows its answer down instead). JSON is emitted with keys in the
order the records hold them (the real order) and unicode unescaped, as NinjaOne does.
"""

from __future__ import annotations

import re
import time

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from . import actions_api, api, control, custom_fields_api, dashboard, oauth
from .errors import FakeApiError
from .state import FakeState

_PATH_VARIABLE = re.compile(r"<(?:\w+:)?(\w+)>")
# Flask variable names -> the OpenAPI template names used in counter keys.
_SPEC_NAMES = {"device_id": "id", "organization_id": "id"}


def create_fake_app(state: FakeState) -> Flask:
    app = Flask(__name__)
    # the default provider has these; app.json is typed as the JSONProvider base
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["fake_ninjaone"] = state
    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(actions_api.bp)
    app.register_blueprint(custom_fields_api.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(dashboard.bp)

    @app.before_request
    def count_and_inject_faults() -> Response | None:
        if request.path.startswith("/_fake/") or request.path == "/":  # not the API: control, web app
            return None
        state.count_request(_endpoint_key())
        fault = state.faults.take(request.method, request.path)
        if fault is None:
            return None
        if fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault.kind == "trickle":
            g.trickle = fault
        return fault.response()

    @app.after_request
    def trickle_the_answer(response: Response) -> Response:
        fault = g.pop("trickle", None)
        return fault.trickled(response) if fault is not None else response

    @app.errorhandler(FakeApiError)
    def fake_api_error(error: FakeApiError) -> Response:
        return error.to_response()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> BaseResponse:
        if error.code is not None and error.code < 400:  # routing redirects stay redirects
            return error.get_response()
        response = jsonify({"resultCode": "FAILURE", "errorMessage": error.description})
        response.status_code = error.code or 500
        return response

    return app


def _endpoint_key() -> str:
    """``GET /v2/device/{id}`` for a matched route; the raw path for a 404."""
    if request.url_rule is None:
        return f"{request.method} {request.path}"
    template = _PATH_VARIABLE.sub(lambda m: "{" + _SPEC_NAMES.get(m[1], m[1]) + "}", request.url_rule.rule)
    return f"{request.method} {template}"
