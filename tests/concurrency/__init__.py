"""Concurrency tests against a real multi-process server."""
