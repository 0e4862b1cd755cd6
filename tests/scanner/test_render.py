"""Printed barcodes scan back to exactly what was meant: every SVG we print is rasterised (cairosvg,
300 dpi) and decoded with zxing-cpp — the decoder family the browser uses — then read by our own
interpreter. Plus the print routes: who may print what, and pages that pass the CSP."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import cairosvg
import pytest
import zxingcpp
from biip.sscc import Sscc
from PIL import Image

from scanner import interpret
from scanner.render import SYMBOLOGIES, LabelData, barcode_svg, shipping_label_zpl
from scanner.sscc import DEFAULT_COMPANY_PREFIX, hri, order_of_sscc, sscc_for_order
from tests.support import create_user, login, order_body, reset_database
from tests.warehouse import Warehouse, device_for, setup_floor

_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def decode(svg: str) -> list[zxingcpp.Barcode]:
    png = cairosvg.svg2png(bytestring=svg.encode(), dpi=300, background_color="white")
    image = Image.open(io.BytesIO(png)).convert("L")
    return zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)


def decode_page(html: str) -> list[str]:
    """Every barcode on a page, each SVG decoded on its own, as `<symbology id><plain text>`."""
    found = []
    for svg in _SVG.findall(html):
        barcodes = decode(svg)
        assert len(barcodes) == 1, f"not exactly one readable barcode in {svg[:200]}"
        found.append(barcodes[0].symbology_identifier + barcodes[0].text)
    return found


# -- barcodes, one symbology at a time ------------------------------------------------------------

ROUND_TRIPS = [
    # symbology, content, what zxing-cpp reads (symbology id + plain text), what our interpreter makes of it
    ("code128", "A-01-03", "]C0A-01-03", {"kind": "location_like", "code": "A-01-03"}),
    ("code128", "ORD-12", "]C0ORD-12", {"kind": "order_like", "order_id": 12}),
    ("code128", "TOTE-0042", "]C0TOTE-0042", {"kind": "tote"}),
    ("gs1-128", "(00)009506000000000125", "]C100009506000000000125", {"kind": "sscc", "sscc": "009506000000000125"}),
    (
        "gs1-128",
        "(01)09506000134352(10)ABC(17)271231",
        "]C1010950600013435210ABC\x1d17271231",
        {"kind": "gs1", "gtin": "09506000134352", "lot": "ABC", "expiry": "2027-12-31"},
    ),
    ("ean13", "9506000134352", "]E09506000134352", {"kind": "gtin", "gtin": "09506000134352"}),
    ("ean8", "96385074", "]E496385074", {"kind": "gtin", "gtin": "00000096385074"}),
    ("upca", "614141000036", "]E00614141000036", {"kind": "gtin", "gtin": "00614141000036"}),
    ("datamatrix", "B-12-03", "]d1B-12-03", {"kind": "location_like"}),
    (
        "gs1-datamatrix",
        "(01)09506000134352(17)271231(10)L-7",
        "]d2010950600013435217271231" + "10L-7",
        {"kind": "gs1", "gtin": "09506000134352", "lot": "L-7", "expiry": "2027-12-31"},
    ),
    ("qr", "https://wh.example/track/Ab_cd-12XYZ", "]Q1https://wh.example/track/Ab_cd-12XYZ", {"kind": "url"}),
]


def test_every_symbology_has_a_round_trip():
    assert {r[0] for r in ROUND_TRIPS} == set(SYMBOLOGIES)


@pytest.mark.parametrize("symbology, content, read, meaning", ROUND_TRIPS, ids=[f"{r[0]}:{r[1]}" for r in ROUND_TRIPS])
def test_a_printed_barcode_scans_back_exactly(symbology, content, read, meaning):
    module = 0.6 if symbology in ("qr", "datamatrix", "gs1-datamatrix") else 0.33
    svg = barcode_svg(symbology, content, module_mm=module, height_mm=12)
    (barcode,) = decode(svg)
    assert barcode.symbology_identifier + barcode.text == read
    scan = interpret(read).as_dict()
    assert scan["valid"], scan
    assert {name: scan[name] for name in meaning} == meaning


def test_svgs_are_sized_in_mm_and_safe_to_inline_under_the_csp():
    svg = barcode_svg("gs1-128", "(00)009506000000000125", module_mm=0.5, height_mm=32)
    assert re.match(r'<svg xmlns="http://www.w3.org/2000/svg" class="barcode gs1-128"', svg)
    assert 'height="32.00mm"' in svg and re.search(r'width="\d+\.\d\dmm"', svg)
    for text in (svg, barcode_svg("qr", "x"), barcode_svg("datamatrix", "x")):
        assert "style" not in text and "<script" not in text and " id=" not in text and "<?xml" not in text


def test_the_label_content_is_escaped_in_the_svg_description():
    svg = barcode_svg("code128", 'A"<b>&')
    assert 'aria-label="A&quot;&lt;b&gt;&amp;"' in svg
    assert decode(svg)[0].text == 'A"<b>&'


def test_an_undrawable_code_says_why():
    with pytest.raises(ValueError, match="exactly 13 digits"):
        barcode_svg("ean13", "12345")  # the writer would pad it into another product's code
    with pytest.raises(ValueError, match="check digit"):
        barcode_svg("ean13", "9506000134353")
    with pytest.raises(ValueError, match="unknown symbology"):
        barcode_svg("pdf417", "x")


# -- SSCC -----------------------------------------------------------------------------------------


def test_an_order_sscc_is_prefix_serial_and_biip_check_digit():
    sscc = sscc_for_order(12)
    assert sscc == "0" + DEFAULT_COMPANY_PREFIX + "000000012" + "5"
    assert Sscc.parse(sscc).check_digit == 5
    assert hri(sscc) == "(00) 0 0950600 000000012 5"
    assert order_of_sscc(sscc) == 12
    assert order_of_sscc(sscc[:-1] + "4") is None  # wrong check digit
    assert order_of_sscc("106141412345678908") is None  # someone else's
    other = sscc_for_order(987654, "401234567")
    assert other.startswith("0401234567") and Sscc.parse(other) and order_of_sscc(other, "401234567") == 987654


def test_an_sscc_refuses_what_cannot_fit():
    with pytest.raises(ValueError, match="does not fit"):
        sscc_for_order(10**9)  # 7-digit prefix leaves 9 digits
    with pytest.raises(ValueError, match="6 to 12 digits"):
        sscc_for_order(1, "12ab")


# -- ZPL ------------------------------------------------------------------------------------------


def _label(**changes) -> LabelData:
    base = dict(
        sscc="009506000000000125",
        sscc_hri="(00) 0 0950600 000000012 5",
        tracking_url="https://wh.example/track/Ab_cd",
        order_ref="WEB-1",
        order_code="ORD-12",
        ship_from=["Main warehouse"],
        ship_to=["Ada Lovelace", "1 Dock Road", "LS1 1AA Leeds", "GB"],
        weight_kg=1.25,
    )
    return LabelData(**(base | changes))


def test_zpl_label_has_the_gs1_128_sscc_and_the_tracking_qr():
    zpl = shipping_label_zpl(_label())
    assert zpl.startswith("^XA\n") and zpl.endswith("^XZ\n") and zpl.count("^XA") == zpl.count("^XZ") == 1
    assert "^PW812" in zpl and "^LL1218" in zpl  # 4 x 6 in at 203 dpi
    assert "^BCN,200,Y,N,N,D^FD(00)009506000000000125^FS" in zpl
    assert "^BQN,2,5^FH_^FDMA,https://wh.example/track/Ab_5Fcd^FS" in zpl
    assert "Ada Lovelace" in zpl and "Weight 1.25 kg" in zpl
    for line in zpl.splitlines()[1:-1]:
        assert "^FD" not in line or line.endswith("^FS"), line


def test_zpl_field_data_cannot_inject_commands():
    zpl = shipping_label_zpl(_label(ship_to=["Evil ^XZ^XA~JR Corp_", "Line\nbreak"]))
    assert zpl.count("^XZ") == 1 and "~JR" not in zpl
    assert "Evil _5EXZ_5EXA_7EJR Corp_5F" in zpl and "Line_0Abreak" in zpl


# -- the print routes -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop():
    """Orders SYNC-1/2 in a released wave; SLIP-1 with an EAN-13, a UPC-A, a GTIN-14 and an internal
    barcode; GONE-1 cancelled; bins A-01..A-06 and zone B's B-01-01, B-01-02."""
    from litestar.testing import TestClient

    from server.app import create_app
    from server.settings import Settings

    reset_database()
    # Tracking links come from the configured public URL, never from the request's Host.
    with TestClient(create_app(Settings(public_url="https://shop.example"))) as client:
        admin = login(client, "root", create_user("root", "admin"))
        warehouse = Warehouse(client, admin)
        for sku, code in (("SKU-G", "9506000134352"), ("SKU-U", "614141000036"), ("SKU-T", "10614141000033")):
            warehouse.product(sku, f"Product {sku}", [code], weight_g=250)
        picker, orders = setup_floor(client, admin)
        for n, code in enumerate(("B-01-01", "B-01-02"), start=1):
            warehouse.location(code, 900 + n, zone="B")
        slip = client.post(
            "/api/orders", json=order_body("SLIP-1", [("SKU-G", 1), ("SKU-U", 2), ("SKU-T", 1), ("SKU-A", 1)]), headers=admin
        ).json()
        gone = client.post("/api/orders", json=order_body("GONE-1", [("SKU-C", 1)]), headers=admin).json()
        assert client.post(f"/api/orders/{gone['id']}/cancel", json={}, headers=admin).status_code == 200
        wave_id = client.get("/api/tasks/mine", headers=picker.headers).json()[0]["wave_id"]
        yield SimpleNamespace(
            client=client,
            admin=admin,
            picker=picker.headers,
            packer=device_for(client, "pat", "packer").headers,
            orders=orders,
            slip=slip,
            gone=gone,
            wave_id=wave_id,
        )


