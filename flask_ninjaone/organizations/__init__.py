"""NinjaOne organizations: the local list kept in step with NinjaOne, and the organization → host
client mapping that decides which host client a device's asset belongs to."""
