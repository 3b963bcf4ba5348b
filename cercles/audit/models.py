"""The audit log: who did what to whom and when, never what was said.

Rows are written by the services, in the transaction of the change they record (``services.audit_record``).
People and circles are referred to **by id only** (no foreign key): a row outlives an erased person,
whose id then shows "personne supprimée", and a row never holds a name, an address or a message.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    PERSON_CREATE = "person.create", _("Compte ouvert")
    PERSON_UPDATE = "person.update", _("Compte modifié")
    PERSON_ERASE = "person.erase", _("Données personnelles effacées")
    PERSON_PURGE = "person.purge", _("Compte jamais confirmé supprimé")
    PERSON_EXPORT = "person.export", _("Données personnelles téléchargées")
    ORGANISATION_UPDATE = "organisation.update", _("Organisation modifiée")
    ORGANISATION_VALIDATE = "organisation.validate", _("Organisation validée")
    ORGANISATION_MERGE = "organisation.merge", _("Organisations fusionnées")
    KIND_CREATE = "kind.create", _("Type de cercle créé")
    KIND_UPDATE = "kind.update", _("Type de cercle modifié")
    CIRCLE_UPDATE = "circle.update", _("Cercle modifié")
    CIRCLE_CANCEL = "circle.cancel", _("Cercle annulé")
    CIRCLE_ARCHIVE = "circle.archive", _("Cercle archivé")
    CIRCLE_EXPORT = "circle.export", _("Participants exportés")
    APPLICATION_DECIDE = "application.decide", _("Candidature tranchée")
    INVITATION_SEND = "invitation.send", _("Invitation à co-animer envoyée")
    INVITATION_WITHDRAW = "invitation.withdraw", _("Invitation à co-animer retirée")
    FACILITATOR_REMOVE = "facilitator.remove", _("Co-animation retirée")
    MESSAGES_RETRY = "messages.retry", _("Messages en échec relancés")
    # Meetings (facilitators, or coordinators on any circle).
    MEETINGS_PLAN = "meetings.plan", _("Rencontres du cycle planifiées")
    MEETING_ADD = "meeting.add", _("Rencontre ajoutée")
    MEETING_UPDATE = "meeting.update", _("Rencontre déplacée ou modifiée")
    MEETING_CANCEL = "meeting.cancel", _("Rencontre annulée")
    ATTENDANCE_RECORD = "attendance.record", _("Présences notées")
    POLL_CREATE = "poll.create", _("Créneaux proposés au cercle")
    POLL_PICK = "poll.pick", _("Créneau retenu")
    # Formation of circles from a call for applications (coordinators).
    CALL_CREATE = "call.create", _("Appel à candidatures ouvert")
    CALL_UPDATE = "call.update", _("Appel à candidatures modifié")
    RUN_START = "run.start", _("Constitution des groupes lancée")
    RUN_CANCEL = "run.cancel", _("Constitution des groupes arrêtée")
    RUN_EDIT = "run.edit", _("Groupes retouchés à la main")
    RUN_GROUP_LOCK = "run.lock", _("Groupe gardé pour la relance")
    RUN_GROUP_UNLOCK = "run.unlock", _("Groupe rendu à la relance")
    CALL_PUBLISH = "call.publish", _("Groupes publiés en cercles")
    PLACEMENT_MOVE = "placement.move", _("Personne changée de cercle")
    # Methods.
    KIND_METHOD_UPDATE = "kind_method.update", _("Méthode d'un type de cercle modifiée")
    CIRCLE_METHOD_ADAPT = "circle_method.adapt", _("Déroulé adapté pour un cercle")
    # Reminders and messages to a circle's members.
    REMINDER_SETTINGS = "reminders.settings", _("Rappels du cercle réglés")
    CIRCLE_MESSAGE = "circle.message", _("Message écrit aux membres du cercle")
    # Codéveloppement's client turns (facilitators).
    CLIENT_CHOOSE = "client.choose", _("Client·e de codéveloppement choisi·e")
    CLIENT_SWAP = "client.swap", _("Tours de client·e échangés")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    # Ids, never foreign keys: the row outlives an erased person (shown as "personne supprimée").
    actor_id = models.PositiveBigIntegerField(_("par (id)"), null=True, blank=True, db_index=True)
    # Not a database-level choice list: a new action (another app's) needs no migration here.
    action = models.CharField(_("action"), max_length=40, db_index=True)
    person_id = models.PositiveBigIntegerField(_("personne concernée (id)"), null=True, blank=True, db_index=True)
    circle_id = models.PositiveBigIntegerField(_("cercle (id)"), null=True, blank=True, db_index=True)
    # What else the action was about ("membership", "invitation", "organisation"…) and its id.
    object_kind = models.CharField(_("objet"), max_length=40, blank=True)
    object_id = models.PositiveBigIntegerField(_("objet (id)"), null=True, blank=True)
    # The names of the fields changed, never their values.
    changes = models.JSONField(_("champs modifiés"), default=list, blank=True)
    # How many things the action touched (meetings planned, attendances noted, recipients…), never which.
    count = models.PositiveIntegerField(_("nombre"), null=True, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des actions")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action_label} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        labels = dict(AuditAction.choices)
        return str(labels.get(self.action, self.action))
