"""The purchase order as a document: printable HTML with its `PO-<id>` code as a Code 128 barcode (the
receiver scans it at the dock), and the same as an RFC 5322 e-mail (text + HTML) to the supplier."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from scanner.render import barcode_svg
from server.db import Database
from server.purchasing.schemas import PurchaseOrderOut
from server.web import assets

TEMPLATE = "purchasing/purchase_order.html"


@dataclass
class PoDocument:
    po: PurchaseOrderOut
    warehouse: str
    deliver_to: list[str]  # our warehouse, or a drop-ship's customer
    code_svg: str
    inline_css: str = ""  # the e-mail carries its style (a mail client loads no stylesheet of ours)


async def po_document(db: Database, po: PurchaseOrderOut, *, for_email: bool = False) -> PoDocument:
    async with db.read() as tx:
        warehouse = await tx.fetchval("SELECT name FROM warehouse ORDER BY id LIMIT 1") or "Our warehouse"
    deliver_to = [part.strip() for part in po.ship_to.split(",")] if po.kind == "drop_ship" and po.ship_to else [warehouse]
    return PoDocument(
        po=po,
        warehouse=warehouse,
        deliver_to=deliver_to,
        code_svg=barcode_svg("code128", po.code, height_mm=12.0),
        inline_css=(assets.pwa_dir() / "print.css").read_text() if for_email else "",
    )


def po_text(doc: PoDocument) -> str:
    """The plain-text part: everything a supplier needs, readable in any mail client."""
    po = doc.po
    width = max([len(line.sku) for line in po.lines] + [3])
    rows = [f"  {line.line_no:>3}  {line.sku:<{width}}  {line.qty_ordered:>7}  {line.name}" for line in po.lines]
    what = "DROP-SHIP: please ship straight to our customer below" if po.kind == "drop_ship" else "Stock for our warehouse"
    parts = [
        f"Purchase order {po.code}",
        what,
        "",
        f"Supplier: {po.supplier_name} ({po.supplier})",
        f"Ordered:  {po.created_at.date().isoformat()}",
        f"Expected: {po.expected_at.isoformat() if po.expected_at else 'please confirm a date'}",
        *([f"Our order: {po.order_ref}"] if po.order_ref else []),
        "",
        "Ship to:" if po.kind == "drop_ship" else "Deliver to:",
        *(f"  {part}" for part in doc.deliver_to),
        "",
        f"  {'#':>3}  {'SKU':<{width}}  {'Qty':>7}  Product",
        *rows,
        f"  Units: {po.units}",
        "",
        f"Please quote {po.code} on your delivery note"
        + (" and send us the tracking number when it ships." if po.kind == "drop_ship" else "."),
    ]
    if po.note:
        parts += ["", f"Note: {po.note}"]
    return "\n".join(parts) + "\n"


def po_email(doc: PoDocument, html: str, sender: str) -> bytes:
    """The purchase order as an e-mail to the supplier: To their address, the PO code in the subject."""
    po = doc.po
    message = EmailMessage()
    message["From"] = formataddr((doc.warehouse, sender))
    if po.supplier_email:
        message["To"] = formataddr((po.supplier_name, po.supplier_email))
    message["Subject"] = f"Purchase order {po.code}" + (f" (drop-ship, order {po.order_ref})" if po.kind == "drop_ship" else "")
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=po.code)
    message["X-Shipshape-PO"] = po.code
    message["X-Unsent"] = "1"  # mail clients (Outlook, Thunderbird) open it as a draft to send
    message.set_content(po_text(doc))
    message.add_alternative(html, subtype="html")
    return bytes(message)
