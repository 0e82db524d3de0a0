"""The owners' Alerts page: recipients, webhook endpoints, thresholds, deliveries."""
