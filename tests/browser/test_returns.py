"""Returns as a user story, in Chromium on a 360×640 phone. Pia picked SYNC-1 (2 × TEE-RED, 1 × MUG-BLU),
Pat packed it and it went out with DHL; the customer sends it back and a supervisor opened an RMA for
both T-shirts and the mug. Pat receives the parcel offline: one T-shirt is fine and goes to bin
A-03, the mug is broken, a cap that was never ordered is refused on the phone. The phone is reloaded,
still offline, then comes back online: each receipt reaches the ledger once, the stock and the RMA
are right. The supervisor then records the refund, and the KPIs show the return."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.packing import (
    PASSWORD,
    admin_request,
    outbox,
    pat_ledger,
    pat_signed_in,
    picked_bench,
    scan,
    wait_for_service_worker,
)
from tests.browser.picking import ROOT_PASSWORD
from tests.browser.support import MUG_EAN8, PHONE, TEE_EAN, assert_fits_a_phone, off_playwrights_loop, pending_is
from tests.warehouse import Device, register_device

pytestmark = pytest.mark.browser


class _Phone:  # what assert_fits_a_phone reads
    def __init__(self, page):
        self.page = page


def _shipped_with_rma(base_url: str) -> tuple[dict, dict]:
    """SYNC-1 picked, packed by Pat's (API) device, sealed and handed to DHL; an RMA for all of it."""
    (order,) = picked_bench(base_url, [[("TEE-RED", 2), ("MUG-BLU", 1)]])
    with httpx.Client(base_url=base_url, timeout=30) as http:
        headers = support.login(http, "pat", PASSWORD)
        bench = Device(http, headers, register_device(http, headers, "Pat's bench scanner"))
        package = f"PK-{order['id']}-1"
        ops = [bench.op("pack", order_line_id=l["id"], sku=l["sku"], qty=l["qty"], package=package) for l in order["lines"]]
        ops += [
            bench.op("seal", package=package, package_type="BOX-S", weight_g=800),
            bench.op("ship", package=package, carrier="DHL"),
        ]
        assert {r["status"] for r in bench.push(*ops)["results"]} == {"applied"}
        lines = [{"order_line_id": l["id"], "qty": l["qty"]} for l in order["lines"]]
        rma = admin_request(
            http,
            "POST",
            f"/api/orders/{order['id']}/rmas",
            {"reason": "damaged", "lines": lines, "value_cents": 3000},
            expect=201,
        )
    return order, rma


def _stock_at(location: str, sku: str) -> int:
    from tests.sync.guarantees.harness import RawDB

    def read() -> int:
        raw = RawDB()
        try:
            return raw.val(
                "SELECT COALESCE(SUM(s.on_hand), 0) FROM stock s JOIN location l ON l.id = s.location "
                "JOIN product p ON p.id = s.product WHERE l.code = ? AND p.sku = ?",
                location,
                sku,
            )
        finally:
            raw.close()

    return off_playwrights_loop(read)


