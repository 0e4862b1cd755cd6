"""Packing: package types the packers choose from, the packing queue, carriers' shipments."""
