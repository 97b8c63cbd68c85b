"""A tenant's connection to NinjaOne: credentials, OAuth and tokens, the instance URL, the API client
built from them, the connection's health, and releasing a dropped connection in NinjaOne."""
