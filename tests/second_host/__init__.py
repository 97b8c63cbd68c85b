"""A second, minimal host PSA, unlike the sample host on purpose: UUID keys, other names (workspaces,
members, customers, equipment, cases), its own roles and sign-in, a layout whose blocks have other
names (adapted by a shim), CSRFProtect on, and the extension initialised before or after Migrate and
CSRFProtect. It proves the seam carries a host the extension was not written around.
"""
