"""The demo event: seed 000's shape, for trying consult out.

Eight teams from four states, each with a challenge and a request for
feedback, paired by shared topic into four consultancy rooms, each with a
moderator. Returns a join link for every person, grouped by role.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.access import Principal
from server.service import Link, Services
from server.wire.team import TeamCreate

DEMO_TEAMS: tuple[dict[str, object], ...] = (
    {
        "name": "Riverside District",
        "organisation": "State A LEA",
        "state": "State A",
        "stage": "early implementation",
        "tags": ["mentoring", "retention"],
        "challenge": (
            "We hired six teachers as mentors and coaches for new teachers, released from "
            "classroom duties. A recent survey shows they spend only 40% of their time with new "
            "teachers, against our goal of 80%: principals pull them into administrative tasks."
        ),
        "request": (
            "Feedback on what you heard, and strategies you have tried or would suggest to get "
            "mentor time back on track."
        ),
    },
    {
        "name": "Hillcrest Schools",
        "organisation": "State B LEA",
        "state": "State B",
        "stage": "early implementation",
        "tags": ["mentoring", "new teachers"],
        "challenge": "New-teacher mentoring is uneven across our twelve schools.",
        "request": "How have others set common expectations for mentors without micromanaging?",
    },
    {
        "name": "State C Education Agency",
        "organisation": "State C SEA",
        "state": "State C",
        "stage": "restart",
        "tags": ["leader preparation", "pipeline"],
        "challenge": "Our aspiring-principal residency lost its district partners after year one.",
        "request": "Ideas for rebuilding district partnerships around leader preparation.",
    },
    {
        "name": "Lakeview Unified",
        "organisation": "State D LEA",
        "state": "State D",
        "stage": "restart",
        "tags": ["leader preparation", "turnaround"],
        "challenge": "Turnaround principals leave within two years of placement.",
        "request": "What supports kept turnaround leaders in place elsewhere?",
    },
    {
        "name": "Mesa County",
        "organisation": "State A LEA",
        "state": "State A",
        "stage": "far along",
        "tags": ["retention", "compensation"],
        "challenge": "Retention bonuses helped in year one but their effect is fading.",
        "request": "What non-monetary levers sustained retention gains for you?",
    },
    {
        "name": "State B Department of Education",
        "organisation": "State B SEA",
        "state": "State B",
        "stage": "far along",
        "tags": ["retention", "data"],
        "challenge": "We cannot see which high-need schools lose teachers mid-year.",
        "request": "How do others collect and share mid-year retention data with districts?",
    },
    {
        "name": "Pinecrest Academy Network",
        "organisation": "State C LEA",
        "state": "State C",
        "stage": "new start",
        "tags": ["new teachers", "induction"],
        "challenge": "We are launching a two-year induction program with little planning time.",
        "request": "What should we do first, and what should we not attempt in year one?",
    },
    {
        "name": "State D Office of Talent",
        "organisation": "State D SEA",
        "state": "State D",
        "stage": "new start",
        "tags": ["induction", "new teachers"],
        "challenge": "Districts see our induction framework as compliance, not support.",
        "request": "How have states framed induction so districts own it?",
    },
)

MODERATORS = ("Alex Moreno", "Bea Lindqvist", "Chidi Okafor", "Dana Whitfield")


@dataclass(frozen=True, slots=True)
class DemoLinks:
    event_id: str
    ubers: list[Link]
    moderators: list[Link]
    members: list[Link]
    observers: list[Link]

    def render(self) -> str:
        lines = ["", "Demo event ready. Open a link to join as that person:", ""]
        for title, links in (
            ("Uber moderators (every room)", self.ubers),
            ("Room moderators", self.moderators),
            ("Team members", self.members),
            ("Observers (read only)", self.observers),
        ):
            lines.append(f"  {title}:")
            lines += [f"    {link.label:<48} {link.url}" for link in links]
            lines.append("")
        return "\n".join(lines)


async def create_demo(services: Services) -> DemoLinks:
    now = services.context.clock.now()
    event, first_uber = await services.setup.create_event(
        title="T4TLA Community of Practice (demo)",
        protocol_id="t4tla-consultancy",
        scheduled_start=now + 5 * 60,
        main_room_at=now + 5 * 60 + 90 * 60,
        uber_label="Uber moderator 1",
        uber_may_mint_uber=True,  # the organiser's own link: it may make co-hosts' links
    )
    uber = Principal.admin(event.id)  # the demo is set up with the admin's rights
    added = await services.setup.add_teams(
        uber, [TeamCreate.model_validate(team) for team in DEMO_TEAMS]
    )
    rooms = (await services.setup.auto_pair(uber, by="tags", odd_team="join")).rooms
    second_uber = await services.links.create(uber, role="uber", label="Uber moderator 2")
    moderators, members, observers = [], [], []
    teams = {team.id: team for team in added}
    for index, room in enumerate(rooms):
        moderator = MODERATORS[index % len(MODERATORS)]
        link = await services.links.create(uber, role="moderator", room_id=room.id, label=moderator)
        moderators.append(Link(link.role, f"{room.label}: {moderator}", link.url, room.id))
        for team_id in room.team_ids:
            name = teams[team_id].name
            link = await services.links.create(
                uber, role="member", room_id=room.id, team_id=team_id, label=name
            )
            members.append(Link(link.role, f"{room.label}: {name}", link.url, room.id, team_id))
        link = await services.links.create(uber, role="observer", room_id=room.id, label="Observer")
        observers.append(Link(link.role, f"{room.label}: observer", link.url, room.id))
    first = Link("uber", "Uber moderator 1", first_uber.url)
    return DemoLinks(event.id, [first, second_uber], moderators, members, observers)
