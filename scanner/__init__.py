"""Barcode interpretation: what a scanned string means (GTIN/EAN/UPC, GS1 element strings, SSCC,
our own tote/order/location codes), all checked by biip."""

from .gtin import BarcodeError, ProductCode, classify_product_code
from .interpret import Scan, interpret

__all__ = ["BarcodeError", "ProductCode", "Scan", "classify_product_code", "interpret"]
