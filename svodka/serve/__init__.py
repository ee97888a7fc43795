"""`svodka serve`: the site and the JSON API (FastAPI), over one store."""
from __future__ import annotations

LINK_EVERY = 5.0  # seconds between looks for new articles (the poller's, other processes', the CLI's)


def serve(db: str | None = None, host: str = "127.0.0.1", port: int = 8000, watch: bool = False,
          access_log: str | None = None) -> None:
    """With `watch`, the source poller runs in a thread beside the server: it stores new articles analysed, and
    the server links them. Every few seconds the server links what is new in the store (if it is the store's
    linker: one per store, or stories would be numbered twice) or follows the process that is."""
    import uvicorn

    from ..store import db_location
    from .app import create_app

    path = db_location(db)
    app = create_app(path, link_every=LINK_EVERY, base_url=f"http://{host}:{port}", access_log=access_log)
    poller = None
    if watch:
        from ..sources import start_background

        poller = start_background(path, link=False)
    print(f"Svodka: http://{host}:{port}", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        if poller:
            poller[1].set()
            poller[0].join(timeout=30)
        app.state.desk.close()