def test_a_packer_receives_a_return_offline_and_the_supervisor_refunds_it(browser, live_server, clean_db):
    order, rma = _shipped_with_rma(live_server.url)
    code = rma["code"]
    before_a03 = _stock_at("A-03", "TEE-RED")
    with pat_signed_in(browser, live_server.url, orders=0) as (context, page, errors):
        wait_for_service_worker(page)
        page.get_by_role("link", name="Returns").click()
        expect(page.get_by_role("heading", name="Returns")).to_be_visible()
        expect(page.locator(f'button.rma-open[data-rma="{code}"]')).to_contain_text("3\u00a0units to come")

        context.set_offline(True)
        expect(page.locator(".sync-net")).to_contain_text("Offline")
        scan(page, code, "ok", f"{code} · order SYNC-1 — scan each item")
        assert_fits_a_phone(_Phone(page))

        # A T-shirt that can be sold again: Resellable, then the bin it goes to.
        scan(page, TEE_EAN, "ok", "1 × TEE-RED — resellable or damaged?")
        expect(page.get_by_role("button", name="Resellable")).to_have_css("min-height", "56px")
        page.get_by_role("button", name="Resellable").click()
        expect(page.locator(".walk-prompt")).to_have_text("Scan the bin for 1 × TEE-RED")
        scan(page, "A-03", "ok", "Into A-03")
        pending_is(page, 1)
        # The mug is broken: to scrap, no bin.
        scan(page, MUG_EAN8, "ok", "1 × MUG-BLU — resellable or damaged?")
        page.get_by_role("button", name="Damaged").click()
        pending_is(page, 2)
        # A cap was never ordered: the error tone, and nothing goes to the outbox.
        before = outbox(page)
        scan(page, "INT-CAP-GRN", "error", f"Wrong item INT-CAP-GRN — not on {code}")
        assert outbox(page) == before
        expect(page.locator('li.rma-line[data-sku="TEE-RED"]')).to_contain_text("1 of 2 · not sent yet")

        # A reload, still offline: the receipts are on the phone and replayed over the pulled RMA.
        page.reload()
        expect(page.get_by_role("heading", name="Returns")).to_be_visible()
        pending_is(page, 2)
        expect(page.locator(f'button.rma-open[data-rma="{code}"]')).to_contain_text("1\u00a0unit to come · not sent yet")

        context.set_offline(False)
        pending_is(page, 0)
        expect(page.locator(f'button.rma-open[data-rma="{code}"]')).to_contain_text("1\u00a0unit to come")
        assert not errors, errors

    assert [(op, status) for _, op, status, _ in pat_ledger() if op == "return_receive"] == [
        ("return_receive", "applied"),
        ("return_receive", "applied"),
    ]
    assert _stock_at("A-03", "TEE-RED") == before_a03 + 1
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        now = admin_request(http, "GET", f"/api/rmas/{rma['id']}")
    assert now["status"] == "receiving"
    assert [(l["sku"], l["qty_received"], l["qty_restocked"], l["qty_scrapped"]) for l in now["lines"]] == [
        ("TEE-RED", 1, 1, 0),
        ("MUG-BLU", 1, 0, 1),
    ]

    # The supervisor records a partial refund from the order's detail, then reads the KPIs.
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/#/orders")
        page.get_by_label("Username").fill("root")
        page.get_by_label("Password").fill(ROOT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.locator(f'li.order[data-order-id="{order["id"]}"] button.order-open').click()
        card = page.locator(f'.rma-card[data-rma="{code}"]')
        expect(card).to_contain_text("1 of 2 back")
        card.get_by_label("Amount").fill("20,00")
        card.get_by_label("Method").select_option("store_credit")
        card.get_by_label("Reference").fill("SC-1001")
        card.get_by_role("button", name="Record refund").click()
        expect(page.locator(".order-returns .order-done")).to_contain_text(
            f"Refund of 20.00 EUR recorded on {code}; 10.00 EUR left."
        )
        expect(page.locator(f'.rma-card[data-rma="{code}"]')).to_contain_text("20.00 EUR · Store credit · SC-1001")
        expect(page.locator(".detail-timeline")).to_contain_text(f"Refunded 20.00 EUR as store credit on {code}")
        assert_fits_a_phone(_Phone(page))

        page.get_by_role("link", name="KPIs").click()
        returns = page.locator('article.kpi-card[data-kpi="rma_rate"]')
        expect(returns).to_contain_text("1\u00a0RMA opened")
        expect(page.locator('article.kpi-card[data-kpi="return_rate"]')).to_contain_text("2\u00a0units returned")
    finally:
        context.close()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        kpis = admin_request(http, "GET", f"/api/kpis?from={today}&to={today}")
    (rate,) = [k for k in kpis["kpis"] if k["name"] == "rma_rate"]
    assert rate["total"]["parts"]["rmas"] == 1 and rate["total"]["value"] == 1.0
