"""A second, minimal host (UUID keys, its own roles and layout) for the seam tests in tests/second_host/."""
