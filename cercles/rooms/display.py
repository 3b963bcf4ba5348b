"""What the room's pages show, derived from the snapshot (the same dict the JSON endpoint returns).

The room page and the projector are rendered on the server from the snapshot, so that they work without
JavaScript; ``room.js`` swaps the same server-rendered fragments when the version grows, and only ticks
the clock between two versions. Everything a person reads is decided here from the snapshot, which the
selector already filtered by the policy: nothing in this module reads the database.

Times are shown in Europe/Paris; durations as ``mm:ss`` (``h:mm:ss`` past an hour); an overrun in words
("Dépassement de 3 min"), never only by a colour.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

PARIS = ZoneInfo("Europe/Paris")

ROUND = "tour"
FREE = "libre"
SINGLE = "un_orateur"
SILENCE = "silence"
SUBGROUPS = "sous_groupes"


def status_label(status: str) -> str:
    return {
        "attente": _("Pas encore commencée"),
        "en_cours": _("En cours"),
        "en_pause": _("En pause"),
        "terminee": _("Terminée"),
    }.get(status, status)


def mode_label(mode: str) -> str:
    return {
        SINGLE: _("Une seule personne parle"),
        ROUND: _("Tour de parole : chacun·e à son tour, on peut passer"),
        FREE: _("Parole libre : levez la main pour demander la parole"),
        SILENCE: _("Silence : chacun·e pour soi"),
        SUBGROUPS: _("En sous-groupes"),
    }.get(mode, mode)


def clock_text(seconds: int) -> str:
    """``12:05`` or ``1:02:05``: the time left as a clock shows it."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def overrun_text(seconds: int) -> str:
    """The overrun in words (empty when there is none); whole minutes past the first one."""
    seconds = max(0, int(seconds))
    if seconds == 0:
        return ""
    if seconds < 60:
        return _("Dépassement de %(seconds)s s") % {"seconds": seconds}
    return _("Dépassement de %(minutes)s min") % {"minutes": seconds // 60}


def parse_moment(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def paris_clock(value: str | None) -> str:
    moment = parse_moment(value)
    return moment.astimezone(PARIS).strftime("%H:%M") if moment else ""


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    role_name: str
    is_facilitator: bool
    present: bool


@dataclass(frozen=True)
class RoundEntry:
    person: Person
    speaking: bool
    done: bool
    position: int
    order_if_up: str  # the round's order with this person moved up one place ("" when first)
    order_if_down: str


@dataclass(frozen=True)
class StepLine:
    index: int
    number: int
    name: str
    minutes: int
    current: bool
    done: bool


@dataclass
class RoomDisplay:
    """Everything the room's templates show; built by :func:`room_display` from one snapshot."""

    meeting_id: int
    version: int
    status: str
    status_label: str
    variant: str
    started: bool
    running: bool
    paused: bool
    ended: bool
    step_index: int
    step_number: int
    step_count: int
    step: dict[str, Any]
    mode_label: str
    is_round: bool
    is_free: bool
    time_left: int
    time_left_text: str
    overrun: int
    overrun_text: str
    deadline: str
    server_now: str
    projected_end: str
    projected_end_text: str
    starts_at_text: str
    ends_at_text: str
    # Seconds the current step and the steps after it take (the client moves the projected end with them).
    step_seconds: int
    seconds_after_step: int
    advances_by_itself: bool
    steps: list[StepLine]
    people: list[Person]
    roles: list[dict[str, str]]
    speaker: Person | None
    round: list[RoundEntry]
    order_key: str  # the round's order as ids, for the script to tell a moved round from a new person
    hands: list[Person]
    me: Person
    is_facilitator: bool
    is_first_step: bool
    is_last_step: bool
    my_hand_raised: bool
    may_raise_hand: bool
    may_pass: bool
    may_end_turn: bool
    present_count: int
    writing: dict[str, Any] = field(default_factory=dict)

    @property
    def has_slots(self) -> bool:
        return bool(self.step.get("slots"))


def _person(raw: dict[str, Any], role_names: dict[str, str]) -> Person:
    role = str(raw.get("role") or "")
    return Person(
        id=int(raw["id"]),
        name=str(raw.get("name") or ""),
        role=role,
        role_name=role_names.get(role, role),
        is_facilitator=bool(raw.get("is_facilitator")),
        present=bool(raw.get("present")),
    )


def _moved(order: list[int], position: int, delta: int) -> str:
    target = position + delta
    if not 0 <= target < len(order):
        return ""
    moved = list(order)
    moved[position], moved[target] = moved[target], moved[position]
    return ",".join(str(person) for person in moved)


def room_display(snapshot: dict[str, Any]) -> RoomDisplay:
    """The display of a room from the contract's snapshot (docs/rooms.md, "The snapshot")."""
    steps: list[dict[str, Any]] = list(snapshot.get("steps") or [])
    index = int(snapshot.get("step") or 0)
    index = min(max(index, 0), max(len(steps) - 1, 0))
    step = steps[index] if steps else {}
    status = str(snapshot.get("status") or "attente")
    role_names = {str(role["key"]): str(role["name"]) for role in snapshot.get("roles") or []}
    people = [_person(raw, role_names) for raw in snapshot.get("people") or []]
    by_id = {person.id: person for person in people}
    raw_me = dict(snapshot.get("me") or {})
    me = by_id.get(int(raw_me.get("id") or 0)) or _person({"present": False, **raw_me}, role_names)
    speaker = by_id.get(snapshot["speaker"]) if snapshot.get("speaker") is not None else None
    order = [int(person) for person in snapshot.get("order") or []]
    done = {int(person) for person in snapshot.get("done") or []}
    hands = [by_id[person] for person in snapshot.get("hands") or [] if person in by_id]
    started = status in ("en_cours", "en_pause")
    mode = str(step.get("mode") or "")
    speakers = set(step.get("speakers") or [])
    my_role_speaks = not speakers or me.role in speakers
    round_entries = [
        RoundEntry(
            person=by_id[person],
            speaking=speaker is not None and speaker.id == person,
            done=person in done,
            position=position + 1,
            order_if_up=_moved(order, position, -1),
            order_if_down=_moved(order, position, +1),
        )
        for position, person in enumerate(order)
        if person in by_id
    ]
    time_left = int(snapshot.get("time_left") or 0)
    overrun = int(snapshot.get("overrun") or 0)
    return RoomDisplay(
        meeting_id=int(snapshot.get("meeting") or 0),
        version=int(snapshot.get("version") or 0),
        status=status,
        status_label=status_label(status),
        variant=str(snapshot.get("variant") or ""),
        started=started,
        running=status == "en_cours",
        paused=status == "en_pause",
        ended=status == "terminee",
        step_index=index,
        step_number=index + 1,
        step_count=len(steps),
        step=step,
        mode_label=mode_label(mode),
        is_round=started and mode == ROUND,
        is_free=started and mode == FREE,
        time_left=time_left,
        time_left_text=clock_text(time_left),
        overrun=overrun,
        overrun_text=overrun_text(overrun),
        deadline=str(snapshot.get("deadline") or ""),
        server_now=str(snapshot.get("server_now") or ""),
        projected_end=str(snapshot.get("projected_end") or ""),
        projected_end_text=paris_clock(snapshot.get("projected_end")),
        starts_at_text=paris_clock(snapshot.get("starts_at")),
        ends_at_text=paris_clock(snapshot.get("ends_at")),
        step_seconds=60 * int(step.get("minutes") or 0),
        seconds_after_step=60 * sum(int(later.get("minutes") or 0) for later in steps[index + 1 :]),
        advances_by_itself=bool(step.get("advances_by_itself")),
        steps=[
            StepLine(
                index=position,
                number=position + 1,
                name=str(line.get("name") or line.get("key") or ""),
                minutes=int(line.get("minutes") or 0),
                current=(started or status == "terminee") and position == index,
                done=(started and position < index) or status == "terminee",
            )
            for position, line in enumerate(steps)
        ],
        people=people,
        roles=[{"key": key, "name": name} for key, name in role_names.items()],
        speaker=speaker,
        round=round_entries,
        order_key=",".join(str(person) for person in order),
        hands=hands,
        me=me,
        is_facilitator=bool(raw_me.get("is_facilitator")),
        is_first_step=index == 0,
        is_last_step=index >= len(steps) - 1,
        my_hand_raised=me.id in {person.id for person in hands},
        # Presence is an open socket (docs/rooms.md): the button appears once the page is connected.
        may_raise_hand=started
        and mode == FREE
        and me.present
        and my_role_speaks
        and (speaker is None or speaker.id != me.id),
        may_pass=started and mode == ROUND and me.id in order and me.id not in done,
        may_end_turn=started and speaker is not None and speaker.id == me.id and mode in (ROUND, FREE),
        present_count=sum(1 for person in people if person.present),
        writing=dict(snapshot.get("writing") or {}),
    )


def client_messages() -> dict[str, str]:
    """The sentences ``room.js`` says or shows, translated here (the module has no catalogue of its own)."""
    return {
        "connecting": _("connexion…"),
        "connected": _("Connecté"),
        "reconnecting": _("Reconnexion…"),
        "degraded": _("Mode dégradé : actualisation toutes les 5 s"),
        "refused": _("accès refusé"),
        "refused_long": _("Vous n'avez plus accès à cette salle, ou votre session a pris fin. Actualisez la page."),
        "step": _("Étape %(number)s : %(name)s."),
        "speaker": _("%(name)s a la parole."),
        "you_speak": _("Vous avez la parole."),
        "paused": _("La séance est en pause."),
        "resumed": _("La séance reprend."),
        "ended": _("La séance est terminée."),
        "one_minute": _("Plus qu'une minute."),
        "overrun_seconds": _("Dépassement de %(seconds)s s"),
        "overrun_minutes": _("Dépassement de %(minutes)s min"),
        "forbidden": _("Cette action ne vous est pas permise."),
        "failed": _("L'action n'a pas abouti. Actualisez la page et réessayez."),
        "offline": _("Le serveur ne répond pas : vérifiez votre connexion et réessayez."),
        "unsaved": _("Modifications en cours…"),
        "saved_at": _("Enregistré à %(time)s"),
        "not_saved": _("Pas encore enregistré : nouvel essai à la prochaine frappe."),
        "writing_deferred": _(
            "L'étape a changé. Votre texte est gardé ; quittez le champ pour voir les écrits de la nouvelle étape."
        ),
    }