def _page(shop, path, headers=None, expect=200):
    response = shop.client.get(path, headers=headers or shop.admin)
    assert response.status_code == expect, response.text
    if expect == 200 and not path.endswith(".zpl"):
        assert response.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        html = response.text
        assert '<link rel="stylesheet" href="/static/print.css">' in html
        assert "<script" not in html and "style=" not in html and "<style" not in html
    return response


def test_packing_slip_barcodes_scan_back(shop):
    html = _page(shop, f"/print/orders/{shop.slip['id']}/packing-slip", shop.packer).text
    token = shop.slip["tracking_token"]
    assert sorted(decode_page(html)) == sorted(
        [
            f"]C0ORD-{shop.slip['id']}",
            "]E09506000134352",
            "]E00614141000036",
            "]C101" + "10614141000033",
            "]C0INT-SKU-A",
            f"]Q1https://shop.example/track/{token}",
        ]
    )
    assert "SLIP-1" in html and "1 Dock Road" in html


def test_shipping_label_scans_back_to_its_order(shop):
    order = shop.orders[0]
    html = _page(shop, f"/print/orders/{order['id']}/label", shop.packer).text
    sscc = sscc_for_order(order["id"])
    read = decode_page(html)
    assert sorted(read) == sorted([f"]C100{sscc}", f"]Q1https://shop.example/track/{order['tracking_token']}"])
    assert hri(sscc) in html and "SYNC-1" in html
    # What the packer's scanner reads off the label names the order (no package packed under it yet).
    found = shop.client.post("/api/scan/resolve", json={"scan": f"]C100{sscc}"}, headers=shop.packer).json()
    assert (found["kind"], found["sscc"], found["order"]["id"]) == ("order", sscc, order["id"])


