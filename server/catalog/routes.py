"""HTTP routes for products."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.accounts.security import ADMIN, ANY_ROLE
from server.catalog import service
from server.catalog.schemas import BarcodeIn, ProductIn, ProductOut, ProductUpdate
from server.errors import responses


class ProductController(Controller):
    path = "/api/products"
    tags = ["catalog"]

    @post("/", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 404, 409, 422))
    async def create(self, data: ProductIn, state: State) -> ProductOut:
        """Create a product with its barcodes; GTIN/EAN/UPC codes must carry the right check digit."""
        return await service.create_product(state.db, data)

    @get("/", guards=[ANY_ROLE], responses=responses(400, 401))
    async def search(
        self,
        state: State,
        sku: str | None = None,
        barcode: str | None = None,
        q: Annotated[str | None, Parameter(max_length=64, description="part of the SKU or name, any case")] = None,
    ) -> list[ProductOut]:
        """Products, optionally by SKU, by any of their barcodes (GTINs match in any length) or by a search text."""
        return await service.find_products(state.db, sku=sku, barcode=barcode, q=q)

    @get("/{sku:str}", guards=[ANY_ROLE], responses=responses(401, 404))
    async def get_one(self, sku: str, state: State) -> ProductOut:
        found = await service.find_products(state.db, sku=sku)
        if not found:
            raise NotFoundException(f"no product with SKU {sku!r}")
        return found[0]

    @post("/{sku:str}", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404, 422))
    async def update(self, sku: str, data: ProductUpdate, state: State) -> ProductOut:
        """Change a product's name, weight, dimensions, reorder point or `active`; fields left out stay."""
        return await service.update_product(state.db, sku, data)

    @post("/{sku:str}/barcodes", guards=[ADMIN], status_code=HTTP_201_CREATED, responses=responses(400, 401, 403, 404, 409, 422))
    async def add_barcode(self, sku: str, data: BarcodeIn, state: State) -> ProductOut:
        """Attach a barcode (e.g. just scanned): GTINs need the right check digit (422), a code on another
        product is a 409 naming `code`; attaching one the product already has changes nothing."""
        return await service.add_barcode(state.db, sku, data.code)

    @delete("/{sku:str}/barcodes/{code:str}", guards=[ADMIN], status_code=HTTP_200_OK, responses=responses(400, 401, 403, 404))
    async def remove_barcode(self, sku: str, code: str, state: State) -> ProductOut:
        """Take a barcode off a product; the product as it is now."""
        return await service.remove_barcode(state.db, sku, code)
