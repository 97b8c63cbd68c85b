"""What each host role may do, both in the host itself and in the extension's pages."""

from __future__ import annotations

from flask_ninjaone.host import Permission

#: The extension asks ``has_permission(Permission.X)``; the host answers from the user's role.
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "technician": frozenset({Permission.VIEW, Permission.ALERTS, Permission.REMOTE, Permission.ACTIONS}),
    "viewer": frozenset({Permission.VIEW}),
}

#: Roles allowed to create and change clients, assets and tickets (viewers only read).
EDITOR_ROLES = frozenset({"admin", "technician"})


def role_has_permission(role: str, permission: Permission) -> bool:
    """Unknown roles get nothing, so a typo in a role column fails closed."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