def test_shipping_label_as_zpl(shop):
    order = shop.orders[0]
    response = _page(shop, f"/print/orders/{order['id']}/label.zpl", shop.packer)
    assert response.headers["content-type"].startswith("text/plain")
    zpl = response.text
    assert f"^FD(00){sscc_for_order(order['id'])}^FS" in zpl and "Test Customer" in zpl
    assert f"track/{order['tracking_token'].replace('_', '_5F')}" in zpl


def test_no_label_for_a_cancelled_order(shop):
    for suffix in ("label", "label.zpl"):
        body = _page(shop, f"/print/orders/{shop.gone['id']}/{suffix}", shop.packer, expect=409).json()
        assert body["error"] == "order_cancelled" and "GONE-1" in body["message"]
    _page(shop, f"/print/orders/{shop.gone['id']}/packing-slip", shop.packer)  # the slip is still fine


def test_pick_list_lists_the_wave_in_walking_order(shop):
    html = _page(shop, f"/print/waves/{shop.wave_id}/pick-list").text
    assert decode_page(html) == []
    rows = re.findall(r'<td class="code big">([^<]+)</td>', html)
    assert rows == ["A-01", "A-02"]  # SYNC-1's SKU-A from A-01, SYNC-2's SKU-B from A-02
    assert "SYNC-1" in html and "SYNC-2" in html and "pia" in html


