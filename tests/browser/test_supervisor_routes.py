"""The supervisor's own-fleet routes on a 360×640 phone: plan the day's routes for two areas, move a
stop from one van to the other, put it earlier in its new route, give that route to Dan — and the
server's route and Dan's phone both show exactly that."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests import support
from tests.browser.picking import RECORD_LAYOUT_SHIFTS, SLOW_API, layout_shift
from tests.browser.support import assert_fits_a_phone, off_playwrights_loop, sign_in
from tests.warehouse import Device, Warehouse, device_for, sealed_orders

pytestmark = pytest.mark.browser

ROOT_PASSWORD = "root-secret-1"
SUE_PASSWORD = "sue-secret-1"

# Two streets in Leeds (postcode area LS) and two in Manchester (M): two areas, so two routes.
ADDRESSES = {
    ref: (customer, {"line1": line1, "city": city, "postcode": postcode, "country": "GB", "lat": lat, "lon": lon})
    for ref, customer, line1, city, postcode, lat, lon in (
        ("LEEDS-1", "Ada Leeds", "1 Dock Road", "Leeds", "LS1 1AA", 53.7930, -1.5410),
        ("LEEDS-2", "Bo Leeds", "5 Park Row", "Leeds", "LS1 5HD", 53.7990, -1.5480),
        ("MCR-1", "Cy Manchester", "2 Deansgate", "Manchester", "M3 2BW", 53.4830, -2.2480),
        ("MCR-2", "Di Manchester", "9 Oxford Road", "Manchester", "M1 5QA", 53.4740, -2.2400),
    )
}
DEPOT = (53.7500, -1.6000)  # south-west of Leeds, on the way to Manchester


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _sealed_packages(http: httpx.Client) -> tuple[dict, Device]:
    """One order per address, picked by Pia, packed and sealed by Paco: {ref: package code}, and Dan's phone."""
    for username, role, password in (
        ("root", "admin", ROOT_PASSWORD),
        ("sue", "supervisor", SUE_PASSWORD),
        ("dora", "driver", None),
    ):
        off_playwrights_loop(support.create_user, username, role, password)
    off_playwrights_loop(support.set_depot, *DEPOT)
    pia = off_playwrights_loop(device_for, http, "pia", "picker")
    paco = off_playwrights_loop(device_for, http, "paco", "packer")
    dan = off_playwrights_loop(device_for, http, "dan", "driver")
    warehouse = Warehouse(http, support.login(http, "root", ROOT_PASSWORD))
    # sealed_orders makes the package type with asyncio.run(): off Playwright's loop too.
    return off_playwrights_loop(sealed_orders, warehouse, ("pia", pia), paco, ADDRESSES), dan


def _route(http: httpx.Client, route_id: int) -> dict:
    response = http.get(f"/api/routes/{route_id}", headers=support.login(http, "sue", SUE_PASSWORD))
    assert response.status_code == 200, response.text
    return response.json()


def _customers(route: dict) -> list[str]:
    return [stop["customer"] for stop in route["stops"]]


