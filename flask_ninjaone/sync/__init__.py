"""Device synchronisation: pure NinjaOne device → host asset mapping and the sync jobs built on it."""
