"""Barcode interpretation: GTIN/EAN/UPC check digits (via biip) and, later, GS1 element strings."""

from .gtin import BarcodeError, ProductCode, classify_product_code

__all__ = ["BarcodeError", "ProductCode", "classify_product_code"]
