"""Technician actions on NinjaOne devices: reboot, run script, patch scan/apply, maintenance start and end.

One action is one :class:`~..models.DeviceAction` row and goes through these modules, in order:

* :mod:`.inputs` turns what a person typed (a form, CLI options) into a checked request;
* :mod:`.start` refuses what must not reach NinjaOne (not connected, no ``management`` scope,
  another tenant's or an unmanaged asset, an offline agent, a device class that cannot do it),
  records the action once per action key and queues the ``actions.send`` job;
* :mod:`.send` sends it (``queued`` → ``sent``, or ``failed``; throttling and network errors are
  retried with backoff); a maintenance change is confirmed by re-reading the device;
* :mod:`.scripts` refuses a script on a connection without a user context and reads the device's
  scripting options that :func:`.inputs.script` checks the request against;
* :mod:`.confirm` confirms a reboot from the ``SYSTEM_REBOOTED`` activity NinjaOne delivers
  (webhook), finishes a script run from ``SCRIPTING`` / ``COMPLETED``, and writes the outcome as a
  note on the ticket the action was started from; :mod:`.patching` does the same for patch jobs from
  the ``PATCH_MANAGEMENT`` / ``SOFTWARE_PATCH_MANAGEMENT`` activities (:mod:`.reports` reads them);
* :mod:`.bulk` starts one of these actions on many selected devices (one row and job each).

API calls per action (no retries, token renewals aside): reboot 1 (``POST .../reboot/{mode}``),
maintenance start 2 (``PUT .../maintenance`` and ``GET /v2/device/{id}`` to confirm), maintenance
end 2 (``DELETE`` and the same ``GET``), script 2 (``GET .../scripting/options`` at the start,
``POST .../script/run``; its result comes by webhook), patch scan or apply 1 (``POST
.../patch/{os|software}/{scan|apply}``; its end comes by webhook). A refused action makes none (a
script refused for bad input: the one options read). A bulk action makes the sum of its devices'.
"""
