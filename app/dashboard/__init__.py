"""The staff dashboard: queue, ticket timeline and actions, volunteers, residents, reports."""
