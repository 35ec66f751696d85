"""Tickets: the requests residents make, their lifecycle and deadlines."""
