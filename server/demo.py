"""A believable demo warehouse: products with real-looking barcodes, a pick path, stock, orders, a wave.

Everything that changes stock or orders goes through the op engine, exactly as production traffic
does, so the demo's ledger reads like a real morning.
"""

from __future__ import annotations

import random
import secrets

from biip.checksums import gs1_standard_check_digit

from server.accounts.service import create_user
from server.apply import run_ops
from server.catalog.schemas import ProductIn
from server.catalog.service import create_product
from server.db import Database
from server.inventory.schemas import LocationIn
from server.inventory.service import create_location
from sync.ops import AddressArgs, AdjustStock, CustomerArgs, IntakeOrder, LineArgs, ReleaseWave

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
_CHANNELS = [("webshop", "Own web shop", "api"), ("marketplace", "Marketplace", "webhook")]
_CUSTOMERS = [
    ("Amira Haddad", "12 Mill Lane", "Leeds", "LS1 4AB", "GB"),
    ("Jonas Weber", "Hauptstr. 5", "Köln", "50667", "DE"),
    ("Chloé Martin", "8 rue Victor Hugo", "Lyon", "69002", "FR"),
    ("Liam O'Brien", "3 Harbour View", "Cork", "T12 X2Y3", "IE"),
    ("Sofia Rossi", "Via Roma 21", "Torino", "10121", "IT"),
    ("Noah Jansen", "Kerkstraat 14", "Utrecht", "3511 LK", "NL"),
    ("Emma Clarke", "77 Station Road", "Bristol", "BS1 6QF", "GB"),
    ("Mateo García", "Calle Mayor 9", "Madrid", "28013", "ES"),
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
                        weight_g=180 if code != "HOODIE" else 520,
                    )
                )
    for sku, name in _GOODS:
        item += 1
        # Every third imported product carries a UPC-A as printed by its US maker.
        barcodes = [_upca(item)] if item % 3 == 0 else [_ean13(item)]
        products.append(ProductIn(sku=sku, name=name, barcodes=barcodes, reorder_point=5, weight_g=250))
    return products


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

    products = _products()
    for product in products:
        await create_product(db, product)
    locations = _locations()
    for location in locations:
        await create_location(db, location)
    bins = [l.code for l in locations if l.kind == "bin"]

    out_of_stock = {"HOODIE-L-BLK", "LAMP-DESK-LED"}  # these become backorders
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

    channels = ["manual", "webshop", "marketplace"]
    intakes = []
    for n in range(36):
        name, street, city, postcode, country = _CUSTOMERS[n % len(_CUSTOMERS)]
        chosen = rng.sample(products, rng.randint(1, 4))
        if n in (5, 17):
            chosen = [p for p in products if p.sku in out_of_stock][:1] + chosen[:1]
        intakes.append(
            IntakeOrder(
                channel=channels[n % 3],
                external_ref=f"{channels[n % 3][:3].upper()}-{10_000 + n}",
                customer=CustomerArgs(name=name, email=f"{name.split()[0].lower()}@example.com"),
                ship_to=AddressArgs(line1=street, city=city, postcode=postcode, country=country),
                lines=[LineArgs(sku=p.sku, qty=rng.randint(1, 3)) for p in chosen],
                payment_status="pending" if n in (9, 29) else "paid",
                tracking_token=secrets.token_urlsafe(12),
            )
        )
    outcomes = await run_ops(db, intakes, actor=admin)
    order_ids = [o.result["order_id"] for o in outcomes]

    async with db.read() as tx:
        allocated = [r[0] for r in await tx.fetch("SELECT id FROM sales_order WHERE status = 'allocated' ORDER BY id")]
    wave_orders = allocated[:4]
    (wave,) = await run_ops(db, [ReleaseWave(order_ids=wave_orders, picker="pia")], actor=users["supervisor"].id)
    return (
        f"{len(products)} products, {len(bins)} bins, {len(adjustments)} stock rows, {len(order_ids)} orders "
        f"from {len(channels)} channels, wave {wave.result['wave_id']} released to pia"
    )
