"""Join links over REST: list, make, revoke and rotate (an uber link, or the admin key
with ``?event_id=``)."""

from __future__ import annotations

from fastapi import APIRouter, status

from server.api.deps import ServicesDep, StewardDep
from server.api.schemas import (
    ERROR_RESPONSES,
    LinkCreate,
    LinkInfo,
    LinkOut,
    LinkStatus,
    Revoked,
    RoleBody,
)
from server.service import Link
from server.service.links import LinkEntry

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


def link_out(link: Link) -> LinkOut:
    return LinkOut(
        id=link.id,
        role=link.role,
        label=link.label,
        url=link.url,
        room_id=link.room_id,
        team_id=link.team_id,
        may_mint_uber=link.may_mint_uber,
        replaces=link.replaces,
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def link_info(entry: LinkEntry, now: float) -> LinkInfo:
    grant = entry.grant
    status: LinkStatus = (
        "revoked" if grant.revoked else "expired" if entry.expires_at <= now else "live"
    )
    return LinkInfo(
        id=grant.link_id,
        role=grant.role,
        label=grant.label,
        room_id=grant.room_id,
        room_label=entry.room_label,
        team_id=grant.team_id,
        team_name=entry.team_name,
        may_mint_uber=grant.may_mint_uber,
        status=status,
        created_at=grant.created_at * 1000,
        last_seen_at=_ms(grant.last_seen_at),
        connected=entry.connected,
        expires_at=entry.expires_at * 1000,
        revoked_at=_ms(grant.revoked_at),
        revoked_by=grant.revoked_by or None,
        replaced_by=grant.replaced_by,
    )


@router.get("/links", tags=["links"])
async def list_links(steward: StewardDep, services: ServicesDep) -> list[LinkInfo]:
    """Every link of the event, revoked and expired ones too (never their URLs)."""
    now = services.context.clock.now()
    return [link_info(entry, now) for entry in await services.links.listing(steward)]


@router.post("/links", status_code=status.HTTP_201_CREATED, tags=["links"])
async def create_link(body: LinkCreate, steward: StewardDep, services: ServicesDep) -> LinkOut:
    """Make a role-scoped join link; the URL is shown only now. Uber links need the
    admin key or an uber link allowed to make them."""
    return link_out(await services.links.create(steward, **body.model_dump()))


@router.post("/links/revoke-role", tags=["links"])
async def revoke_role(body: RoleBody, steward: StewardDep, services: ServicesDep) -> Revoked:
    """Revoke every live link of a role (but the one making the request)."""
    result = await services.links.revoke_role(steward, role=body.role)
    return Revoked(revoked=result.revoked, kept=result.kept)


@router.post("/links/rotate-role", status_code=status.HTTP_201_CREATED, tags=["links"])
async def rotate_role(body: RoleBody, steward: StewardDep, services: ServicesDep) -> list[LinkOut]:
    """Replace every live link of a role (but the one making the request): the new URLs,
    shown only now."""
    return [link_out(link) for link in await services.links.rotate_role(steward, role=body.role)]


@router.post("/links/{link_id}/revoke", tags=["links"])
async def revoke_link(link_id: str, steward: StewardDep, services: ServicesDep) -> Revoked:
    """Revoke one link: its pages and connections stop within a second."""
    await services.links.revoke(steward, link_id=link_id)
    return Revoked(revoked=[link_id])


@router.post("/links/{link_id}/rotate", status_code=status.HTTP_201_CREATED, tags=["links"])
async def rotate_link(link_id: str, steward: StewardDep, services: ServicesDep) -> LinkOut:
    """Revoke one link and make a new one for the same person; the new URL, shown only now."""
    return link_out(await services.links.rotate(steward, link_id=link_id))
