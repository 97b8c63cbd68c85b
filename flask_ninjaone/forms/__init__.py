"""Flask-WTF forms of the extension (CSRF-protected, validated server side)."""
