"""The live room of a meeting, what is written in it, and codéveloppement's client turns.

A room is one row per meeting. Its state (``cercles.rooms.state.RoomState``) is stored as JSON by
``cercles.rooms.codec`` and changes only through the pure reducer, in ``cercles.rooms.services``, under
a row lock with a version check. ``steps`` freezes the plan's phases (names, instructions, prompts,
artefact slots) when the room opens, so that a method edited during a meeting never changes it.

What is written (artefacts) keeps the visibility of its slot (``cercles.methods.protocol.Visibility``);
who may read it is decided by the policy (``cercles.rooms.rules``), never by a template.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.meetings.models import Meeting
from cercles.people.models import User

ARTEFACT_MAX_CHARS = 20_000


class Room(models.Model):
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="room", verbose_name=_("séance"))
    method_slug = models.CharField(_("méthode"), max_length=40)
    protocol_key = models.CharField(_("variante"), max_length=40)
    # The plan's phases as they were when the room opened: one document per step (see module doc).
    steps = models.JSONField(_("étapes"))
    # The reducer's state (cercles.rooms.codec); ``version`` mirrors the state's version for cheap reads.
    state = models.JSONField(_("état"))
    version = models.PositiveIntegerField(default=1, editable=False)
    # The version of the last change to the meeting itself, not to who is here or whose hand is up: a
    # command sent from any version since then still means what its sender meant (services).
    meeting_version = models.PositiveIntegerField(default=1, editable=False)
    # The method's roles when the room opened ([{"key", "name"}]): names shown without reading the method.
    roles = models.JSONField(_("rôles"), default=list)
    # Person ids connected at any moment of the meeting: they prefill the attendance record at the end.
    ever_present = models.JSONField(default=list, editable=False)
    # Tabs that follow the room by polling (no WebSocket: a proxy that blocks them): "person/connection"
    # -> when they last polled (Unix seconds). They are present while their mark is fresh (services).
    poll_marks = models.JSONField(default=dict, editable=False)
    # Each stretch a step ran, pauses excluded: [step index, from, to or null] (Unix seconds). The
    # summary shows from it how long each step really took beside the minutes planned.
    step_times = models.JSONField(default=list, editable=False)
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("salle")
        verbose_name_plural = _("salles")

    def __str__(self) -> str:
        return str(self.meeting)


class ArtefactVisibility(models.TextChoices):
    """The same values as ``cercles.methods.protocol.Visibility``."""

    AUTHOR = "auteur", _("l'auteur seulement")
    AUTHOR_AND_FACILITATORS = "auteur_animation", _("l'auteur et l'animation")
    CIRCLE = "cercle", _("le cercle")
    PUBLISHABLE = "publiable", _("le cercle, publiable avec accord")


class Artefact(models.Model):
    """What one person wrote in one slot of one step of a meeting (a draft saved as they type)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="artefacts", verbose_name=_("salle"))
    step = models.PositiveSmallIntegerField(_("étape"))
    phase_key = models.CharField(_("phase"), max_length=40)
    slot_key = models.CharField(_("emplacement"), max_length=40)
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="room_artefacts", verbose_name=_("auteur"))
    # The slot's visibility when it was written; an author may widen it (sharing with the circle).
    visibility = models.CharField(_("visibilité"), max_length=20, choices=ArtefactVisibility.choices)
    text = models.TextField(_("texte"), blank=True, max_length=ARTEFACT_MAX_CHARS)
    # Optimistic lock for drafts saved from several tabs: a save carries the version it was typed on.
    version = models.PositiveIntegerField(default=0, editable=False)
    shared_at = models.DateTimeField(_("partagé avec le cercle le"), null=True, blank=True)
    publication_consent_at = models.DateTimeField(_("publication acceptée le"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("écrit de séance")
        verbose_name_plural = _("écrits de séance")
        ordering = ["room", "step", "slot_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "step", "slot_key", "author"], name="artefact_one_per_author_slot")
        ]

    def __str__(self) -> str:
        return f"{self.room} · {self.step} · {self.slot_key}"


class Commitment(models.Model):
    """One commitment of a client's action plan (codéveloppement), read back at the next meeting."""

    artefact = models.ForeignKey(
        Artefact, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("plan d'action")
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("engagement"), max_length=300)
    due_on = models.DateField(_("échéance"), null=True, blank=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["artefact", "position", "id"]

    def __str__(self) -> str:
        return self.text


class ClientTurn(models.Model):
    """Who brings their situation to a codéveloppement meeting (position 2 in the two-client variant)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="client_turns", verbose_name=_("séance")
    )
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_turns", verbose_name=_("client"))
    position = models.PositiveSmallIntegerField(_("rang"), default=1)
    # Prepared ahead by the client; read by the client and the circle's facilitators only.
    subject = models.TextField(_("sujet préparé"), blank=True, max_length=4000)
    chosen_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("tour de client")
        verbose_name_plural = _("tours de client")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="clientturn_one_per_position"),
            models.UniqueConstraint(fields=["meeting", "person"], name="clientturn_once_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.position}"
