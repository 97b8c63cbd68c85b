"""A new series' row when another worker inserted the same series first (under another problem key,
so the problem lock did not keep them apart): the unique key decides, the loser gets the winner's row
and its transaction goes on."""

from __future__ import annotations

from sqlalchemy import func, select

from flask_ninjaone.alerts.events import ConditionEvent
from flask_ninjaone.alerts.run import LifecycleRun
from flask_ninjaone.models import Alert
from tests.support.alerts_world import World


def test_inserting_a_series_already_inserted_returns_that_row_and_keeps_the_transaction(
    world: World, catch_all: int
) -> None:
    result = world.trigger(world.device().device_id, condition="cpu", source_config_uid="cond-cpu")
    event = ConditionEvent.from_activity(world.delivery(result["activities"][0]))
    assert event is not None
    with world.scope() as session:
        winner = session.scalars(select(Alert.id).where(Alert.series_uid == event.series_uid)).one()
        run = LifecycleRun(session, world.integration(session))
        alert, new = run.rows.insert(event)  # as a worker that read no row before the winner committed
        assert (alert.id, new) == (winner, False)
        # The conflict did not abort the transaction: it can still read and write.
        alert.occurrence_count = 7
        session.commit()
        assert session.scalar(select(func.count()).select_from(Alert)) == 1
    assert world.alert(event.series_uid).occurrence_count == 7
