"""The vendor's operators: their tokens and, under /api/v1/operator, their API."""
