"""The application, assembled in one place: read this file as the table of contents."""

from __future__ import annotations

import asyncio
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

from server import tasks
from server.accounts.routes import AuthController, DeviceController, UserController
from server.accounts.security import BearerAuthMiddleware
from server.attachments.routes import AttachmentController
from server.attachments.storage import AttachmentStore
from server.carriers.registry import Carriers
from server.carriers.routes import ShipmentController
from server.catalog.routes import ProductController
from server.channels.hook_routes import HookController
from server.channels.imports import ImportRunner, folder_of
from server.channels.routes import ChannelController
from server.channels.stock_feed import StockFeed
from server.db import Database
from server.delivery.routes import RouteController, StopController
from server.errors import EXCEPTION_HANDLERS
from server.exceptions.routes import ExceptionController
from server.inventory.routes import LocationController, StockController
from server.kpis.routes import KpiController
from server.live.routes import FloorController
from server.live.stream import FloorFeed
from server.live.watch import FloorWatch
from server.ops import metrics
from server.ops.logs import access_log_enabled, configure_logging
from server.ops.observe import RequestObserver
from server.ops.readiness import Readiness
from server.ops.routes import OpsController
from server.orders.routes import OrderController
from server.packing.routes import PackageTypeController
from server.print.routes import PrintController
from server.process import tune_gc
from server.purchasing.routes import PurchaseOrderController, SupplierController
from server.receiving.routes import ReceiptController
from server.returns.routes import RmaController, RmaSlipController
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
    # Each worker process runs this factory: its logs go to stderr as JSON lines (or text), see server/ops/logs.py.
    configure_logging()
    db = Database(settings.database)
    carriers = Carriers.from_settings(settings.carriers)
    # The live floor: this process hears every process's commits (LISTEN, or a poll on SQLite).
    floor_watch = FloorWatch(db)
    # Channel feeds (issue #13): CSV imports run in the background; stock levels go back to channels.
    import_runner = ImportRunner(db, folder_of(settings.attachment_path))
    stock_feed = StockFeed(db)
    # Operations (issue #14.5): /api/ready reports these; the sampler keeps memory and pool gauges fresh.
    readiness = Readiness(db)
    sampler: list[asyncio.Task] = []

    async def start(app: Litestar) -> None:
        vendor.warn_if_missing()
        await db.start()
        await floor_watch.start()
        await import_runner.start()
        await stock_feed.start()
        sampler.append(asyncio.create_task(metrics.sample_forever(db.pool_sizes), name="shipshape-metrics-sampler"))
        readiness.workers_started = True
        tune_gc()  # last: what start-up allocated stays out of the collector's way

    async def stop(app: Litestar) -> None:
        readiness.workers_started = False
        await tasks.cancel(*sampler)
        metrics.process_exited()
        await stock_feed.stop()
        await import_runner.stop()
        await floor_watch.stop()
        await db.close()

    auth = DefineMiddleware(
        BearerAuthMiddleware,
        exclude=[
            r"^/$",
            r"^/static/",
            r"^/schema",
            r"^/manifest\.json$",
            r"^/api/health$",
            r"^/api/ready$",
            r"^/metrics$",
            r"^/api/hooks/",
        ],
    )
    app = Litestar(
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
            # Shop order webhooks (issue #13.1): signed by the shop, no bearer token.
            HookController,
            ReceiptController,
            RmaController,
            RmaSlipController,
            # Purchasing (issue #13, points 4 and 6): suppliers, proposals, purchase orders, drop-ships.
            SupplierController,
            PurchaseOrderController,
            # Operations (issue #14.5): readiness probe, Prometheus scrape.
            OpsController,
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
                "imports": import_runner,
                "readiness": readiness,
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
        # Logging is configured by configure_logging() above, not by Litestar's default (a second format).
        logging_config=None,
    )
    # Outermost: every request is measured (404s too) and logged, see server/ops/observe.py.
    app.asgi_handler = RequestObserver(
        app.asgi_handler, access_log=access_log_enabled(), trusted_proxies=settings.trusted_proxies
    )
    return app
