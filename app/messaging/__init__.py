"""Messaging: every SMS in and out, the outbox and its worker."""
