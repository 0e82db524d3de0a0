"""Generative tests: generated requests and request sequences against the app."""
