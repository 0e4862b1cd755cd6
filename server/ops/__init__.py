"""Running Shipshape in production: readiness, structured logs, Prometheus metrics, the sync epoch.

See docs/deploy.md for how each is used."""
