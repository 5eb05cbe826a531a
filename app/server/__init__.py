"""Start-up and wiring: the ASGI app, the `sk` command, what a running app holds, readiness."""
