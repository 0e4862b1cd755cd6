"""OpenAPI at /schema documents every route with the status codes it can return."""

from __future__ import annotations

from tests.api.route_matrix import ATTACHMENT, MATRIX


def test_schema_lists_routes_and_their_error_codes(client):
    response = client.get("/schema")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    for method, path, roles in MATRIX:
        templated = path
        for concrete, name in (
            ("/1", "/{order_id}"),
            ("/SKU-X", "/{sku}"),
            ("/nobody", "/{username}"),
            ("/unknown", "/{device_id}"),
            (f"/{ATTACHMENT}", "/{attachment_id}"),
        ):
            templated = templated.replace(concrete, name)
        for prefix, name in (
            ("/api/waves/", "wave_id"),
            ("/api/tasks/", "task_id"),
            ("/api/exceptions/", "exception_id"),
            ("/api/floor-tasks/", "task_id"),
            ("/api/routes/", "route_id"),
            ("/api/stops/", "stop_id"),
            ("/api/kpis/", "file"),
            ("/api/channels/imports/", "job_id"),
            ("/api/receipts/", "po_id"),
            ("/api/rmas/", "rma_id"),
        ):
            if path.startswith(prefix + "1"):
                templated = path.replace(prefix + "1", prefix + "{" + name + "}")
        for prefix in ("/api/package-types/", "/api/packages/"):
            if path.startswith(prefix + "SKU-X"):
                templated = path.replace(prefix + "SKU-X", prefix + "{code}")
        # Admin setup: a product's barcode and a channel are named by their code.
        templated = templated.replace("/barcodes/{sku}", "/barcodes/{code}")
        if path.startswith("/api/channels/unknown"):
            templated = path.replace("/unknown", "/{code}")
        # Purchasing: a supplier by its code, a purchase order by its id.
        if path.startswith("/api/suppliers/unknown"):
            templated = path.replace("/unknown", "/{code}")
        if path.startswith("/api/purchase-orders/1"):
            templated = path.replace("/1", "/{po_id}", 1)
        if path.startswith("/api/locations/unknown"):  # a bin's trail: named by its code
            templated = path.replace("/unknown", "/{code}")
        operation = paths[templated][method.lower()]
        codes = set(operation["responses"])
        assert "401" in codes, (method, path)
        if set(roles) != {"picker", "packer", "driver", "supervisor", "admin"}:
            assert "403" in codes, (method, path)
        if method == "POST" and "requestBody" in operation:
            assert "400" in codes, (method, path)
    login = paths["/api/auth/login"]["post"]["responses"]
    assert {"200", "400", "401", "429"} <= set(login)
    assert set(spec["components"]["schemas"]["OrderIn"]["required"]) == {
        "channel",
        "external_ref",
        "customer",
        "ship_to",
        "lines",
    }
