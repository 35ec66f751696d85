"""Twilio adapter: the only package allowed to import ``twilio`` (a ruff rule keeps it so)."""
