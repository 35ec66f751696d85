"""Residents: the people who call or text the line."""
