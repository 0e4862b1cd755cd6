"""Returns: RMAs from shipped orders, their receipt and inspection on the floor, refunds, the RMA slip."""
