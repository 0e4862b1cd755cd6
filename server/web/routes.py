"""The app shell (Jinja2), the web app manifest and the PWA's static files."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.response import File, Template
from litestar.static_files import create_static_files_router

from server.web import assets, precache
from server.web.vendor import GS1_AI_TABLE

PWA_DIR = assets.pwa_dir()  # pwa/ (the checkout's or the installed package's), or $SHIPSHAPE_PWA_DIR
MANIFEST = assets.manifest()


class ShellController(Controller):
    include_in_schema = False

    @get("/", exclude_from_auth=True, cache_control=None)
    async def shell(self) -> Template:
        """The one page of the app; every screen is drawn by ES modules under /static."""
        return Template("shell.html", context={})

    @get("/manifest.json", exclude_from_auth=True, media_type="application/manifest+json")
    async def manifest(self) -> File:
        return File(MANIFEST, content_disposition_type="inline", media_type="application/manifest+json")

    @get("/sw.js", exclude_from_auth=True, media_type="text/javascript")
    async def service_worker(self) -> Response[bytes]:
        """pwa/sw.js behind the precache list of this deployment; no-cache, so an update is seen at once."""
        return Response(precache.current().script, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @get("/gs1/application-identifiers.json", exclude_from_auth=True, media_type="application/json")
    async def gs1_application_identifiers(self) -> File:
        """biip's GS1 AI table: the browser's offline interpreter parses with the server's own rules."""
        return File(GS1_AI_TABLE, content_disposition_type="inline", media_type="application/json")

    @get("/api/health", exclude_from_auth=True)
    async def health(self) -> dict:
        return {"status": "ok"}


static_router = create_static_files_router(
    path="/static", directories=[PWA_DIR], opt={"exclude_from_auth": True}, include_in_schema=False
)
