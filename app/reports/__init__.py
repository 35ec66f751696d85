"""Supervision figures computed from the ticket timeline, the weekly report and the ranking."""
