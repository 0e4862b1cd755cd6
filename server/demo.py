"""A believable demo warehouse: products with real-looking barcodes, a pick path, stock, orders with
delivery promises to real-ish places around a Leeds depot, package types, a supplier per product group
(one product, a kayak, drop-shipped by its supplier), and work for every role: a
wave for pia to pick, picked orders at paco's pack bench (two of them packed and sealed), and an
own-fleet route for dan.

Everything that changes stock or orders goes through the op engine, exactly as production traffic
does (picks as pia, packing as paco, the route through the dispatcher's planner), so the demo's
ledger reads like a real morning.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict

from biip.checksums import gs1_standard_check_digit

from server.accounts.service import create_user
from server.apply import run_ops
from server.catalog.schemas import ProductIn
from server.catalog.service import create_product
from server.db import Database
from server.delivery.service import plan, today
from server.inventory.schemas import LocationIn
from server.inventory.service import create_location
from server.purchasing.schemas import SupplierIn
from server.purchasing.service import create_supplier
from server.returns.service import new_code
from sync.model import po_code
from sync.ops import (
    AddressArgs,
    AdjustStock,
    ApprovePurchaseOrder,
    CreatePurchaseOrder,
    CreateRma,
    CustomerArgs,
    Deliver,
    IntakeOrder,
    LineArgs,
    Pack,
    Pick,
    PoLineArgs,
    ReleaseWave,
    RmaLineArgs,
    Seal,
    SendPurchaseOrder,
    Ship,
)

DEMO_USERS = [
    ("pia", "picker", "picker-demo"),
    ("paco", "packer", "packer-demo"),
    ("dan", "driver", "driver-demo"),
    ("sue", "supervisor", "supervisor-demo"),
    ("ada", "admin", "admin-demo"),
]

_APPAREL = [("TSHIRT", "T-shirt"), ("HOODIE", "Hoodie"), ("SOCKS", "Socks")]
_SIZES = ["S", "M", "L"]
_COLOURS = [("RED", "red"), ("BLU", "navy"), ("BLK", "black")]
_GOODS = [
    ("MUG-12OZ-WHT", "Ceramic mug 12 oz, white"),
    ("MUG-12OZ-BLK", "Ceramic mug 12 oz, black"),
    ("BOTTLE-750-STL", "Steel bottle 750 ml"),
    ("NOTEBOOK-A5-DOT", "Notebook A5, dotted"),
    ("NOTEBOOK-A5-LIN", "Notebook A5, lined"),
    ("PEN-GEL-BLK-10", "Gel pens, black, 10-pack"),
    ("TOTE-CANVAS-NAT", "Canvas tote bag"),
    ("CAP-BASE-NAVY", "Baseball cap, navy"),
    ("BEANIE-KNIT-GRY", "Knit beanie, grey"),
    ("SCARF-WOOL-RED", "Wool scarf, red"),
    ("CANDLE-SOY-LAV", "Soy candle, lavender"),
    ("CANDLE-SOY-CED", "Soy candle, cedar"),
    ("POSTER-A2-MAP", "Poster A2, world map"),
    ("STICKER-PACK-20", "Sticker pack, 20"),
    ("PUZZLE-1000-ALP", "Jigsaw 1000 pcs, Alps"),
    ("CARDS-PLAY-STD", "Playing cards"),
    ("BAG-BACKPACK-20L", "Backpack 20 L"),
    ("UMBRELLA-CMP-BLK", "Compact umbrella"),
    ("CHARGER-USBC-30W", "USB-C charger 30 W"),
    ("CABLE-USBC-1M", "USB-C cable 1 m"),
    ("LAMP-DESK-LED", "LED desk lamp"),
    ("TEA-EARLGREY-50", "Earl Grey tea, 50 bags"),
    ("COFFEE-BEANS-1KG", "Coffee beans 1 kg"),
    ("CHOC-DARK-100G", "Dark chocolate 100 g"),
    ("SOAP-BAR-OAT", "Oat soap bar"),
    ("TOWEL-HAND-GRY", "Hand towel, grey"),
    ("GLOVES-WORK-L", "Work gloves, L"),
    ("TAPE-PACK-48MM", "Packing tape 48 mm"),
]
# Who each product group is bought from: (code, name, e-mail, lead time in days, SKU prefixes).
_SUPPLIERS = [
    ("NORTHWEAR", "Northwear Textiles", "orders@northwear.example", 10, ("TSHIRT", "HOODIE", "SOCKS")),
    ("INKWELL", "Inkwell Paper Co", "sales@inkwell.example", 5, ("NOTEBOOK", "PEN", "POSTER", "STICKER", "PUZZLE", "CARDS")),
    ("HEARTH", "Hearth & Home", "trade@hearth.example", 7, ("MUG", "BOTTLE", "TEA", "COFFEE", "CHOC", "CANDLE", "SOAP", "TOWEL")),
    ("DALTON", "Dalton Trade Supply", "po@dalton.example", 4, ("CHARGER", "CABLE", "LAMP", "UMBRELLA", "BAG", "TAPE", "GLOVES")),
    ("RIDGELINE", "Ridgeline Outdoor", "dropship@ridgeline.example", 3, ("CAP", "BEANIE", "SCARF", "TOTE", "KAYAK")),
]
# Too big to stock: Ridgeline ships it straight to the customer (a drop-ship purchase order).
_DROP_SHIP = ("KAYAK-INFL-2P", "Inflatable kayak, 2-person")
_CHANNELS = [("webshop", "Own web shop", "api"), ("marketplace", "Marketplace", "webhook")]
# (name, street, town, postcode, country, lat, lon): most within ~30 km of the Leeds depot, geocoded
# as a shop's checkout would; a few far away and without coordinates (a carrier takes those).
_CUSTOMERS = [
    ("Amira Haddad", "12 Mill Lane", "Leeds", "LS1 4AB", "GB", 53.7997, -1.5492),
    ("Tom Whitaker", "4 Cardigan Road", "Leeds", "LS6 1LF", "GB", 53.8190, -1.5760),
    ("Priya Shah", "27 Roundhay Road", "Leeds", "LS8 5AJ", "GB", 53.8176, -1.5194),
    ("Grace Okafor", "9 Kirkstall Lane", "Leeds", "LS5 3BE", "GB", 53.8151, -1.6006),
    ("Ben Lister", "31 Town Street", "Leeds", "LS18 4AP", "GB", 53.8451, -1.6412),
    ("Hannah Wood", "2 Manor Row", "Bradford", "BD1 4PB", "GB", 53.7965, -1.7529),
    ("Imran Hussain", "55 Oak Lane", "Bradford", "BD9 4PU", "GB", 53.8060, -1.7830),
    ("Lucy Firth", "18 Westgate", "Wakefield", "WF1 1JY", "GB", 53.6830, -1.5010),
    ("Oliver Dawson", "7 Station Parade", "Harrogate", "HG1 1SR", "GB", 53.9929, -1.5376),
    ("Emma Clarke", "77 Station Road", "Bristol", "BS1 6QF", "GB", None, None),
    ("Jonas Weber", "Hauptstr. 5", "Köln", "50667", "DE", None, None),
    ("Chloé Martin", "8 rue Victor Hugo", "Lyon", "69002", "FR", None, None),
]
DEPOT = (53.7950, -1.5480)  # the warehouse, south of Leeds city centre
# (code, name, length, width, height mm, max weight g)
_PACKAGE_TYPES = [
    ("MAILER-S", "Mailer bag, small", 250, 350, 20, 1_000),
    ("BOX-S", "Box, small", 200, 150, 100, 2_000),
    ("BOX-M", "Box, medium", 350, 250, 150, 10_000),
    ("BOX-L", "Box, large", 500, 400, 300, 20_000),
]


def _ean13(item: int) -> str:
    body = f"50{12345:05d}{item:05d}"
    return body + str(gs1_standard_check_digit(body))


def _upca(item: int) -> str:
    body = f"0{36000:05d}{item:05d}"
    return body + str(gs1_standard_check_digit(body))


def _products() -> list[ProductIn]:
    products = []
    item = 100
    for code, name in _APPAREL:
        for size in _SIZES:
            for colour_code, colour in _COLOURS:
                item += 1
                products.append(
                    ProductIn(
                        sku=f"{code}-{size}-{colour_code}",
                        name=f"{name}, {colour}, {size}",
                        barcodes=[_ean13(item)],
                        reorder_point=10,
                        reorder_qty=20,
                        weight_g=180 if code != "HOODIE" else 520,
                        supplier=_supplier_of(code),
                    )
                )
    for sku, name in _GOODS:
        item += 1
        # Every third imported product carries a UPC-A as printed by its US maker.
        barcodes = [_upca(item)] if item % 3 == 0 else [_ean13(item)]
        products.append(
            ProductIn(
                sku=sku, name=name, barcodes=barcodes, reorder_point=5, reorder_qty=10, weight_g=250, supplier=_supplier_of(sku)
            )
        )
    item += 1
    sku, name = _DROP_SHIP
    products.append(ProductIn(sku=sku, name=name, barcodes=[_ean13(item)], weight_g=9_000, supplier="RIDGELINE", drop_ship=True))
    return products


def _supplier_of(sku: str) -> str:
    return next(code for code, _, _, _, prefixes in _SUPPLIERS if sku.split("-")[0] in prefixes)


def _locations() -> list[LocationIn]:
    """Aisles A–E × racks 01–05 × levels 01–04 = 100 bins, walked in a serpentine, plus the floor areas."""
    locations = []
    for a, aisle in enumerate("ABCDE"):
        racks = range(1, 6) if a % 2 == 0 else range(5, 0, -1)
        for r_pos, rack in enumerate(racks):
            for level in range(1, 5):
                locations.append(
                    LocationIn(
                        code=f"{aisle}-{rack:02d}-{level:02d}",
                        kind="bin",
                        zone=aisle,
                        path_seq=(a * 5 + r_pos) * 10 + level,
                    )
                )
    locations += [
        LocationIn(code="STAGE-1", kind="staging", path_seq=9000),
        LocationIn(code="DOCK-1", kind="dock", path_seq=9100),
        LocationIn(code="RETURNS-1", kind="returns", path_seq=9200),
    ]
    return locations


async def seed(db: Database) -> str:
    rng = random.Random(20261126)
    users = {}
    for username, role, password in DEMO_USERS:
        users[role] = await create_user(db, username, role, password, username.capitalize())
    admin = users["admin"].id

    async with db.write() as tx:
        for code, name, kind in _CHANNELS:
            await tx.execute("INSERT INTO channel (code, name, kind) VALUES (?, ?, ?)", code, name, kind)
    for code, name, email, lead_time, _ in _SUPPLIERS:
        await create_supplier(db, SupplierIn(code=code, name=name, email=email, lead_time_days=lead_time))

    products = _products()
    for product in products:
        await create_product(db, product)
    locations = _locations()
    for location in locations:
        await create_location(db, location)
    bins = [l.code for l in locations if l.kind == "bin"]

    out_of_stock = {"HOODIE-L-BLK", "LAMP-DESK-LED", _DROP_SHIP[0]}  # backorders (and the drop-ship, never stocked)
    adjustments = []
    free_bins = bins[:]
    rng.shuffle(free_bins)
    for product in products:
        if product.sku in out_of_stock:
            continue
        for _ in range(rng.choice((1, 1, 2))):
            adjustments.append(
                AdjustStock(
                    location=free_bins.pop(),
                    sku=product.sku,
                    qty_delta=rng.randint(3, 40),
                    reason="opening stock count",
                )
            )
    await run_ops(db, adjustments, actor=admin)

    async with db.write() as tx:
        await tx.execute("UPDATE warehouse SET lat = ?, lon = ?", *DEPOT)
        for code, name, length, width, height, max_weight in _PACKAGE_TYPES:
            await tx.execute(
                "INSERT INTO package_type (code, name, length_mm, width_mm, height_mm, max_weight_g, active) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                code,
                name,
                length,
                width,
                height,
                max_weight,
                True,
            )

    channels = ["manual", "webshop", "marketplace"]
    stocked = [p for p in products if not p.drop_ship]
    intakes = []
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for n in range(36):
        name, street, city, postcode, country, lat, lon = _CUSTOMERS[n % len(_CUSTOMERS)]
        chosen = rng.sample(stocked, rng.randint(1, 4))
        if n in (5, 17):
            chosen = [p for p in products if p.sku in out_of_stock][:1] + chosen[:1]
        intakes.append(
            IntakeOrder(
                channel=channels[n % 3],
                external_ref=f"{channels[n % 3][:3].upper()}-{10_000 + n}",
                customer=CustomerArgs(name=name, email=f"{name.split()[0].lower()}@example.com"),
                ship_to=AddressArgs(line1=street, city=city, postcode=postcode, country=country, lat=lat, lon=lon),
                lines=[LineArgs(sku=p.sku, qty=rng.randint(1, 3)) for p in chosen],
                payment_status="pending" if n in (9, 29) else "paid",
                tracking_token=secrets.token_urlsafe(12),
                # Promised for 1–3 days after the order, by 6 pm.
                promised_at=(now + dt.timedelta(days=rng.randint(1, 3))).replace(hour=18, minute=0, second=0),
            )
        )
    # A kayak sold on the web shop: its supplier ships it (a draft drop-ship PO for the supervisor to send).
    name, street, city, postcode, country, _, _ = _CUSTOMERS[9]
    intakes.append(
        IntakeOrder(
            channel="webshop",
            external_ref="WEB-DROP-1",
            customer=CustomerArgs(name=name, email=f"{name.split()[0].lower()}@example.com"),
            ship_to=AddressArgs(line1=street, city=city, postcode=postcode, country=country),
            lines=[LineArgs(sku=_DROP_SHIP[0], qty=1)],
            tracking_token=secrets.token_urlsafe(12),
            promised_at=(now + dt.timedelta(days=5)).replace(hour=18, minute=0, second=0),
        )
    )
    outcomes = await run_ops(db, intakes, actor=admin)
    order_ids = [o.result["order_id"] for o in outcomes]

    async with db.read() as tx:
        allocated = await tx.fetch(
            "SELECT o.id, a.postcode FROM sales_order o JOIN address a ON a.id = o.ship_to WHERE o.status = 'allocated' ORDER BY o.id"
        )
    supervisor = users["supervisor"].id
    (wave,) = await run_ops(db, [ReleaseWave(order_ids=[r["id"] for r in allocated[:4]], picker="pia")], actor=supervisor)
    # The second wave goes to Leeds addresses, so the two packed first make one van's round.
    leeds = [r["id"] for r in allocated[4:] if r["postcode"].startswith("LS")][:4]
    at_bench = await _picked_wave(db, leeds, supervisor, users["picker"].id)
    sealed = await _packed(db, at_bench, products, users["packer"].id)
    returning = [r["id"] for r in allocated[4:] if r["id"] not in leeds][:1]
    rma = await _returned(db, returning, products, supervisor, {role: u.id for role, u in users.items()})
    po = await _expected_delivery(db, supervisor)
    planned = await plan(db, day=today(), max_stops=25, driver="dan", actor=supervisor)
    stops = sum(len(r.stops) for r in planned.routes)
    return (
        f"{len(products)} products, {len(bins)} bins, {len(adjustments)} stock rows, {len(order_ids)} orders "
        f"from {len(channels)} channels, wave {wave.result['wave_id']} released to pia, "
        f"{len(at_bench)} orders picked at paco's pack bench ({len(sealed)} packed and sealed), "
        f"{len(planned.routes)} own-fleet route(s) with {stops} stops planned for dan, "
        f"return {rma} of a delivered order waiting to be received, "
        f"{len(_SUPPLIERS)} suppliers (order WEB-DROP-1 is a drop-ship), {po} sent to NORTHWEAR and expected at goods in"
    )


async def _expected_delivery(db: Database, supervisor: int) -> str:
    """A purchase order sent to a supplier for the hoodies orders wait for: Goods in has a delivery to receive."""
    (created,) = await run_ops(
        db,
        [
            CreatePurchaseOrder(
                supplier="NORTHWEAR", lines=[PoLineArgs(sku="HOODIE-L-BLK", qty=12), PoLineArgs(sku="SOCKS-M-BLK", qty=20)]
            )
        ],
        actor=supervisor,
    )
    po_id = created.result["po_id"]
    await run_ops(db, [ApprovePurchaseOrder(po_id=po_id), SendPurchaseOrder(po_id=po_id)], actor=supervisor)
    return po_code(po_id)


async def _picked_wave(db: Database, order_ids: list[int], supervisor: int, picker: int) -> list[int]:
    """A second wave, released and picked in full by pia through real pick ops: work for the packer."""
    await run_ops(db, [ReleaseWave(order_ids=order_ids, picker="pia")], actor=supervisor)
    async with db.read() as tx:
        tasks = await tx.fetch(
            "SELECT t.order_line, l.code AS location, p.sku, t.qty, t.lot FROM pick_task t JOIN location l ON l.id = t.location "
            f"JOIN product p ON p.id = t.product WHERE t.sales_order IN ({', '.join('?' * len(order_ids))}) ORDER BY t.seq",
            *order_ids,
        )
    picks = [
        Pick(
            order_line_id=t["order_line"], location=t["location"], sku=t["sku"], qty=t["qty"], lot=t["lot"], tote=f"TOTE-{n:04d}"
        )
        for n, t in enumerate(tasks, start=1)
    ]
    await run_ops(db, picks, actor=picker)
    async with db.read() as tx:
        return [
            r[0]
            for r in await tx.fetch(
                f"SELECT id FROM sales_order WHERE status = 'picked' AND id IN ({', '.join('?' * len(order_ids))}) ORDER BY id",
                *order_ids,
            )
        ]


async def _packed(db: Database, order_ids: list[int], products: list[ProductIn], packer: int) -> list[int]:
    """The first two picked orders packed and sealed by paco (one package each, the smallest box that holds it)."""
    weight = {p.sku: p.weight_g or 250 for p in products}
    async with db.read() as tx:
        rows = await tx.fetch(
            "SELECT o.id, l.id AS line, l.qty_picked, p.sku FROM sales_order o "
            "JOIN order_line l ON l.sales_order = o.id JOIN product p ON p.id = l.product "
            f"WHERE o.id IN ({', '.join('?' * len(order_ids))}) AND l.qty_picked > 0 ORDER BY o.id, l.line_no",
            *order_ids,
        )
    lines: dict[int, list] = defaultdict(list)
    for r in rows:
        lines[r["id"]].append(r)
    chosen = order_ids[:2]
    ops: list[Pack | Seal] = []
    for order_id in chosen:
        package = f"PKG-{order_id}-1"
        grams = 120 + sum(weight[r["sku"]] * r["qty_picked"] for r in lines[order_id])
        ops += [Pack(order_line_id=r["line"], sku=r["sku"], qty=r["qty_picked"], package=package) for r in lines[order_id]]
        box = next(code for code, *_, max_weight in _PACKAGE_TYPES[1:] if grams <= max_weight)
        ops.append(Seal(package=package, package_type=box, weight_g=grams))
    await run_ops(db, ops, actor=packer)
    return chosen


async def _returned(
    db: Database, order_ids: list[int], products: list[ProductIn], supervisor: int, people: dict[str, int]
) -> str:
    """One more order picked, packed, taken out and delivered by the own fleet, and an RMA opened for
    one unit of its first line: a parcel for paco to receive in Returns. Returns the RMA's code."""
    picked = await _picked_wave(db, order_ids, supervisor, people["picker"])
    (order_id,) = await _packed(db, picked, products, people["packer"])
    package = f"PKG-{order_id}-1"
    await run_ops(db, [Ship(package=package)], actor=people["packer"])
    async with db.read() as tx:
        customer = await tx.fetchval(
            "SELECT c.name FROM sales_order o JOIN customer c ON c.id = o.customer WHERE o.id = ?", order_id
        )
        line = await tx.fetchval("SELECT id FROM order_line WHERE sales_order = ? ORDER BY line_no LIMIT 1", order_id)
    await run_ops(db, [Deliver(package=package, recipient=customer)], actor=people["driver"])
    code = new_code()
    op = CreateRma(
        order_id=order_id,
        code=code,
        reason="not_as_described",
        note="colour differs from the photo",
        lines=[RmaLineArgs(order_line_id=line, qty=1)],
        value_cents=2500,
    )
    await run_ops(db, [op], actor=supervisor)
    return code
