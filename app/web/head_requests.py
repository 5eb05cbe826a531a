"""``HEAD`` answered like ``GET`` on every GET route (FastAPI routes list only GET).

The request goes through as a GET; the response keeps its status and headers
(``content-length`` included) and loses its body, as RFC 9110 section 9.3.2 asks.
"""

from __future__ import annotations


class HeadAsGet:
    """ASGI middleware: HEAD runs the GET route and drops the body from the response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
