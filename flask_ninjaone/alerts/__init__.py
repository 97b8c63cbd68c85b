"""Alert → ticket automation.

Pure parts, exhaustively tested: :mod:`.rules` (rule schema, matching, first match, priorities),
:mod:`.ticket_text`, :mod:`.maintenance`, :mod:`.flapping`, :mod:`.events`.
Services on top of them: :mod:`.lifecycle` (``handle_condition``; the parts it is made of are
:mod:`.triggers`, :mod:`.resolution`, :mod:`.run`, :mod:`.rows`, :mod:`.tickets`, :mod:`.lookups`,
:mod:`.outbox`), :mod:`.panel_actions` (acknowledge, resolve, create a ticket),
:mod:`.reconcile` (``GET /v2/alerts``), :mod:`.rule_store` (rules and maintenance windows, audited),
:mod:`.panel` (listing and filters), :mod:`.dry_run` ("test this rule").
"""
