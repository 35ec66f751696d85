"""Categories: what residents ask for, and how a text is classified."""
