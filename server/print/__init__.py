"""Printed documents: pick lists, packing slips, shipping labels (HTML and ZPL), bin labels."""
