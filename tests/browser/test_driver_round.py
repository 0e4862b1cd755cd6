"""The driver's round as user stories, in Chromium at 360×640: load the van, drive a whole route
offline with proof of delivery (name, a signature drawn with a finger, a photo from the phone's
camera, the GPS fix), fail a stop and come back to it, scan failed parcels back in at the depot — and
everything the phone kept arrives at the server exactly once, however the app was closed."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests import support
from tests.browser.camera import CHROMIUM, camera_browser, camera_flags
from tests.browser.delivery import CUSTOMERS, DRIVER, Depot, deliveries, doorstep_video, package_status, read, sha256
from tests.browser.support import (
    SCREENSHOTS,
    assert_fits_a_phone,
    device_of,
    off_playwrights_loop,
    open_page,
    pending_is,
    wedge,
)
from tests.warehouse import Device, register_device

pytestmark = pytest.mark.browser

# Where the phone is when it asks for a fix: in front of the first customer's door.
DOORSTEP = {"latitude": 53.79971, "longitude": -1.54612, "accuracy": 8}


def _launch(playwright, profile: Path, video: Path, base_url: str):
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=camera_flags(video),
        viewport={"width": 360, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    context.set_default_timeout(15_000)
    context.grant_permissions(["camera", "geolocation"], origin=base_url)
    context.set_geolocation(DOORSTEP)
    return context


def sign_in_as_driver(page, username: str = DRIVER[0], password: str = DRIVER[1]) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your route")).to_be_visible()


def stop_card(page, seq: int):
    return page.locator("li.stop").nth(seq - 1)


def scan(page, code: str, expect_text: str) -> None:
    wedge(page, code)
    expect(page.locator(".route-mode")).to_contain_text(expect_text)


def sign(page) -> None:
    """A signature drawn with a finger (the mouse, in pointer events) across the pad."""
    expect(page.locator(".route-mode")).to_have_attribute("data-signature", "ready")
    box = page.locator("canvas.signature-canvas").bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(x + w * (0.1 + 0.05 * i), y + h * (0.6 - 0.3 * ((i % 4) / 3)), steps=2)
    page.mouse.up()
    expect(page.locator(".signature-state")).to_have_text("Signed ✓")


def take_photo(page) -> None:
    page.get_by_role("button", name="Open camera").click()
    page.get_by_role("button", name="Take photo").click()
    expect(page.locator(".photo-status")).to_contain_text("Photo taken ✓", timeout=20_000)


def deliver_stop(page, seq: int, codes: list[str], recipient: str, *, shot: str | None = None) -> None:
    stop_card(page, seq).get_by_role("button", name="At the stop").click()
    for code in codes:
        scan(page, code, f"{code} ✓")
    page.get_by_role("button", name="Proof of delivery").click()
    page.get_by_label("Recipient's name").fill(recipient)
    sign(page)
    take_photo(page)
    expect(page.locator(".gps")).to_contain_text("Position ✓ within 8 m")
    if shot:
        _shot(page, shot)
        assert_fits_a_phone_page(page)
    page.get_by_role("button", name="Save delivery").click()
    expect(page.locator(".route-notice")).to_contain_text(f"Stop {seq} delivered to {recipient}")


def fail_stop(page, seq: int, reason: str, note: str = "", *, gps: bool = True) -> None:
    card = stop_card(page, seq)
    card.get_by_role("button", name="Try again" if card.get_attribute("data-status") != "pending" else "At the stop").click()
    page.get_by_role("button", name="Failed attempt").click()
    page.get_by_role("button", name=reason, exact=True).click()
    if note:
        page.locator("#fail-note").fill(note)
    expect(page.locator(".gps")).to_contain_text("Position ✓" if gps else "No position")
    page.get_by_role("button", name="Save failed attempt").click()
    expect(page.locator(".route-notice")).to_contain_text(f"Stop {seq}: failed attempt")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def _admin(http: httpx.Client) -> dict:
    password = off_playwrights_loop(support.create_user, "root", "admin")
    return support.login(http, "root", password)


def test_a_driver_delivers_a_whole_route_offline_and_every_proof_arrives_exactly_once(live_server, clean_db, tmp_path):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = _admin(http)
        off_playwrights_loop(support.create_user, DRIVER[0], "driver", DRIVER[1])
        off_playwrights_loop(support.create_user, "dave", "driver", "dave-secret-1")
        depot = Depot(http, admin)
        mine = depot.route(CUSTOMERS[:3])
        elsewhere = depot.route(CUSTOMERS[3:4], driver="dave")
        (p1,), (p2,), (p3,) = mine.packages
        (foreign,) = elsewhere.packages[0]

        video = doorstep_video(tmp_path)
        profile = tmp_path / "profile"
        with sync_playwright() as playwright:
            # -- at the depot, online: sign in, the round arrives, the van is loaded ----------------
            context = _launch(playwright, profile, video, live_server.url)
            page, errors = open_page(context, live_server.url)
            sign_in_as_driver(page)
            expect(page.locator("li.stop")).to_have_count(3)
            expect(page.locator(".screen-sub")).to_have_text("0 of 3\u00a0stops done")
            expect(stop_card(page, 1)).to_contain_text("Ada Byron")
            expect(stop_card(page, 1)).to_contain_text("1 Park Row, LS1 5AB Leeds")
            expect(stop_card(page, 1).locator(".chip")).to_have_text("To deliver")
            navigate = stop_card(page, 1).get_by_role("link", name="Navigate to stop 1")
            assert navigate.get_attribute("href") == "https://www.google.com/maps/dir/?api=1&destination=53.7997%2C-1.5461"
            assert (navigate.get_attribute("target"), navigate.get_attribute("rel")) == ("_blank", "noopener")
            assert stop_card(page, 1).get_by_role("link", name="Call Ada Byron").get_attribute("href") == "tel:+441134960001"
            expect(stop_card(page, 2).get_by_role("link", name="Call Ben Okri")).to_have_count(0)
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
            _shot(page, "driver-route.png")
            assert_fits_a_phone_page(page)

            page.get_by_role("button", name="Load the van").click()
            scan(page, p3, f"Loaded {p3} — stop 3 (1 of 3)")
            # A parcel of dave's route: the error tone and the words, and nothing is queued.
            scan(page, foreign, "Not for this route — leave it at the depot")
            expect(page.get_by_test_id("scan-display")).to_have_attribute("data-kind", "error")
            scan(page, p2, "(2 of 3)")
            scan(page, p1, "(3 of 3)")
            expect(page.get_by_test_id("loaded")).to_have_text("3 of 3 loaded")
            pending_is(page, 0)
            page.get_by_role("button", name="Done loading").click()

            # -- on the road, offline ------------------------------------------------------------
            context.set_offline(True)
            expect(page.locator(".sync-net")).to_contain_text("Offline")
            deliver_stop(page, 1, [p1], "Ada Byron", shot="driver-proof.png")
            expect(stop_card(page, 1).locator(".chip")).to_have_text("Delivered")

            # Stop 2: stop 3's parcel at the wrong door is refused with the error tone.
            stop_card(page, 2).get_by_role("button", name="At the stop").click()
            scan(page, p3, "Wrong stop")
            expect(page.get_by_test_id("scan-display")).to_have_attribute("data-kind", "error")
            page.get_by_role("button", name="List").click()
            context.set_geolocation({"latitude": 53.79531, "longitude": -1.54021, "accuracy": 8})
            deliver_stop(page, 2, [p2], "Ben Okri")
            context.set_geolocation({"latitude": 53.79681, "longitude": -1.53821, "accuracy": 15})
            fail_stop(page, 3, "Not home")
            expect(stop_card(page, 3).locator(".chip")).to_have_text("Failed")
            expect(stop_card(page, 3).get_by_role("button", name="Try again")).to_be_visible()
            expect(page.locator(".screen-sub")).to_have_text("3 of 3\u00a0stops done")
            pending_is(page, 3)
            expect(page.locator(".uploads")).to_have_text("Photos and signatures: 4 to send")

            # -- a moment of signal: the uploads start, the app is closed in the middle -------------
            puts = []

            def cut_uploads(route):
                # The first chunks get through; then the connection drops, mid-file.
                puts.append(route.request.url)
                if len(puts) <= 2:
                    route.continue_()
                else:
                    route.abort()

            page.route(
                "**/api/attachments/*", lambda route: cut_uploads(route) if route.request.method == "PUT" else route.continue_()
            )
            page.route("**/api/sync/push", lambda route: route.abort())
            context.set_offline(False)
            _wait_for(page, lambda: len(puts) >= 3, "the third upload PUT")
            # Cut mid-file: the first signature is whole on the server, the first photo only begun.
            partial = Path(os.environ["SHIPSHAPE_ATTACHMENT_DIR"]) / "partial"
            assert read("SELECT COUNT(*) FROM attachment")[0][0] == 1
            assert [p for p in partial.iterdir() if p.suffix != ".json"], "no upload was left half done"
            assert not errors, errors
            context.close()

            # -- the app again, same phone, online: everything goes out once ------------------------
            context = _launch(playwright, profile, video, live_server.url)
            page, errors = open_page(context, live_server.url)
            expect(page.get_by_role("heading", name="Your route")).to_be_visible()
            pending_is(page, 0)
            expect(page.locator(".uploads")).to_have_text("Photos and signatures: all sent", timeout=30_000)
            expect(stop_card(page, 1).locator(".chip")).to_have_text("Delivered")
            expect(stop_card(page, 3).locator(".chip")).to_have_text("Failed")
            assert not errors, errors
            context.close()

        # -- what the server holds ----------------------------------------------------------------
        device_id = off_playwrights_loop(device_of, DRIVER[0])
        ledger = read("SELECT seq, op_type, status, code FROM ledger WHERE device_id = ? ORDER BY seq", device_id)
        assert [row[:3] for row in ledger] == [
            (1, "ship", "applied"),
            (2, "ship", "applied"),
            (3, "ship", "applied"),
            (4, "deliver", "applied"),
            (5, "deliver", "applied"),
            (6, "deliver_failed", "applied"),
        ], ledger
        assert [package_status(code) for code in (p1, p2, p3, foreign)] == ["delivered", "delivered", "failed", "open"]

        proofs = {}
        for code, recipient, at in ((p1, "Ada Byron", (53.79971, -1.54612)), (p2, "Ben Okri", (53.79531, -1.54021))):
            (row,) = deliveries(code)
            outcome, name, _reason, signature, photo, lat, lon, accuracy, evidence = row
            assert (outcome, name, bool(evidence)) == ("delivered", recipient, False), row
            assert (round(lat, 5), round(lon, 5), accuracy) == (*at, 8), row
            proofs[signature] = ("signature", "image/png", b"\x89PNG")
            proofs[photo] = ("photo", "image/jpeg", b"\xff\xd8\xff")
        ((outcome, _, reason, signature, photo, lat, _, accuracy, _),) = deliveries(p3)
        assert (outcome, reason, signature, photo, round(lat, 5), accuracy) == ("failed", "not_home", "", "", 53.79681, 15)

        # Each photo and signature exactly once, its bytes as the phone hashed them, on disk.
        assert len(proofs) == 4
        folder = Path(os.environ["SHIPSHAPE_ATTACHMENT_DIR"])
        for attachment_id, (kind, media, magic) in proofs.items():
            rows = read("SELECT kind, sha256, size FROM attachment WHERE id = ?", attachment_id)
            assert len(rows) == 1, (attachment_id, rows)
            ((stored_kind, digest, size),) = rows
            served = http.get(f"/api/attachments/{attachment_id}", headers=admin)
            assert served.status_code == 200, served.text
            assert served.headers["content-type"].startswith(media)
            assert served.content.startswith(magic)
            assert (stored_kind, digest, size) == (kind, sha256(served.content), len(served.content))
            assert (folder / attachment_id[:2] / attachment_id).read_bytes() == served.content
        assert read("SELECT COUNT(*) FROM attachment")[0][0] == 4

        # The order's timeline: loaded, delivered with its proof arrived; the failed stop in words.
        steps = timeline(http, admin, mine.orders[0]["id"])
        kinds = [step["kind"] for step in steps]
        assert kinds.index("out_for_delivery") < kinds.index("delivered"), kinds
        (delivered,) = [step for step in steps if step["kind"] == "delivered" and step["package"] == p1]
        assert delivered["detail"]["recipient"] == "Ada Byron"
        assert delivered["detail"]["signature"]["arrived"] and delivered["detail"]["photo"]["arrived"], delivered
        assert delivered["device_at"], "the phone's time of the proof is kept"
        (failed,) = [step for step in timeline(http, admin, mine.orders[2]["id"]) if step["kind"] == "failed"]
        assert (failed["package"], failed["detail"]["reason"]) == (p3, "not_home")

        # The customer's tracking page: delivered, or the failed attempt in plain words — nothing personal.
        for order, words in ((mine.orders[0], "Delivered"), (mine.orders[2], "nobody was home")):
            html = http.get(f"/track/{order['tracking_token']}").text
            assert words in html, html
            for personal in ("Ada Byron", "Cleo Hart", "Park Row", "Kirkgate", "+44", "53.79"):
                assert personal not in html, personal


def timeline(http: httpx.Client, admin: dict, order_id: int) -> list[dict]:
    response = http.get(f"/api/orders/{order_id}/timeline", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def assert_fits_a_phone_page(page) -> None:
    """No sideways scrolling at 360 px, and every control at least 48 px tall."""
    assert_fits_a_phone(SimpleNamespace(page=page))


def _wait_for(page, condition, what: str, timeout_ms: int = 20_000) -> None:
    """Wait while Playwright keeps serving the page's routes (a plain sleep would block them)."""
    waited = 0
    while not condition():
        assert waited < timeout_ms, f"timed out waiting for {what}"
        page.wait_for_timeout(100)
        waited += 100


