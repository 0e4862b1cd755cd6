"""Package types: an admin sets up the boxes, packers see the ones in use and seal with them."""

from __future__ import annotations

import pytest

from tests.support import create_user, login
from tests.warehouse import package_type, packed_order


def types(client, headers, **params):
    response = client.get("/api/package-types", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_admin_creates_changes_and_retires_a_package_type_and_packers_see_only_those_in_use(client, admin):
    made = package_type(client, admin, "BOX-M", max_weight_g=5000)
    assert made | {"id": 0} == {
        "id": 0,
        "code": "BOX-M",
        "name": "Box BOX-M",
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 150,
        "max_weight_g": 5000,
        "active": True,
    }
    package_type(client, admin, "MAILER-A4", max_weight_g=0)
    packer = login(client, "paco", create_user("paco", "packer"))
    assert [t["code"] for t in types(client, packer)] == ["BOX-M", "MAILER-A4"]

    changed = client.post("/api/package-types/BOX-M", json={"name": "Medium box", "max_weight_g": 8000}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["max_weight_g"], changed.json()["length_mm"]) == ("Medium box", 8000, 300)

    retired = client.post("/api/package-types/MAILER-A4", json={"active": False}, headers=admin).json()
    assert retired["active"] is False
    assert [t["code"] for t in types(client, packer)] == ["BOX-M"]
    assert [(t["code"], t["active"]) for t in types(client, admin, all="true")] == [("BOX-M", True), ("MAILER-A4", False)]
    # Retired types come back by the same route.
    assert client.post("/api/package-types/MAILER-A4", json={"active": True}, headers=admin).json()["active"] is True


def test_only_an_admin_sees_retired_types(client, admin):
    packer = login(client, "paco", create_user("paco", "packer"))
    response = client.get("/api/package-types?all=true", headers=packer)
    assert response.status_code == 403 and "admin" in response.json()["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "No code"}, "code"),
        ({"code": "", "name": "Empty"}, "code"),
        ({"code": "BOX M", "name": "Space"}, "code"),
        ({"code": "B" * 17, "name": "Long"}, "code"),
        ({"code": "BOX-S"}, "name"),
        ({"code": "BOX-S", "name": "   "}, "name"),
        ({"code": "BOX-S", "name": "S", "length_mm": -1}, "length_mm"),
        ({"code": "BOX-S", "name": "S", "max_weight_g": 2_000_000}, "max_weight_g"),
        ({"code": "BOX-S", "name": "S", "colour": "brown"}, "colour"),
    ],
)
def test_bad_package_types_are_refused_naming_the_field(client, admin, body, field):
    response = client.post("/api/package-types", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_duplicates_unknown_codes_and_bad_changes(client, admin):
    package_type(client, admin, "BOX-M")
    duplicate = client.post("/api/package-types", json={"code": "BOX-M", "name": "Again"}, headers=admin)
    assert (duplicate.status_code, duplicate.json()["error"], duplicate.json()["field"]) == (409, "duplicate_package_type", "code")
    unknown = client.post("/api/package-types/NOPE", json={"active": False}, headers=admin)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_package_type")
    bad = client.post("/api/package-types/BOX-M", json={"height_mm": -5}, headers=admin)
    assert (bad.status_code, bad.json()["field"]) == (400, "height_mm")
    renamed = client.post("/api/package-types/BOX-M", json={"code": "BOX-L"}, headers=admin)
    assert (renamed.status_code, renamed.json()["field"]) == (400, "code")  # the code never changes


def test_a_packer_seals_with_a_real_package_type_and_an_overweight_box_is_flagged(client, admin):
    packer, order = packed_order(client, admin, packages=[("PKG-1", 3)], seal=False)
    package_type(client, admin, "BOX-S", max_weight_g=1000)
    package_type(client, admin, "OLD", max_weight_g=0)
    assert client.post("/api/package-types/OLD", json={"active": False}, headers=admin).status_code == 200

    unknown, retired = packer.push(
        packer.op("seal", package="PKG-1", package_type="NOPE", weight_g=900),
        packer.op("seal", package="PKG-1", package_type="OLD", weight_g=900),
    )["results"]
    assert (unknown["status"], unknown["code"]) == ("rejected", "unknown_package_type")
    assert (retired["status"], retired["code"]) == ("rejected", "unknown_package_type")

    (heavy,) = packer.push(packer.op("seal", package="PKG-1", package_type="BOX-S", weight_g=1400))["results"]
    assert (heavy["status"], heavy["code"]) == ("adjusted", "overweight")
    assert "1400 g" in heavy["message"] and "BOX-S" in heavy["message"]
    (package,) = packer.pull()["pack_orders"][0]["packages"]
    assert (package["sealed"], package["package_type"], package["weight_g"]) == (True, "BOX-S", 1400)
    assert sorted(e["code"] for e in client.get("/api/exceptions", headers=admin).json()) == [
        "overweight",
        "unknown_package_type",
        "unknown_package_type",
    ]
