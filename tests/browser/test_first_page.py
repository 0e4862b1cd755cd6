"""The first page on a phone: sign in, and each role lands on its own work."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import expect

from tests.browser.support import api_get, assert_fits_a_phone, sign_in

pytestmark = pytest.mark.browser


def test_picker_logs_in_on_a_phone_and_sees_her_pick_tasks_in_walking_order(phone, demo_warehouse, live_server):
    page = phone.page
    phone.open()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_fits_a_phone(phone)
    phone.screenshot("login.png")

    sign_in(phone, "pia", "picker-demo")

    expect(page.get_by_role("heading", name="Your picks")).to_be_visible()
    expect(page.locator("#who")).to_contain_text("Pia")
    tasks = api_get(live_server.url, "pia", "picker-demo", "/api/tasks/mine")
    assert tasks, "the demo releases a wave to pia"
    cards = page.locator("li.task")
    expect(cards).to_have_count(len(tasks))
    expect(cards.first.locator(".location")).to_have_text(tasks[0]["location"])
    expect(cards.first).to_contain_text(tasks[0]["sku"])
    expect(cards.first).to_contain_text(tasks[0]["product_name"])
    # Walking order: the cards show the locations in the order the server sorted them.
    assert cards.locator(".location").all_text_contents() == [task["location"] for task in tasks]
    expect(page.locator(".wave-progress-text").first).to_have_text(f"0 / {len(tasks)} lines picked")
    assert_fits_a_phone(phone)
    phone.screenshot("picker-tasks.png")


def test_wrong_password_shows_the_servers_message_and_stays_on_login(phone, demo_warehouse):
    page = phone.page
    phone.open()

    sign_in(phone, "pia", "not-her-password")

    expect(page.get_by_role("alert")).to_have_text("wrong username or password")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.locator("#logout")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('shipshape.session')") is None


def test_supervisor_sees_order_counts_by_status(phone, demo_warehouse, live_server):
    page = phone.page
    phone.open("/#/orders")  # the supervisor's home is the live floor; this story is about the orders tab

    sign_in(phone, "sue", "supervisor-demo")

    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    orders = api_get(live_server.url, "sue", "supervisor-demo", "/api/orders?limit=1000")
    expect(page.locator('[data-status="all"] .tile-count')).to_have_text(str(len(orders)))
    for status, count in Counter(order["status"] for order in orders).items():
        expect(page.locator(f'[data-status="{status}"] .tile-count')).to_have_text(str(count))
    expect(page.locator("li.order").first.locator(".order-ref")).to_have_text(orders[0]["external_ref"])
    assert_fits_a_phone(phone)
    phone.screenshot("supervisor-orders.png")

    # Tapping a tile narrows the list to that status.
    page.locator('[data-status="on_hold"]').click()
    on_hold = [order["external_ref"] for order in orders if order["status"] == "on_hold"]
    assert page.locator("li.order .order-ref").all_text_contents() == on_hold


def test_no_csp_violations_and_no_console_errors(phone, demo_warehouse):
    page = phone.page
    phone.open()
    sign_in(phone, "pia", "picker-demo")
    expect(page.locator("li.task").first).to_be_visible()
    page.reload()  # the stored session opens the picks again without a login
    expect(page.locator("li.task").first).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    sign_in(phone, "sue", "supervisor-demo")
    expect(page.locator(".live-status")).to_contain_text("Live")  # home: the live floor and its stream
    page.get_by_role("link", name="Orders").click()
    expect(page.locator("li.order").first).to_be_visible()
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("li.order").first).to_be_visible()

    assert phone.csp_violations() == []
    assert phone.console_errors == []