@pytest.fixture(scope="module")
def doorstep_browser(tmp_path_factory):
    """A Chromium whose camera shows a parcel on a doorstep."""
    video = doorstep_video(tmp_path_factory.mktemp("camera"))
    with sync_playwright() as playwright, camera_browser(playwright, video) as browser:
        yield browser


def driver_phone(browser, base_url: str, *, gps: bool = True):
    """A new phone (browser context) at 360×640 with the camera allowed, and GPS when `gps`."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    context.grant_permissions(["camera", "geolocation"] if gps else ["camera"], origin=base_url)
    if gps:
        context.set_geolocation(DOORSTEP)
    page, errors = open_page(context, base_url)
    return context, page, errors


def load_van(page, codes: list[str]) -> None:
    page.get_by_role("button", name="Load the van").click()
    for code in codes:
        scan(page, code, f"Loaded {code}")
    page.get_by_role("button", name="Done loading").click()


def test_two_phones_confirm_the_same_delivery_and_the_second_is_kept_as_evidence(doorstep_browser, live_server, clean_db):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = _admin(http)
        off_playwrights_loop(support.create_user, DRIVER[0], "driver", DRIVER[1])
        depot = Depot(http, admin)
        ((code,),) = depot.route(CUSTOMERS[:1]).packages
        # Dan's other phone, the one left in the van: a device of his own, driven through the API.
        dan = support.login(http, *DRIVER)
        van_phone = Device(http, dan, register_device(http, dan, "dan's van phone"))

        context, page, errors = driver_phone(doorstep_browser, live_server.url)
        sign_in_as_driver(page)
        load_van(page, [code])
        pending_is(page, 0)

        # Offline on the doorstep, dan saves the proof with the customer's name...
        context.set_offline(True)
        deliver_stop(page, 1, [code], "Ada Byron")
        pending_is(page, 1)

        # ...while the van phone, online, had confirmed the same parcel to a neighbour.
        (first,) = van_phone.push(van_phone.op("deliver", package=code, recipient="Ned Next-Door"))["results"]
        assert (first["status"], first["code"]) == ("applied", None), first

        context.set_offline(False)
        pending_is(page, 0)
        card = page.locator("li.outcome")
        expect(card).to_have_attribute("data-code", "conflicting_delivery", timeout=20_000)
        expect(card.locator(".outcome-title")).to_have_text("Already delivered by someone else")
        expect(card.locator(".outcome-action")).to_contain_text("kept as evidence")
        expect(page.locator(".uploads")).to_have_text("Photos and signatures: all sent", timeout=30_000)
        expect(stop_card(page, 1).locator(".chip")).to_have_text("Delivered")
        _shot(page, "driver-conflict.png")
        card.get_by_role("button", name="Done: Already delivered by someone else").click()
        expect(card).to_have_count(0)
        assert not errors, errors
        context.close()

        browser_device = read("SELECT device_id FROM ledger WHERE op_type = 'deliver' AND status = 'rejected'")[0][0]
        assert browser_device != van_phone.device_id
        rows = deliveries(code)
        assert [(r[0], r[1], bool(r[8])) for r in rows] == [
            ("delivered", "Ned Next-Door", False),
            ("delivered", "Ada Byron", True),
        ]
        # The evidence keeps its proof: the signature and photo arrived all the same.
        _, _, _, signature, photo, *_ = rows[1]
        assert len(read("SELECT id FROM attachment WHERE id IN (?, ?)", signature, photo)) == 2
        assert package_status(code) == "delivered"


def test_a_failed_stop_comes_back_later_in_the_round_and_another_goes_back_to_the_depot(doorstep_browser, live_server, clean_db):
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        admin = _admin(http)
        off_playwrights_loop(support.create_user, DRIVER[0], "driver", DRIVER[1])
        depot = Depot(http, admin)
        mine = depot.route(CUSTOMERS[:3])
        (p1,), (p2,), (p3,) = mine.packages

        # No location permission on this phone: proofs are saved without a position, and it says so.
        context, page, errors = driver_phone(doorstep_browser, live_server.url, gps=False)
        sign_in_as_driver(page)
        load_van(page, [p1, p2, p3])
        pending_is(page, 0)
        context.set_offline(True)

        fail_stop(page, 1, "Not home", gps=False)
        # "Other" needs a note: the form says so and nothing is saved until it has one.
        stop_card(page, 2).get_by_role("button", name="At the stop").click()
        page.get_by_role("button", name="Failed attempt").click()
        page.get_by_role("button", name="Other", exact=True).click()
        page.get_by_role("button", name="Save failed attempt").click()
        expect(page.locator(".form-problem")).to_contain_text("a note is needed")
        page.locator("#fail-note").fill("Gate locked, no bell")
        page.get_by_role("button", name="Save failed attempt").click()
        expect(page.locator(".route-notice")).to_contain_text("Stop 2: failed attempt (other)")

        # Stop 3 without a photo: the name and the signature are enough.
        stop_card(page, 3).get_by_role("button", name="At the stop").click()
        scan(page, p3, f"{p3} ✓")
        page.get_by_role("button", name="Proof of delivery").click()
        page.get_by_role("button", name="Save delivery").click()
        expect(page.locator(".form-problem")).to_contain_text("name")
        page.get_by_label("Recipient's name").fill("Cleo Hart")
        page.get_by_role("button", name="Save delivery").click()
        expect(page.locator(".form-problem")).to_contain_text("signature")
        sign(page)
        expect(page.locator(".gps")).to_contain_text("No position (location access was refused): saving without it.")
        page.get_by_role("button", name="Save delivery").click()
        expect(page.locator(".route-notice")).to_contain_text("Stop 3 delivered to Cleo Hart")

        # Back past stop 1: this time someone is home.
        stop_card(page, 1).get_by_role("button", name="Try again").click()
        scan(page, p1, f"{p1} ✓")
        page.get_by_role("button", name="Proof of delivery").click()
        page.get_by_label("Recipient's name").fill("Ada Byron")
        sign(page)
        page.get_by_role("button", name="Save delivery").click()
        expect(stop_card(page, 1).locator(".chip")).to_have_text("Delivered")

        # The end of the round: stop 2's parcel goes back into the depot; a delivered one cannot.
        page.get_by_role("button", name="Back at the depot (1)").click()
        scan(page, p1, "was delivered — it cannot be back here")
        expect(page.get_by_test_id("scan-display")).to_have_attribute("data-kind", "error")
        scan(page, p2, f"{p2} back at the depot")
        page.get_by_role("button", name="Done").click()
        expect(page.locator(".route-back")).to_have_text("1 back at the depot")
        pending_is(page, 5)

        context.set_offline(False)
        pending_is(page, 0)
        expect(stop_card(page, 2)).to_contain_text("Returned to the depot")
        expect(page.locator("li.outcome")).to_have_count(0)
        assert_fits_a_phone_page(page)
        assert not errors, errors
        context.close()

        device_id = off_playwrights_loop(device_of, DRIVER[0])
        ledger = read("SELECT seq, op_type, status FROM ledger WHERE device_id = ? ORDER BY seq", device_id)
        assert [row[1:] for row in ledger] == [
            ("ship", "applied"),
            ("ship", "applied"),
            ("ship", "applied"),
            ("deliver_failed", "applied"),
            ("deliver_failed", "applied"),
            ("deliver", "applied"),
            ("deliver", "applied"),
            ("return_to_depot", "applied"),
        ], ledger
        assert [(r[0], r[2], bool(r[8])) for r in deliveries(p1)] == [("failed", "not_home", False), ("delivered", "", False)]
        ((_, _, _, _, photo, lat, lon, accuracy, _),) = deliveries(p3)
        assert (photo, lat, lon, accuracy) == ("", None, None, None)
        assert [package_status(code) for code in (p1, p2, p3)] == ["delivered", "open", "delivered"]
        assert read("SELECT stop FROM package WHERE code = ?", p2) == [(None,)], "back at the depot, off the route"
        assert read("SELECT status FROM route WHERE id = ?", mine.route_id) == [("done",)]
