"""Commands for owners and their API tokens."""
