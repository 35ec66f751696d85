"""Satisfaction surveys after a ticket is resolved, and the return visits (回访) they trigger."""
