"""The shared scan vectors (vectors.json) and the pieces generated scans are made of: the Python
interpreter's tests and the browser's interpreter test both read them from here."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import strategies as st

VECTORS_FILE = Path(__file__).with_name("vectors.json")
VECTORS = json.loads(VECTORS_FILE.read_text())["vectors"]
# Compared exactly, and null unless the vector names them.
DATA_FIELDS = ("gtin", "sscc", "lot", "expiry", "best_before", "serial", "count", "weight_kg")
KINDS = {"gtin", "gs1", "sscc", "tote", "order_like", "location_like", "url", "unknown"}

# Symbology prefixes, GS1 application identifiers, separators and odd characters that random scans are built from.
BARCODE_BITS = st.sampled_from(
    [
        "]C1",
        "]d2",
        "]Q3",
        "]e0",
        "]E0",
        "]E4",
        "]I1",
        "]Y",
        "]",
        "\x1d",
        "(",
        ")",
        "01",
        "00",
        "10",
        "17",
        "21",
        "3103",
        "37",
        "09506000134352",
        "106141412345678908",
        "271231",
        "991332",
        "https://id.example.com/01/",
        "/10/",
        "?17=",
        "http://[",
        "TOTE-",
        "ORD-",
        "A-01",
        "-",
        " ",
        "\r\n",
        "ä",
        "%2F",
    ]
)
