"""Every shared scan vector through `scanner.interpret`: the same file checks the browser's interpreter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import interpret
from tests.scanner.vectors import BARCODE_BITS, DATA_FIELDS, KINDS, VECTORS


def test_there_are_enough_vectors_and_every_kind_has_valid_and_invalid_cases():
    assert len(VECTORS) >= 40
    kinds = {(v["expect"]["kind"], v["expect"]["valid"]) for v in VECTORS}
    for kind in ("gtin", "gs1", "sscc"):
        assert (kind, True) in kinds and (kind, False) in kinds, kind
    assert {v["expect"]["kind"] for v in VECTORS} == KINDS
    assert len({v["scan"] for v in VECTORS}) == len(VECTORS), "a scan is listed twice"


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{i:02d}-{v['note'][:40]}" for i, v in enumerate(VECTORS)])
def test_vector(vector):
    expect = vector["expect"]
    got = interpret(vector["scan"]).as_dict()
    assert (got["kind"], got["valid"]) == (expect["kind"], expect["valid"]), got
    for name in DATA_FIELDS:
        assert got[name] == expect.get(name), (name, got)
    for name in ("code", "format", "order_id"):
        if name in expect:
            assert got[name] == expect[name], (name, got)
    if got["valid"]:
        assert got["error"] is None, got
    else:
        assert got["error"], got
        assert expect.get("error", "") in got["error"], got
    if got["gtin"] is not None:
        assert len(got["gtin"]) == 14 and got["gtin"].isdigit()


def test_what_is_interpreted_is_the_scan_as_received():
    scan = interpret("]C10109506000134352")
    assert scan.scan == "]C10109506000134352" and scan.symbology == "]C1" and scan.text == "0109506000134352"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.one_of(BARCODE_BITS, st.text(max_size=4)), max_size=8).map("".join)))
def test_any_text_gets_a_meaning_and_never_an_exception(text):
    """Whatever a scanner sends, the interpreter answers: a known kind, an error exactly when invalid,
    GTINs of 14 digits and SSCCs of 18."""
    scan = interpret(text)
    assert scan.kind in KINDS
    assert (scan.error is None) == scan.valid
    assert scan.gtin is None or (len(scan.gtin) == 14 and scan.gtin.isdigit())
    assert scan.sscc is None or (len(scan.sscc) == 18 and scan.sscc.isdigit())
    if not scan.valid:
        assert scan.gtin is None and scan.sscc is None and scan.lot is None
