"""Suppliers, purchase orders and their proposals, drop-ships: the buying side of the warehouse."""
