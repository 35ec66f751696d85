"""Voice calls to the line: the call record, the duty roster, and running IVR flows for a call."""
