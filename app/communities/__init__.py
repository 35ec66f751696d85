"""Communities and the street departments and partner units tickets can go to."""
