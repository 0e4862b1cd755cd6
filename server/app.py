"""The application, assembled in one place: read this file as the table of contents."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.template.config import TemplateConfig

from server.accounts.routes import AuthController, DeviceController, UserController
from server.accounts.security import BearerAuthMiddleware
from server.attachments.routes import AttachmentController
from server.attachments.storage import AttachmentStore
from server.carriers.registry import Carriers
from server.carriers.routes import ShipmentController
from server.catalog.routes import ProductController
from server.channels.routes import ChannelController
from server.db import Database
from server.delivery.routes import RouteController, StopController
from server.errors import EXCEPTION_HANDLERS
from server.exceptions.routes import ExceptionController
from server.inventory.routes import LocationController, StockController
from server.kpis.routes import KpiController
from server.live.routes import FloorController
from server.live.stream import FloorFeed
from server.live.watch import FloorWatch
from server.orders.routes import OrderController
from server.packing.routes import PackageTypeController
from server.print.routes import PrintController
from server.scan.routes import ScanController
from server.settings import Settings, get_settings
from server.sync_api.routes import QuarantineController, SyncController
from server.tracking.routes import TrackingController
from server.validation import strict_body
from server.waves.routes import TaskController, WaveController
from server.web import vendor
from server.web.headers import add_response_headers
from server.web.routes import ShellController, static_router

TEMPLATES = Path(__file__).parent / "templates"


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    db = Database(settings.database)
    carriers = Carriers.from_settings(settings.carriers)
    # The live floor: this process hears every process's commits (LISTEN, or a poll on SQLite).
    floor_watch = FloorWatch(db)

    async def start(app: Litestar) -> None:
        vendor.warn_if_missing()
        await db.start()
        await floor_watch.start()

    async def stop(app: Litestar) -> None:
        await floor_watch.stop()
        await db.close()

    auth = DefineMiddleware(
        BearerAuthMiddleware,
        exclude=[r"^/$", r"^/static/", r"^/schema", r"^/manifest\.json$", r"^/api/health$"],
    )
    return Litestar(
        route_handlers=[
            ShellController,
            static_router,
            *vendor.vendor_routers,
            AuthController,
            UserController,
            DeviceController,
            ProductController,
            LocationController,
            StockController,
            OrderController,
            WaveController,
            TaskController,
            PackageTypeController,
            ShipmentController,
            SyncController,
            ExceptionController,
            ScanController,
            RouteController,
            StopController,
            PrintController,
            TrackingController,
            AttachmentController,
            KpiController,
            FloorController,
            # Admin setup (issue #12 E): channels, a revoked phone's ops handed over.
            ChannelController,
            QuarantineController,
        ],
        middleware=[auth],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=strict_body,
        before_send=[add_response_headers],
        # Text (the shell, ES modules, CSS, JSON) leaves gzipped when the client accepts it; event
        # streams (handlers with opt no_compression) do not: gzip would hold each event back.
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=6, exclude_opt_key="no_compression"),
        on_startup=[start],
        on_shutdown=[stop],
        state=State(
            {
                "db": db,
                "settings": settings,
                "attachments": AttachmentStore(settings.attachment_path),
                "carriers": carriers,
                "floor": FloorFeed(db),
            }
        ),
        template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(
            title="Shipshape",
            version="0.1.0",
            description="Order management for e-commerce warehouses. Authenticate with `POST /api/auth/login`, "
            "then send `Authorization: Bearer <access_token>`.",
            path="/schema",
            render_plugins=[
                JsonRenderPlugin(path="/"),
                JsonRenderPlugin(path="/openapi.json"),
                YamlRenderPlugin(path="/openapi.yaml"),
            ],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
        debug=settings.debug,
    )
