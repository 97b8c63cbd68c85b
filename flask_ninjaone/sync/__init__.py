"""Device synchronisation: NinjaOne device → host asset record (pure, :mod:`.asset_records`) and the
sync runs built on it."""
