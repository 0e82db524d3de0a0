"""Real servers and clients that the end-to-end tests run against."""
