"""Every guarded API route and the roles allowed to call it (the role tests and the OpenAPI test read it)."""

from __future__ import annotations

from server.accounts.security import ROLES

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
    ("GET", "/api/sync/limits", ROLES),
    ("POST", "/api/sync/push", ROLES),
    ("GET", "/api/sync/pull", ROLES),
    ("POST", "/api/scan/resolve", ROLES),
]
