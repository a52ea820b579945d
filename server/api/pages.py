"""HTML pages: a join link opens the page for that person's role.

Rules:
- ``/j/{token}`` is the live page for whoever holds the link: the room view
  for members and observers, the room view with controls for a moderator,
  the dashboard for an uber moderator. The token travels in the link's path
  only; the page hands it to its script for the websocket and REST calls.
- ``/j/{token}/setup`` is the uber moderators' setup page, ``/j/{token}/links``
  their list of issued links (revoke, rotate), ``/j/{token}/report`` the
  event's report (server-rendered, its timeline an inline SVG); ``/new``
  creates an event with the admin key.
- A link that is not valid gets a page that says so (404), not a stack trace.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from server.access import Principal
from server.api.deps import client_address
from server.api.throttle import Throttle, TooManyRequests
from server.assets import web_client_dir
from server.errors import Unauthorized
from server.service import Services
from server.wire import report_formats

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(web_client_dir() / "templates"))

VIEW_FOR_ACCESS = {
    "uber": "dashboard",
    "moderator": "moderator",
    "member": "room",
    "observer": "room",
}


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _invalid(request: Request, message: str, status: int = 404) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "invalid.html", {"message": message}, status_code=status
    )


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", {})


@router.get("/new", response_class=HTMLResponse)
async def new_event(request: Request) -> HTMLResponse:
    context = _services(request).context
    protocols = list(context.protocols)
    config = {
        # The server's clock (a rehearsal's runs fast): the form proposes times in it.
        "server_time": context.clock.now() * 1000,
        "clock_rate": context.clock.rate,
        "phases": {
            protocol.id: [
                f"{phase.duration_seconds // 60}m"
                if phase.duration_seconds % 60 == 0
                else f"{phase.duration_seconds}s"
                for phase in protocol.phases
            ]
            for protocol in protocols
        },
    }
    return templates.TemplateResponse(
        request, "new_event.html", {"protocols": protocols, "config": config}
    )


async def _principal(request: Request, token: str) -> Principal | HTMLResponse:
    """The link's holder, or the page to show instead (not valid, or too many tries)."""
    throttle: Throttle = request.app.state.throttle
    address = client_address(request)
    try:
        throttle.guard(address)
        principal = await _services(request).principals.authenticate(token)
    except TooManyRequests as error:
        page = _invalid(request, error.message, status=429)
        page.headers["Retry-After"] = str(error.retry_after_seconds)
        return page
    except Unauthorized as error:
        throttle.failed(address)
        # A revoked or expired link is gone for good; one that never existed is not found.
        return _invalid(request, error.message, status=404 if error.code == "auth.invalid" else 410)
    _services(request).sightings.used(principal.link_id)
    return principal


@router.get("/j/{token}", response_class=HTMLResponse)
async def live_page(request: Request, token: str) -> HTMLResponse:
    principal = await _principal(request, token)
    if isinstance(principal, HTMLResponse):
        return principal
    return templates.TemplateResponse(
        request,
        "live.html",
        {"token": token, "view": VIEW_FOR_ACCESS[principal.access], "label": principal.label},
    )


@router.get("/j/{token}/setup", response_class=HTMLResponse)
async def setup_page(request: Request, token: str) -> HTMLResponse:
    principal = await _principal(request, token)
    if isinstance(principal, HTMLResponse):
        return principal
    if not principal.is_uber:
        return _invalid(request, "Only uber moderators can set an event up.", status=403)
    return templates.TemplateResponse(request, "setup.html", {"token": token})


@router.get("/j/{token}/links", response_class=HTMLResponse)
async def links_page(request: Request, token: str) -> HTMLResponse:
    principal = await _principal(request, token)
    if isinstance(principal, HTMLResponse):
        return principal
    if not principal.is_uber:
        return _invalid(request, "Only uber moderators can manage the event's links.", status=403)
    return templates.TemplateResponse(
        request, "links.html", {"token": token, "link_id": principal.link_id}
    )


@router.get("/j/{token}/report", response_class=HTMLResponse)
async def report_page(request: Request, token: str) -> HTMLResponse:
    principal = await _principal(request, token)
    if isinstance(principal, HTMLResponse):
        return principal
    if not principal.is_uber:
        return _invalid(request, "Only uber moderators read the event's report.", status=403)
    services = _services(request)
    report = await services.reports.report(principal)
    charts = {}
    for form in report["forms"]:
        made, result = await services.forms.results(principal, form_id=form["id"])
        charts[form["id"]] = Markup(report_formats.forms_chart(made, result))
    return templates.TemplateResponse(
        request,
        "report.html",
        {
            "token": token,
            "report": report,
            # Built from the report by the server, every text in it escaped.
            "chart": Markup(report_formats.svg(report)),
            "form_charts": charts,
            "clock": report_formats.clock,
            "minutes": report_formats.minutes,
        },
    )
