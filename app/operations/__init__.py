"""Running the line: logs that trace one text, metrics, readiness and the doctor's checks."""
