"""Scanning: what a scanned code means in this warehouse (location, product, tote, package, order)."""
