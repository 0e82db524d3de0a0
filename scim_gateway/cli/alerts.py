"""Commands that deliver owner alerts."""
