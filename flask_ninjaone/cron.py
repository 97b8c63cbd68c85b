"""``rq cron`` configuration shipped with the extension.

Run it next to your workers (one cron process per deployment is enough; RQ elects a leader):

    rq cron flask_ninjaone.cron --url $NINJAONE_REDIS_URL

It enqueues one argument-free job a minute, the scheduler tick, on the extension's queue; a
``flask ninjaone worker`` runs it inside your app and enqueues whatever syncs are due according to
each integration's own interval. Set ``NINJAONE_QUEUE_NAME`` in the cron process's environment if
you changed the queue name.
"""

from __future__ import annotations

import os

from rq import cron

from flask_ninjaone.jobs import SYSTEM, execute

cron.register(
    execute,
    queue_name=os.environ.get("NINJAONE_QUEUE_NAME", "ninjaone"),
    args=("schedule.tick", SYSTEM, {}),
    interval=60,
    name="ninjaone-schedule-tick",
)
