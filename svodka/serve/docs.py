"""/docs: the API reference as an HTML page of the site, made from the app's own OpenAPI schema. Nothing is
fetched from elsewhere (FastAPI's interactive docs load their script and styles from a CDN, which the CSP and a
machine without the internet both refuse)."""
from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


def schema_name(schema: dict) -> str:
    """A short type for a parameter or a body: "string", "integer ≥ 1", "list of Article", "PER | ORG | LOC"."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    if "anyOf" in schema:
        return " or ".join(dict.fromkeys(schema_name(s) for s in schema["anyOf"] if s.get("type") != "null"))
    kind = schema.get("type", "")
    if kind == "array":
        return f"list of {schema_name(schema.get('items', {}))}"
    bounds = [f"≥ {schema['minimum']}" if "minimum" in schema else "", f"≤ {schema['maximum']}" if "maximum" in schema
              else "", f"{schema['format']}" if "format" in schema else ""]
    return " ".join([kind, *filter(None, bounds)]).strip()


def operations(spec: dict) -> list[dict]:
    out = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            body = op.get("requestBody", {}).get("content", {})
            out.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "id": re.sub(r"[^a-z0-9]+", "-", f"{method}-{path}".lower()).strip("-"),
                "auth": bool(op.get("security")),
                "params": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                            "type": schema_name(p.get("schema", {})),
                            "description": p.get("description") or p.get("schema", {}).get("description", ""),
                            "default": json.dumps(p["schema"]["default"], ensure_ascii=False)
                            if "default" in p.get("schema", {}) else ""}
                           for p in op.get("parameters", [])],
                "body": [(kind, schema_name(c.get("schema", {}))) for kind, c in body.items()],
                "responses": [(code, r.get("description", ""),
                               schema_name(next(iter(r.get("content", {}).values()), {}).get("schema", {})))
                              for code, r in op.get("responses", {}).items()]})
    return out


def models(spec: dict) -> list[dict]:
    out = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        out.append({"name": name, "description": schema.get("description", ""),
                    "fields": [(field, schema_name(s), field in required, s.get("description", ""))
                               for field, s in schema.get("properties", {}).items()]})
    return out


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request):
    from . import seo, web

    spec = request.app.openapi()
    return web.page("docs.html", title="API", spec=spec, operations=operations(spec), models=models(spec),
                    meta=seo.page_meta(request, "/docs", "API Сводки",
                                       "Справочник JSON API Сводки: статьи с разбором, похожие новости, сюжеты, "
                                       "сущности, поиск, загрузка."))
