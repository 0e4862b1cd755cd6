"""Property-based tests: Hypothesis state machines over the REST API, and over the pure op engine."""
