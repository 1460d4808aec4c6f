"""``/federation/<token>/<n>``: the proxy that the query workers' SERVICE calls go through (not public API).

See ``rulakg.wikidata.federation``: the token is the service's secret, so the proxy relays only the calls of
queries this service rewrote; each answer comes from the cache or from the n-th allowed endpoint.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from rulakg.config import Settings
from rulakg.service.errors import error_response
from rulakg.wikidata.federation import REFUSED, FederationProxy, token

router = APIRouter()


def install(app: FastAPI, settings: Settings) -> None:
    """Set the proxy's token (before the workers start: they inherit it) and mount the proxy."""
    token()
    app.state.federation = FederationProxy(settings)
    app.include_router(router)


@router.api_route("/federation/{secret}/{index}", methods=["GET", "POST"], include_in_schema=False)
async def proxy(secret: str, index: str, request: Request) -> Response:
    fed: FederationProxy = request.app.state.federation
    if not fed.check_token(secret):
        return error_response(403, "The federation proxy only relays the SERVICE calls of this service's queries.")
    if index == REFUSED:
        return error_response(403, "SERVICE SILENT to an endpoint that is not on the allow-list: not called.")
    endpoint = fed.endpoint(index)
    if endpoint is None:
        return error_response(404, "No such endpoint on the allow-list.")
    body = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/sparql-query":
        query = body.decode("utf-8")
    else:
        params = parse_qs(body.decode("utf-8")) if media == "application/x-www-form-urlencoded" else {}
        params = params or parse_qs(request.url.query)
        query = (params.get("query") or [""])[0]
    if not query:
        return error_response(400, "No query to forward.")
    answer = await fed.forward(endpoint, query, request.headers.get("accept", ""))
    headers = dict(answer.headers)
    headers["X-RuLAKG-Cache"] = "hit" if answer.cached else "miss"
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type, headers=headers)
