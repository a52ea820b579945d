"""HTML pages: a join link opens the page for that person's role.

Rules: the token travels in the URL path of the join link only; the page
hands it to its script, which uses it for the websocket and REST calls.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/j/{token}", response_class=HTMLResponse, include_in_schema=False)
async def join_page(token: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><title>consult</title><p>token {len(token)}</p>")