def test_location_labels_scan_back_to_their_codes(shop):
    html = _page(shop, "/print/locations/labels?zone=B").text
    assert sorted(decode_page(html)) == sorted(["]C0B-01-01", "]C0B-01-02", "]d1B-01-01", "]d1B-01-02"])
    every = _page(shop, "/print/locations/labels").text
    assert [c for c in re.findall(r'<p class="bin-code">([^<]+)</p>', every)] == [f"A-0{n}" for n in range(1, 7)] + [
        "B-01-01",
        "B-01-02",
    ]
    assert "No locations in zone Z" in _page(shop, "/print/locations/labels?zone=Z").text


def test_unknown_waves_and_orders_are_404(shop):
    for path in (
        "/print/waves/999999/pick-list",
        "/print/orders/999999/packing-slip",
        "/print/orders/999999/label",
        "/print/orders/999999/label.zpl",
    ):
        assert _page(shop, path, expect=404).json()["error"] == "not_found"


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/print/waves/{wave}/pick-list", {"supervisor", "admin"}),
        ("/print/orders/{order}/packing-slip", {"packer", "supervisor", "admin"}),
        ("/print/orders/{order}/label", {"packer", "supervisor", "admin"}),
        ("/print/orders/{order}/label.zpl", {"packer", "supervisor", "admin"}),
        ("/print/locations/labels", {"supervisor", "admin"}),
        ("/print/locations/B-01-01/label", {"supervisor", "admin"}),
    ],
)
def test_who_may_print_what(shop, path, allowed):
    path = path.format(wave=shop.wave_id, order=shop.orders[0]["id"])
    assert shop.client.get(path).status_code == 401
    for role in ("picker", "packer", "driver", "supervisor", "admin"):
        name = f"print-{role}"
        if not hasattr(shop, name):
            setattr(shop, name, login(shop.client, name, create_user(name, role)))
        status = shop.client.get(path, headers=getattr(shop, name)).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


def test_print_css_is_public_and_print_routes_are_documented(shop):
    css = shop.client.get("/static/print.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and "@page label" in css.text
    paths = shop.client.get("/schema/openapi.json").json()["paths"]
    label = paths["/print/orders/{order_id}/label"]["get"]
    assert {"200", "401", "403", "404", "409"} <= set(label["responses"])
    assert "text/html" in label["responses"]["200"]["content"]
    assert {"401", "403"} <= set(paths["/print/locations/labels"]["get"]["responses"])
