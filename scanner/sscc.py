"""SSCCs for our own shipping labels: extension digit, GS1 company prefix, serial reference, check digit.

One order gets one SSCC: its serial reference is the order id, zero-padded to fill the 16 digits
after the extension digit that the company prefix leaves. Each package of an order gets its own, made
the same way from the package id under extension digit 1 (orders use 0), so the two series never
meet. The check digit comes from biip.
"""

from __future__ import annotations

import os

from biip.checksums import gs1_standard_check_digit

# A GS1 test prefix (the one GS1's own examples use); a warehouse sets its real one in
# SHIPSHAPE_GS1_COMPANY_PREFIX.
DEFAULT_COMPANY_PREFIX = "0950600"
EXTENSION_DIGIT = "0"  # order labels
PACKAGE_EXTENSION_DIGIT = "1"  # package labels


def configured_company_prefix() -> str:
    """The warehouse's GS1 company prefix: SHIPSHAPE_GS1_COMPANY_PREFIX, else the test prefix."""
    prefix = os.environ.get("SHIPSHAPE_GS1_COMPANY_PREFIX", "").strip() or DEFAULT_COMPANY_PREFIX
    _check_prefix(prefix)
    return prefix


def _check_prefix(company_prefix: str) -> None:
    if not (company_prefix.isascii() and company_prefix.isdigit() and 6 <= len(company_prefix) <= 12):
        raise ValueError(f"a GS1 company prefix has 6 to 12 digits; got {company_prefix!r}")


def _sscc(extension: str, serial_id: int, company_prefix: str, what: str) -> str:
    _check_prefix(company_prefix)
    width = 16 - len(company_prefix)
    serial = str(serial_id)
    if serial_id < 1 or len(serial) > width:
        raise ValueError(f"{what} id {serial_id} does not fit the {width}-digit serial reference left by prefix {company_prefix}")
    payload = extension + company_prefix + serial.zfill(width)
    return payload + str(gs1_standard_check_digit(payload))


def _serial_of(sscc: str, extension: str, company_prefix: str) -> int | None:
    _check_prefix(company_prefix)
    head = extension + company_prefix
    if len(sscc) != 18 or not sscc.startswith(head) or not sscc.isdigit():
        return None
    if int(sscc[-1]) != gs1_standard_check_digit(sscc[:-1]):
        return None
    return int(sscc[len(head) : -1]) or None


def sscc_for_order(order_id: int, company_prefix: str = DEFAULT_COMPANY_PREFIX) -> str:
    """The 18-digit SSCC printed on an order's shipping label."""
    return _sscc(EXTENSION_DIGIT, order_id, company_prefix, "order")


def order_of_sscc(sscc: str, company_prefix: str = DEFAULT_COMPANY_PREFIX) -> int | None:
    """The order id behind one of our label SSCCs; None when the SSCC was not made by `sscc_for_order`."""
    return _serial_of(sscc, EXTENSION_DIGIT, company_prefix)


def sscc_for_package(package_id: int, company_prefix: str = DEFAULT_COMPANY_PREFIX) -> str:
    """The 18-digit SSCC printed on one package's shipping label."""
    return _sscc(PACKAGE_EXTENSION_DIGIT, package_id, company_prefix, "package")


def package_of_sscc(sscc: str, company_prefix: str = DEFAULT_COMPANY_PREFIX) -> int | None:
    """The package id behind one of our package label SSCCs; None when `sscc_for_package` did not make it."""
    return _serial_of(sscc, PACKAGE_EXTENSION_DIGIT, company_prefix)


def hri(sscc: str, company_prefix: str = DEFAULT_COMPANY_PREFIX) -> str:
    """The human-readable line under the barcode, grouped as GS1 prints it: `(00) 0 0950600 000000012 5`."""
    cut = 1 + len(company_prefix)
    return f"(00) {sscc[0]} {sscc[1:cut]} {sscc[cut:-1]} {sscc[-1]}"
