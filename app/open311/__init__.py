"""Open311 GeoReport v2: the standard API for reading tickets and posting new ones."""
