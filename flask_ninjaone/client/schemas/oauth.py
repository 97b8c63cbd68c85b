"""Payloads of the OAuth endpoints."""

from __future__ import annotations

from marshmallow import fields, validate

from .base import NinjaSchema


class TokenResponseSchema(NinjaSchema):
    """A successful answer of ``/ws/oauth/token``. ``expires_in`` is seconds (about 3600 on NinjaOne)."""

    access_token = fields.String(required=True, validate=validate.Length(min=1))
    token_type = fields.String()
    expires_in = fields.Float(validate=validate.Range(min=0))
    refresh_token = fields.String(validate=validate.Length(min=1))
    scope = fields.String()


class ServerMetadataSchema(NinjaSchema):
    """OAuth 2.0 authorization server metadata (RFC 8414) as NinjaOne publishes it."""

    issuer = fields.String(required=True)
    authorization_endpoint = fields.String()
    token_endpoint = fields.String()
    revocation_endpoint = fields.String()
    response_types_supported = fields.List(fields.String())
    grant_types_supported = fields.List(fields.String())
    token_endpoint_auth_methods_supported = fields.List(fields.String())
    code_challenge_methods_supported = fields.List(fields.String())
    scopes_supported = fields.List(fields.String())
