"""``flask ninjaone …``: the group (:mod:`.group`), the commands by topic, their shared helpers
(:mod:`.helpers`). Importing the package registers every command on the group; no module of the
package imports the package back (the layout RQ's ``rq.cli`` uses).
"""

from . import (  # noqa: F401
    actions,
    adoption,
    alerts,
    billing,
    connection,
    devices,
    doctor,
    inventory,
    operations,
    rules,
    tenants,
    webhooks,
)
from .group import ninjaone_cli

__all__ = ["ninjaone_cli"]