def test_supervisor_plans_two_areas_moves_a_stop_reorders_and_gives_the_route_to_dan(phone, clean_db, live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        packages, dan = _sealed_packages(http)
        page = phone.page
        # A slow network (the API answers 600 ms late), so a list drawn after its screen would show as a shift.
        page.add_init_script(RECORD_LAYOUT_SHIFTS)
        page.add_init_script(SLOW_API)
        phone.open("/#/orders")  # home is the live floor; the story starts on the orders tab
        sign_in(phone, "sue", SUE_PASSWORD)
        expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
        expect(page.locator("li.order")).to_have_count(4)

        page.get_by_role("link", name="Routes").click()
        expect(page.get_by_role("heading", name="Routes", exact=True)).to_be_visible()
        expect(page.locator(".routes-screen .screen-sub")).to_have_text("No routes on this day yet.")
        shift, shifts = layout_shift(page)
        assert shift <= 0.02, shifts
        expect(page.get_by_label("Day", exact=True)).to_have_value(page.evaluate("new Date().toLocaleDateString('en-CA')"))

        # Without a connection nothing can be planned, and the screen says why.
        phone.page.context.set_offline(True)
        expect(page.get_by_text("Route planning needs a connection")).to_be_visible()
        expect(page.get_by_role("button", name="Plan routes")).to_be_disabled()
        phone.page.context.set_offline(False)
        expect(page.get_by_role("button", name="Plan routes")).to_be_enabled()
        expect(page.get_by_text("Route planning needs a connection")).to_be_hidden()

        page.get_by_role("button", name="Plan routes").click()
        expect(page.locator(".plan-message")).to_contain_text("2 route(s) with 4 package(s) planned")
        cards = page.locator(".route-card")
        expect(cards).to_have_count(2)
        leeds = cards.filter(has_text="GB-LS")
        manchester = cards.filter(has_text="GB-M ")
        expect(leeds).to_contain_text("No driver")
        expect(leeds).to_contain_text("2\u00a0stops · 2\u00a0packages")
        route_a, route_b = int(leeds.get_attribute("data-route-id")), int(manchester.get_attribute("data-route-id"))
        # Planned once, nothing is left for a second plan, and the server's words say so.
        page.get_by_role("button", name="Plan routes").click()
        expect(page.locator(".plan-message")).to_contain_text("nothing to plan")
        expect(cards).to_have_count(2)

        # The tab survives a reload, and the day's routes arrive without pushing anything around.
        page.reload()
        expect(cards).to_have_count(2)
        page.wait_for_timeout(300)
        shift, shifts = layout_shift(page)
        assert shift <= 0.02, shifts
        assert_fits_a_phone(phone)
        assert _axe_serious(page) == []
        phone.screenshot("supervisor-routes.png")

        # Route A's last stop goes to route B's van.
        leeds.click()
        stops = page.locator("li.stop")
        expect(stops).to_have_count(2)
        last = stops.nth(1)
        moved = last.locator(".stop-customer").inner_text()
        last.get_by_label("Route for stop 2").select_option(f"GB-M · route {route_b}")
        last.get_by_role("button", name="Move stop 2 to the chosen route").click()
        expect(page.locator(".route-message")).to_have_text(f"Stop 2 moved to GB-M · route {route_b}.")
        expect(stops).to_have_count(1)
        assert_fits_a_phone(phone)
        assert _axe_serious(page) == []

        # In route B it came last; it goes one place earlier, and Dan drives the route.
        page.get_by_role("button", name="All routes").click()
        manchester.click()
        expect(stops).to_have_count(3)
        expect(stops.nth(2)).to_contain_text(moved)
        first, second, _ = page.locator("li.stop .stop-customer").all_inner_texts()
        page.get_by_role("button", name="Move stop 3 up").click()
        expect(stops.nth(1)).to_contain_text(moved)
        page.get_by_label("Driver", exact=True).select_option("dan")
        page.get_by_role("button", name="Assign driver").click()
        expect(page.locator(".route-detail .route-driver")).to_have_text("Driver: dan")
        assert_fits_a_phone(phone)
        phone.screenshot("supervisor-route-detail.png")

        route = _route(http, route_b)
        assert route["driver"] == "dan"
        assert _customers(route) == [first, moved, second], route
        assert page.locator("li.stop .stop-customer").all_inner_texts() == _customers(route)
        assert [stop["seq"] for stop in route["stops"]] == [1, 2, 3]
        assert len(_route(http, route_a)["stops"]) == 1

        # Dan's phone now carries route B, stop by stop, and none of route A.
        pulled = dan.pull()
        assert [r["id"] for r in pulled["routes"]] == [route_b]
        assert sorted((s["seq"], s["id"]) for s in pulled["stops"]) == [(s["seq"], s["id"]) for s in route["stops"]]
        assert sorted(p["code"] for p in pulled["packages"]) == sorted(p["code"] for s in route["stops"] for p in s["packages"])
        assert packages["MCR-1"] in [p["code"] for p in pulled["packages"]]

    assert not phone.console_errors, phone.console_errors
    assert not phone.csp_violations()
