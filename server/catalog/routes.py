"""HTTP routes for products."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_201_CREATED

from server.accounts.security import ADMIN, ANY_ROLE
from server.catalog import service
from server.catalog.schemas import ProductIn, ProductOut
from server.errors import responses


class ProductController(Controller):
    path = "/api/products"
    tags = ["catalog"]

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 404, 409, 422))
    async def create(self, data: ProductIn, state: State) -> ProductOut:
        """Create a product with its barcodes; GTIN/EAN/UPC codes must carry the right check digit."""
        return await service.create_product(state.db, data)

    @get("/", guards=[ANY_ROLE], responses=responses(400, 401))
    async def search(self, state: State, sku: str | None = None, barcode: str | None = None) -> list[ProductOut]:
        """Products, optionally by SKU or by any of their barcodes (GTINs match in any length)."""
        return await service.find_products(state.db, sku=sku, barcode=barcode)

    @get("/{sku:str}", guards=[ANY_ROLE], responses=responses(401, 404))
    async def get_one(self, sku: str, state: State) -> ProductOut:
        found = await service.find_products(state.db, sku=sku)
        if not found:
            raise NotFoundException(f"no product with SKU {sku!r}")
        return found[0]
