"""Goods in: purchase orders as the receivers' phones see them (lines, barcodes, put-away bins) and
the REST face of receiving against them (the rules are sync/receiving.py and sync/stock.py)."""
