"""Services: sync, connection, alerts, webhooks… — DB + client + host adapter, no request objects."""
