"""flask-ninjaone: a NinjaOne RMM integration for Flask-based PSA applications."""
