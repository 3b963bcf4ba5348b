"""The outbox: one row per e-mail, written in the transaction of the change that causes it.

A row is pending until a sweeper claims it (``lease_until`` in the future, ``claimed_by`` its batch),
then ends in exactly one of three states: ``sent_at`` (left the platform), ``failed_at`` (refused for
good, or expired, or out of attempts) or ``cancelled_at`` (nothing to say any more: the object it was
about is gone). Only metadata survives sending: ``payload`` is emptied in the same UPDATE as ``sent_at``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Lane(models.TextChoices):
    # Codes for logging in and password resets: swept before anything else, never behind a batch.
    URGENT = "urgent", _("prioritaire")
    BULK = "bulk", _("courant")


PENDING = Q(sent_at__isnull=True, failed_at__isnull=True, cancelled_at__isnull=True)


class Message(models.Model):
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    kind = models.CharField(_("type"), max_length=100)
    # Deleting an account deletes the metadata of the mail it received (address included).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destinataire"),
    )
    address = models.EmailField(_("adresse"), max_length=254)
    about = models.JSONField(_("à propos de"), default=dict, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    lane = models.CharField(_("file"), max_length=10, choices=Lane.choices, default=Lane.BULK)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    due_at = models.DateTimeField(_("à envoyer le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    last_error = models.CharField(_("dernière erreur"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    failed_at = models.DateTimeField(_("en échec le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The sweeper's only question: what is pending and due in this lane, oldest first.
            models.Index(fields=["lane", "due_at"], condition=PENDING, name="notifications_message_due"),
            models.Index(fields=["claimed_by"], name="notifications_message_claim"),
            models.Index(fields=["-failed_at"], condition=Q(failed_at__isnull=False), name="notifications_failed"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.address}"


class FailedMessage(Message):
    """The coordination page "Messages en échec": the same rows, those that failed."""

    class Meta:
        proxy = True
        verbose_name = _("message en échec")
        verbose_name_plural = _("messages en échec")
