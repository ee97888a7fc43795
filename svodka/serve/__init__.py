"""`svodka serve`: the site and the JSON API (FastAPI), over one store."""
from __future__ import annotations


def serve(db: str | None = None, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    from ..store import db_location
    from .app import create_app

    app = create_app(db_location(db))
    print(f"Svodka: http://{host}:{port}", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.state.desk.close()
