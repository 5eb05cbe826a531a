"""The FastAPI application: ``create_app()`` wires settings, state, routes and errors."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError

from app.api.editing import router as editing_api_router
from app.hsds.api import router as hsds_router
from app.api.public import RateLimiter
from app.api.public import router as public_api_router
from app.api.referrals import router as referrals_api_router
from app.api.search import router as search_api_router
from app.api.reference import router as reference_api_router
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.http.errors import DATABASE_UNAVAILABLE_NL, error_body
from app.web.errors import install_error_handlers
from app.server.readiness import schema_status
from app.server.app_state import AppState, build_state
from app.web.account_pages import router as account_pages_router
from app.web.api_docs import router as api_docs_router
from app.web.embed import router as embed_router
from app.api.gaps import router as gaps_api_router
from app.web.gap_pages import router as gap_router
from app.web.head_requests import HeadAsGet
from app.web.input_guard import InputGuard
from app.web.pages import router as pages_router
from app.web.coordinator_pages import router as coordinator_pages_router
from app.web.location_pages import router as location_pages_router
from app.web.partner_pages import router as partner_pages_router
from app.web.sign_in_pages import router as sign_in_pages_router
from app.web.referral_pages import router as referral_pages_router
from app.web.search_pages import router as search_pages_router

logger = logging.getLogger(__name__)

#: paths that any website may read (CORS) : the public API and the widget script
PUBLIC_PREFIXES = ("/api/v1/public/", "/widget.js")


def content_security_policy(frame_rule: str, *, tile_url: str = "") -> str:
    """Only our own scripts; inline styles for Leaflet; images also from the tile server."""
    tiles = ""
    if tile_url.startswith("http"):
        scheme, _, rest = tile_url.partition("://")
        tiles = " " + scheme + "://" + rest.split("/", 1)[0].replace("{s}", "*")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:{tiles}; connect-src 'self'; base-uri 'self'; form-action 'self'; "
        "object-src 'none'; " + frame_rule
    )


CORS_HEADERS = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, OPTIONS"),
    (b"access-control-allow-headers", b"If-None-Match"),
    (b"access-control-expose-headers", b"ETag, Retry-After"),
    (b"access-control-max-age", b"86400"),
)
CORS_NAMES = frozenset(name for name, _ in CORS_HEADERS)


class SecurityHeaders:
    """Security headers on every response, CORS on the public API (a plain ASGI middleware:
    it only adds headers to ``http.response.start``, so responses are not re-streamed)."""

    def __init__(self, app, *, embed_policy: str, page_policy: str) -> None:
        self.app = app
        self.embed_policy = embed_policy.encode()
        self.page_policy = page_policy.encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        public = path.startswith(PUBLIC_PREFIXES)
        defaults = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]
        if path == "/embed":
            defaults.append((b"content-security-policy", self.embed_policy))
        else:
            defaults += [(b"x-frame-options", b"DENY"), (b"content-security-policy", self.page_policy)]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if public:
                    # Read-only data for any website; never with credentials.
                    headers = [h for h in headers if h[0].lower() not in CORS_NAMES] + list(CORS_HEADERS)
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in defaults if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        if public and scope["method"] == "OPTIONS":
            await Response(status_code=204)(scope, receive, send_with_headers)
            return
        started = False

        async def send_tracked(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            # An unexpected error: answer the 500 here, with the same headers, then let the
            # server's error middleware log it (it sees the response started and sends nothing).
            if not started:
                await Response("Internal Server Error", status_code=500, media_type="text/plain")(
                    scope, receive, send_tracked)
            raise


def _start_gaps(state: AppState) -> None:
    """Start the gap analysis in the background when the data changed since the last one."""
    from app.domain.gap_runs import start_gap_analysis

    try:
        start_gap_analysis(state)
    except Exception:  # noqa: BLE001 - the page starts it later; the app must come up
        logger.exception("could not start the gap analysis at start-up")


#: every router, in the order they are matched (and listed in the OpenAPI document)
ROUTERS = (
    reference_api_router, public_api_router, editing_api_router, referrals_api_router, hsds_router, embed_router,
    search_api_router, pages_router, search_pages_router, sign_in_pages_router, partner_pages_router,
    coordinator_pages_router, location_pages_router, referral_pages_router, gaps_api_router, gap_router,
    api_docs_router, account_pages_router,
)


def _add_probes(app: FastAPI) -> None:
    """``/livez`` (the process answers) and ``/healthz`` (the database is ready)."""

    @app.get("/livez", tags=["ops"], summary="Liveness: the process answers (no database check)")
    def livez():
        # A liveness probe that checked the database would restart every instance during a
        # database outage, which a restart cannot cure; readiness (/healthz) covers that.
        return {"status": "alive"}

    @app.get("/healthz", tags=["ops"], summary="Readiness: database reachable and its schema at the expected migration")
    def healthz(request: Request):
        sk: AppState = request.app.state.sk
        try:
            status = schema_status(sk.engine)
        except OperationalError:
            return JSONResponse(
                status_code=503,
                headers={"Retry-After": "5"},
                content=error_body("database_unavailable", "database unreachable", message_nl=DATABASE_UNAVAILABLE_NL),
            )
        revisions = {"current": status.current, "expected": status.expected}
        if not status.ready:
            return JSONResponse(
                status_code=503,
                headers={"Retry-After": "5"},
                content=error_body("schema_not_ready", f"database schema at {status.current or 'no migration'}, "
                                   f"expected {status.expected}; run `sk init`",
                                   message_nl=DATABASE_UNAVAILABLE_NL, detail={"migration": revisions}),
            )
        return {"status": "ok", "database": sk.engine.dialect.name, "migration": revisions}


def create_app(settings: Settings | None = None, *, state: AppState | None = None) -> FastAPI:
    """Build the app. Tests pass a prepared ``state``; production builds it at start-up."""
    settings = settings or (state.settings if state else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "sk", None) is None:
            app.state.sk = build_state(settings)
            app.state.sk.warm_up_in_background()  # the catalogue and its transit legs before the first search
        if settings.gaps_at_startup:
            _start_gaps(app.state.sk)
        yield
        if state is None:
            app.state.sk.engine.dispose()

    app = FastAPI(
        title="Sociale kaart API",
        version="0.1.0",
        description="Services for the four Flemish local partnerships, ranked by how long it takes "
        "this person to get there. Demonstration data is labelled as such.",
        lifespan=lifespan,
        docs_url=None,  # served by app.web.api_docs from vendored files (the CSP blocks CDNs)
        redoc_url=None,
    )
    app.state.sk = state
    app.state.public_rate_limiter = RateLimiter(settings.public_rate_limit)
    install_error_handlers(app)

    embed_policy = content_security_policy(f"frame-ancestors {settings.embed_frame_ancestors}", tile_url=settings.tile_url)
    page_policy = content_security_policy("frame-ancestors 'none'", tile_url=settings.tile_url)

    app.add_middleware(InputGuard)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders, embed_policy=embed_policy, page_policy=page_policy)

    _add_probes(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    return app
