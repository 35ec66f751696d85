"""The worker's scheduler: periodic sweeps over deadline columns, one runner at a time."""
