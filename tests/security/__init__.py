"""Security suite: isolation, permissions, CSRF, redirects, webhook auth, escaping, secrets, fuzzing."""
