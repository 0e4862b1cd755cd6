"""CSV import of orders: an admin uploads a marketplace export; good rows become orders, bad rows are
reported with their line in the file, and nothing is ever doubled."""

from __future__ import annotations

import time

import pytest

from tests.support import create_user, login
from tests.warehouse import small_warehouse

HEADER = "external_ref,customer_name,email,phone,line1,line2,city,postcode,region,country,sku,qty,payment_status,promised_at"


def row(ref: str, sku: str = "SKU-A", qty: str = "1", *, name: str = "Ann Smith", country: str = "GB", **extra) -> str:
    values = {
        "external_ref": ref,
        "customer_name": name,
        "email": "ann@example.com",
        "phone": "",
        "line1": "1 Dock Road",
        "line2": "",
        "city": "Leeds",
        "postcode": "LS1 1AA",
        "region": "",
        "country": country,
        "sku": sku,
        "qty": qty,
        "payment_status": "paid",
        "promised_at": "",
    } | extra
    return ",".join(values[c] for c in HEADER.split(","))


def upload(client, headers, body: str | bytes, channel: str = "mkt", expect: int = 202, content_type: str = "text/csv") -> dict:
    data = body.encode() if isinstance(body, str) else body
    response = client.post(f"/api/channels/{channel}/imports", content=data, headers=headers | {"Content-Type": content_type})
    assert response.status_code == expect, response.text
    return response.json()


