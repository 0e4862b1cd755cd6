"""Every guarded API route and the roles allowed to call it (the role tests and the OpenAPI test read it)."""

from __future__ import annotations

from server.accounts.security import ROLES

# An attachment id no test uploads (a well-formed UUID v4, so the route looks it up).
ATTACHMENT = "00000000-0000-4000-8000-000000000000"
UPLOADERS = ("driver", "supervisor", "admin")

# Routes that take no token at all: liveness and readiness probes (server/ops, docs/deploy.md).
UNGUARDED = ("/api/health", "/api/ready")

# (method, path, roles allowed). Bodies are irrelevant here: guards run before validation,
# so an allowed role gets anything but 401/403 and a disallowed role gets exactly 403.
MATRIX = [
    ("GET", "/api/auth/me", ROLES),
    ("POST", "/api/auth/logout", ROLES),
    ("GET", "/api/users", ("supervisor", "admin")),
    ("POST", "/api/users", ("admin",)),
    ("POST", "/api/users/nobody/disable", ("admin",)),
    ("POST", "/api/users/nobody/grants", ("admin",)),
    ("POST", "/api/devices", ROLES),
    ("GET", "/api/devices", ROLES),
    ("POST", "/api/devices/unknown/revoke", ("supervisor", "admin")),
    ("GET", "/api/products", ROLES),
    ("POST", "/api/products", ("admin",)),
    ("GET", "/api/products/SKU-X", ROLES),
    ("GET", "/api/locations", ROLES),
    ("POST", "/api/locations", ("admin",)),
    ("GET", "/api/stock", ROLES),
    ("POST", "/api/stock/adjustments", ("supervisor", "admin")),
    ("GET", "/api/orders", ("packer", "supervisor", "admin")),
    ("POST", "/api/orders", ("supervisor", "admin")),
    ("GET", "/api/orders/1", ("packer", "supervisor", "admin")),
    ("POST", "/api/orders/1/cancel", ("supervisor", "admin")),
    ("POST", "/api/orders/1/pay", ("supervisor", "admin")),
    ("GET", "/api/orders/1/timeline", ("packer", "supervisor", "admin")),
    ("POST", "/api/routes/plan", ("supervisor", "admin")),
    ("GET", "/api/routes", ("supervisor", "admin")),
    ("GET", "/api/routes/1", ("driver", "supervisor", "admin")),
    ("POST", "/api/routes/1/order", ("supervisor", "admin")),
    ("POST", "/api/routes/1/driver", ("supervisor", "admin")),
    ("POST", "/api/stops/1/move", ("supervisor", "admin")),
    ("POST", "/api/waves", ("supervisor", "admin")),
    ("GET", "/api/waves/1", ("supervisor", "admin")),
    ("GET", "/api/package-types", ("packer", "supervisor", "admin")),
    ("POST", "/api/package-types", ("admin",)),
    ("POST", "/api/package-types/SKU-X", ("admin",)),
    ("POST", "/api/packages/SKU-X/shipment", ("packer", "supervisor", "admin")),
    ("POST", "/api/packages/SKU-X/shipment/cancel", ("packer", "supervisor", "admin")),
    ("GET", "/api/tasks/mine", ("picker",)),
    ("POST", "/api/tasks/1/reassign", ("supervisor", "admin")),
    ("GET", "/api/exceptions", ("supervisor", "admin")),
    ("POST", "/api/exceptions/1/resolve", ("supervisor", "admin")),
    ("GET", "/api/floor-tasks", ("supervisor", "admin")),
    ("POST", "/api/floor-tasks/1/decide", ("supervisor", "admin")),
    # The live floor (server/live): without Accept: text/event-stream the stream answers 406, never hangs.
    ("GET", "/api/floor", ("supervisor", "admin")),
    ("GET", "/api/floor/stream", ("supervisor", "admin")),
    # The exception queue's actions (part B of issue #12).
    ("GET", "/api/exceptions/1", ("supervisor", "admin")),
    ("POST", "/api/count-tasks", ("supervisor", "admin")),
    ("POST", "/api/orders/1/re-release", ("supervisor", "admin")),
    ("GET", "/api/sync/limits", ROLES),
    ("POST", "/api/sync/push", ROLES),
    ("GET", "/api/sync/pull", ROLES),
    ("POST", "/api/scan/resolve", ROLES),
    ("PUT", f"/api/attachments/{ATTACHMENT}", UPLOADERS),
    ("GET", f"/api/attachments/{ATTACHMENT}/status", UPLOADERS),
    # Drivers only the files they uploaded (tests/api/test_attachments.py).
    ("GET", f"/api/attachments/{ATTACHMENT}", UPLOADERS),
    # Stock at a glance and KPIs (issue #12, part D).
    ("GET", "/api/stock/lookup", ROLES),
    ("GET", "/api/stock/low", ROLES),
    ("GET", "/api/kpis", ("supervisor", "admin")),
    ("GET", "/api/kpis/1", ("supervisor", "admin")),  # /api/kpis/{name}.csv
    # Waves and order actions (issue #12, part C).
    ("GET", "/api/waves", ("supervisor", "admin")),
    ("GET", "/api/waves/candidates", ("supervisor", "admin")),
    ("POST", "/api/waves/1/reassign", ("supervisor", "admin")),
    ("POST", "/api/orders/1/hold", ("supervisor", "admin")),
    ("POST", "/api/orders/1/release-hold", ("supervisor", "admin")),
    # Admin setup (issue #12 E): products' barcodes, users, a revoked phone's ops, channels.
    ("POST", "/api/products/SKU-X", ("admin",)),
    ("POST", "/api/products/SKU-X/barcodes", ("admin",)),
    ("DELETE", "/api/products/SKU-X/barcodes/SKU-X", ("admin",)),
    ("POST", "/api/users/nobody/enable", ("admin",)),
    ("POST", "/api/users/nobody/password", ("admin",)),
    ("POST", "/api/users/nobody/role", ("admin",)),
    ("GET", "/api/devices/unknown/quarantined", ("supervisor", "admin")),
    ("POST", "/api/devices/unknown/quarantined/apply", ("supervisor", "admin")),
    ("POST", "/api/devices/unknown/quarantined/discard", ("supervisor", "admin")),
    ("GET", "/api/channels", ("admin",)),
    ("POST", "/api/channels", ("admin",)),
    ("POST", "/api/channels/unknown", ("admin",)),
    # Channel feeds (issue #13, points 2 and 3): CSV imports; the stock feed (also a channel's own token).
    ("POST", "/api/channels/unknown/imports", ("supervisor", "admin")),
    ("GET", "/api/channels/unknown/imports", ("supervisor", "admin")),
    ("GET", "/api/channels/imports/1", ("supervisor", "admin")),
    ("GET", "/api/channels/unknown/stock", ("supervisor", "admin")),
    # Goods in against purchase orders (issue #13, point 5): floor staff receive too.
    ("GET", "/api/receipts", ("picker", "packer", "supervisor", "admin")),
    ("GET", "/api/receipts/1", ("picker", "packer", "supervisor", "admin")),
    ("POST", "/api/receipts/1/items", ("picker", "packer", "supervisor", "admin")),
    ("POST", "/api/receipts/1/close", ("picker", "packer", "supervisor", "admin")),
    # Returns (issue #13, point 7): RMAs, refunds, the RMA slip is under /print.
    ("POST", "/api/orders/1/rmas", ("supervisor", "admin")),
    ("GET", "/api/rmas", ("packer", "supervisor", "admin")),
    ("GET", "/api/rmas/1", ("packer", "supervisor", "admin")),
    ("POST", "/api/rmas/1/refunds", ("supervisor", "admin")),
    ("POST", "/api/rmas/1/close", ("supervisor", "admin")),
    # Purchasing (issue #13, points 4 and 6).
    ("GET", "/api/suppliers", ("supervisor", "admin")),
    ("POST", "/api/suppliers", ("admin",)),
    ("POST", "/api/suppliers/unknown", ("admin",)),
    ("GET", "/api/purchase-orders", ("supervisor", "admin")),
    ("POST", "/api/purchase-orders", ("supervisor", "admin")),
    ("GET", "/api/purchase-orders/proposals", ("supervisor", "admin")),
    ("GET", "/api/purchase-orders/1", ("supervisor", "admin")),
    ("POST", "/api/purchase-orders/1/approve", ("supervisor", "admin")),
    ("POST", "/api/purchase-orders/1/send", ("supervisor", "admin")),
    ("POST", "/api/purchase-orders/1/expected", ("supervisor", "admin")),
    ("POST", "/api/purchase-orders/1/cancel", ("supervisor", "admin")),
    ("POST", "/api/purchase-orders/1/tracking", ("supervisor", "admin")),
    ("GET", "/api/purchase-orders/1/document", ("supervisor", "admin")),
    ("GET", "/api/purchase-orders/1/document.eml", ("supervisor", "admin")),
    ("GET", "/api/locations/unknown/history", ("supervisor", "admin")),
]

# Routes a shop calls without a bearer token (issue #13.1): a delivery is authenticated by the HMAC
# signature of its body with the channel's secret, so no role applies. Tested in
# tests/api/test_shop_webhooks.py; here: they are reachable without a token and never answer 5xx.
SIGNED = [
    ("POST", "/api/hooks/shopify/unknown"),
    ("POST", "/api/hooks/woocommerce/unknown"),
    # A bin's audit trail (issue #13, counts and moves).
]
