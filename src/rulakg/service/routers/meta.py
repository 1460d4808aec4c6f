"""``/health`` and ``/metrics``: for operators and their monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, Response

from rulakg.service import metrics

router = APIRouter(tags=["Operations"])


@router.get("/health", summary="Is the store open and are the query workers up?")
async def health(request: Request) -> JSONResponse:
    state = request.app.state.rulakg
    alive = state.backend.alive
    ok = alive > 0
    body = {
        "status": "ok" if ok else "unavailable",
        "store": str(state.settings.store_path()),
        "store_open": ok,
        "triples": state.triples,
        "graphs": len(state.graphs),
        "backend": state.settings.backend,  # remote: "workers" are the query slots at the server (service/remote.py)
        "workers": {
            "alive": alive,
            "configured": state.settings.remote_concurrency
            if state.settings.backend == "remote"
            else state.settings.workers,
        },
        # the saved queries' enumerated parameters: listed after start-up (service/enumerations.py)
        "enumerations": request.app.state.enumerations.status(),
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def prometheus_metrics(request: Request) -> Response:
    state = request.app.state.rulakg
    metrics.workers_alive.set(state.backend.alive)
    metrics.store_triples.set(state.triples)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