def finished(client, headers, job: dict, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = client.get(f"/api/channels/imports/{job['id']}", headers=headers).json()
        if now["status"] in ("done", "failed"):
            return now
        time.sleep(0.05)
    raise AssertionError(f"import {job['id']} did not finish: {now}")


@pytest.fixture
def shop(client, admin):
    small_warehouse(client, admin)
    response = client.post("/api/channels", json={"code": "mkt", "name": "Marketplace", "kind": "csv"}, headers=admin)
    assert response.status_code == 201, response.text
    return admin


def order_count(client, headers) -> int:
    return len(client.get("/api/orders", params={"limit": 1000}, headers=headers).json())


def test_a_good_file_becomes_orders_with_lines_address_and_payment(client, shop):
    body = "\n".join(
        [
            HEADER,
            row("M-1", "SKU-A", "2", promised_at="2026-12-03"),
            row("M-1", "SKU-B", "1", promised_at="2026-12-03"),
            row("M-2", "SKU-C", "1", name="Bob", payment_status="pending", country="fr"),
        ]
    )
    job = finished(client, shop, upload(client, shop, body))
    assert job["status"] == "done", job
    counts = (job["rows_total"], job["rows_done"], job["orders_created"], job["orders_duplicate"], job["rows_bad"])
    assert counts == (3, 3, 2, 0, 0)
    assert job["report"] == []
    orders = {o["external_ref"]: o for o in client.get("/api/orders", headers=shop).json()}
    m1 = client.get(f"/api/orders/{orders['M-1']['id']}", headers=shop).json()
    assert [(l["sku"], l["qty"]) for l in m1["lines"]] == [("SKU-A", 2), ("SKU-B", 1)]
    assert m1["channel"] == "mkt" and m1["status"] == "allocated"
    m2 = client.get(f"/api/orders/{orders['M-2']['id']}", headers=shop).json()
    assert m2["status"] == "on_hold" and m2["payment_status"] == "pending"


def test_each_bad_row_is_reported_with_its_line_and_the_good_rows_are_imported(client, shop):
    lines = [
        HEADER,  # line 1
        row("M-1"),  # 2: good
        row("M-2", qty="two"),  # 3: bad qty
        row("M-3", country="GBR"),  # 4: bad country
        row("M-4", sku="NOPE"),  # 5: unknown SKU (the engine says so)
        row("M-5", "SKU-A"),  # 6: good row of an order whose next row conflicts
        row("M-5", "SKU-B", name="Someone Else"),  # 7: other customer under the same ref
        row("", "SKU-A"),  # 8: no external_ref
        row("M-6", qty="0"),  # 9: qty below 1
        row("M-7", payment_status="maybe"),  # 10
        row("M-8", promised_at="next week"),  # 11
        row("M-9", "SKU-A", "1"),  # 12
        row("M-9", "SKU-A", "2"),  # 13: the same SKU twice in one order
        "M-10,Cy",  # 14: a short row: required cells missing
        row("M-11"),  # 15: good
    ]
    job = finished(client, shop, upload(client, shop, "\n".join(lines) + "\n"))
    assert job["status"] == "done", job
    found = {(p["line"], p["field"]) for p in job["report"]}
    assert found >= {
        (3, "qty"),
        (4, "country"),
        (5, "sku"),
        (7, "customer_name"),
        (8, "external_ref"),
        (9, "qty"),
        (10, "payment_status"),
        (11, "promised_at"),
        (13, "sku"),
        (14, "line1"),
    }, job["report"]
    assert all(p["reason"] for p in job["report"])
    assert next(p for p in job["report"] if p["line"] == 5)["reason"] == "no product with SKU 'NOPE'"
    assert job["orders_created"] == 2 and job["rows_done"] == job["rows_total"] == 14
    assert job["orders_rejected"] == 10 and job["rows_bad"] == 10
    refs = {o["external_ref"] for o in client.get("/api/orders", headers=shop).json()}
    assert refs == {"M-1", "M-11"}  # an order with a bad row is not imported at all (M-5's good row neither)


def test_duplicates_in_the_file_and_a_second_import_of_it_double_nothing(client, shop):
    body = "\n".join(
        [HEADER, row("D-1", "SKU-A"), row("D-1", "SKU-B"), row("D-2"), row("D-1", "SKU-A"), row("D-1", "SKU-B"), row("D-2")]
    )
    first = finished(client, shop, upload(client, shop, body))
    assert (first["orders_created"], first["orders_duplicate"], first["rows_bad"]) == (2, 2, 0), first
    assert order_count(client, shop) == 2
    again = finished(client, shop, upload(client, shop, body))
    assert (again["orders_created"], again["orders_duplicate"], again["rows_bad"]) == (0, 4, 0), again
    assert order_count(client, shop) == 2
    stock = client.get("/api/stock", params={"sku": "SKU-A"}, headers=shop).json()
    assert sum(s["reserved"] for s in stock) == 2  # reserved once per order, not per import


def test_an_order_split_apart_in_the_file_is_refused_not_half_taken(client, shop):
    body = "\n".join([HEADER, row("S-1", "SKU-A"), row("S-2"), row("S-1", "SKU-B")])
    job = finished(client, shop, upload(client, shop, body))
    assert [(p["line"], p["field"]) for p in job["report"]] == [(4, "external_ref")]
    assert "line 2" in job["report"][0]["reason"]
    assert job["orders_created"] == 2


def test_a_header_without_a_required_column_is_refused_and_nothing_is_imported(client, shop):
    header = HEADER.replace("postcode,", "").replace(",qty", "")
    body = header + "\n" + "M-1,Ann,,,1 Road,,Leeds,,GB,SKU-A,paid,\n"
    response = client.post("/api/channels/mkt/imports", content=body, headers=shop | {"Content-Type": "text/csv"})
    assert response.status_code == 400
    assert response.json()["field"] == "header"
    assert "postcode, qty" in response.json()["message"]
    assert order_count(client, shop) == 0
    assert client.get("/api/channels/mkt/imports", headers=shop).json() == []


def test_excel_and_marketplace_quirks_bom_crlf_quoted_commas_and_newlines_header_case(client, shop):
    header = " External Ref ,CUSTOMER NAME,Email,Line1,Line2,City,Postcode,Country,SKU,Qty,Extra Column"
    lines = [
        header,
        'Q-1,"Smith, Ann",ann@example.com,"Flat 2\r\nThe Mill","",Leeds,LS1 1AA,gb,SKU-A,1,"anything, really"',
        'Q-1,"Smith, Ann",ann@example.com,"Flat 2\r\nThe Mill","",Leeds,LS1 1AA,gb,SKU-B,1,',
        "",
        "Q-2,Bob,,2 Road,,York,YO1,GB,SKU-A,x,",  # line 6 (the quoted newlines count as lines)
    ]
    body = "\ufeff" + "\r\n".join(lines) + "\r\n"
    job = finished(client, shop, upload(client, shop, body))
    assert job["status"] == "done", job
    assert [(p["line"], p["field"]) for p in job["report"]] == [(7, "qty")], job["report"]
    assert job["orders_created"] == 1 and job["rows_total"] == 3
    order = client.get("/api/orders", headers=shop).json()[0]
    detail = client.get(f"/api/orders/{order['id']}", headers=shop).json()
    assert detail["customer"]["name"] == "Smith, Ann"
    assert detail["ship_to"]["line1"] == "Flat 2\r\nThe Mill" or detail["ship_to"]["line1"] == "Flat 2\nThe Mill"


def test_what_is_not_a_csv_file_is_refused_clearly(client, shop):
    assert upload(client, shop, "x", content_type="application/json", expect=415)["field"] == "body"
    latin1 = (HEADER + "\n" + row("L-1", name="Zoë")).encode("latin-1")
    assert "UTF-8" in upload(client, shop, latin1, expect=400)["message"]
    assert upload(client, shop, HEADER + "\n", channel="nope", expect=404)["field"] == "code"
    assert upload(client, shop, "", expect=400)["field"] == "header"
    assert order_count(client, shop) == 0


def test_a_file_beyond_the_size_limit_is_413(client, shop, monkeypatch):
    from server.channels import imports

    too_big = HEADER + "\n" + (row("B-1") + "\n") * (imports.MAX_BYTES // len(row("B-1")) + 10)
    response = client.post("/api/channels/mkt/imports", content=too_big, headers=shop | {"Content-Type": "text/csv"})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and "64 MiB" in response.json()["message"]
    assert order_count(client, shop) == 0


def test_supervisors_import_pickers_may_not(client, shop):
    create_user("sue", "supervisor")
    sue = login(client, "sue", "sue-password")
    job = finished(client, sue, upload(client, sue, HEADER + "\n" + row("V-1")))
    assert job["created_by"] == "sue" and job["orders_created"] == 1
    create_user("pia", "picker")
    pia = login(client, "pia", "pia-password")
    upload(client, pia, HEADER + "\n" + row("V-2"), expect=403)
    assert client.get(f"/api/channels/imports/{job['id']}", headers=pia).status_code == 403
