"""Sign-in: the seat gate, the token checks, the API hook and the sso commands."""
