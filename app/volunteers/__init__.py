"""Volunteers: who can help, when, and how offers reach them."""
