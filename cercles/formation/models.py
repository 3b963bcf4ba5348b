"""Calls for applications, applications, formation runs and the groups a published run created.

A call gathers applications for one circle kind; a run feeds them to the grouping engine
(``cercles.grouping``) in a child process and keeps what it found; publishing turns the shown run's
groups (after hand edits) into circles, and each placed applicant is offered a seat.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import Circle, CircleKind, MeetingFormat
from cercles.people.models import User

WEEKDAYS = (
    _("lundi"),
    _("mardi"),
    _("mercredi"),
    _("jeudi"),
    _("vendredi"),
    _("samedi"),
    _("dimanche"),
)


class Territory(models.TextChoices):
    DEPARTEMENT = "departement", _("le département")
    REGION = "region", _("la région")


class Call(models.Model):
    """A call for applications to form circles of one kind.

    Diversity weights say how much two people differing on an attribute count (0: ignored).
    """

    kind = models.ForeignKey(CircleKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("type de cercle"))
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("présentation"), max_length=5000, blank=True)
    opens_at = models.DateTimeField(_("candidatures à partir du"))
    closes_at = models.DateTimeField(_("candidatures jusqu'au"))
    min_size = models.PositiveSmallIntegerField(_("taille minimale d'un groupe"))
    max_size = models.PositiveSmallIntegerField(_("taille maximale d'un groupe"))
    weight_organisation = models.PositiveSmallIntegerField(_("poids : organisation"), default=3)
    weight_organisation_type = models.PositiveSmallIntegerField(_("poids : type d'organisation"), default=2)
    weight_job_family = models.PositiveSmallIntegerField(_("poids : famille de métiers"), default=2)
    weight_territory = models.PositiveSmallIntegerField(_("poids : territoire"), default=1)
    territory = models.CharField(
        _("territoire comparé"), max_length=20, choices=Territory.choices, default=Territory.DEPARTEMENT
    )
    same_organisation_allowed = models.BooleanField(
        _("des personnes de la même organisation peuvent être ensemble"), default=False
    )
    meeting_format = models.CharField(
        _("format"), max_length=20, choices=MeetingFormat.choices, default=MeetingFormat.ONLINE
    )
    cycle_starts_on = models.DateField(_("début du cycle"))
    seat_delay_days = models.PositiveSmallIntegerField(_("délai pour accepter sa place (jours)"), default=7)
    time_budget_seconds = models.PositiveSmallIntegerField(_("temps de calcul (secondes)"), default=20)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True, editable=False)
    published_run = models.ForeignKey(
        "FormationRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("appel à candidatures")
        verbose_name_plural = _("appels à candidatures")
        ordering = ["-opens_at", "title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_size__lte=models.F("max_size")), name="call_sizes_ordered"),
            models.CheckConstraint(condition=models.Q(min_size__gte=1), name="call_min_size_positive"),
            models.CheckConstraint(condition=models.Q(opens_at__lt=models.F("closes_at")), name="call_opens_first"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_at(self, moment: datetime.datetime) -> bool:
        return self.opens_at <= moment < self.closes_at

    @property
    def is_open_now(self) -> bool:
        return self.is_open_at(timezone.now())

    @property
    def is_closed_now(self) -> bool:
        return timezone.now() >= self.closes_at

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CallSlot(models.Model):
    """A candidate meeting slot of a call ("mardi 9h–12h"), in Paris time."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=[(i, d) for i, d in enumerate(WEEKDAYS)])
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))

    class Meta:
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        ordering = ["weekday", "starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "weekday", "starts_at", "ends_at"], name="callslot_unique"),
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")), name="callslot_ordered"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        def hour(value: datetime.time) -> str:
            return f"{value.hour}h" + (f"{value.minute:02d}" if value.minute else "")

        return f"{WEEKDAYS[self.weekday]} {hour(self.starts_at)}–{hour(self.ends_at)}"


class CallQuestion(models.Model):
    """A question of the call's application form, with one answer to choose; it counts for diversity.

    The coordinator writes it; each answer is one more categorical attribute for the engine, with the
    question's weight. Frozen once the call has an application (its wording, choices and whether it
    is required; the weight stays editable like the call's other weights), so every answer was given
    to the same question.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("question"), max_length=120)
    choices = models.JSONField(_("réponses proposées"), default=list)
    required = models.BooleanField(_("réponse obligatoire"), default=True)
    weight = models.PositiveSmallIntegerField(_("poids"), default=1)

    class Meta:
        verbose_name = _("question d'un appel")
        verbose_name_plural = _("questions d'un appel")
        ordering = ["call", "position"]
        constraints = [models.UniqueConstraint(fields=["call", "position"], name="callquestion_position_per_call")]

    def __str__(self) -> str:
        return self.label

    @property
    def attribute(self) -> str:
        """The name of the engine's attribute for this question (kept in a run's inputs)."""
        return f"question_{self.pk}"


class ApplicationStatus(models.TextChoices):
    APPLIED = "candidature", _("Candidature reçue")
    WITHDRAWN = "retiree", _("Candidature retirée")
    WAITING = "attente", _("Sur la liste d'attente de l'appel")
    OFFERED = "place_proposee", _("Place proposée")
    ACCEPTED = "membre", _("Membre d'un cercle")
    EXPIRED = "place_expiree", _("Place non acceptée à temps")


class Application(models.Model):
    """One person's application to a call.

    ``avoid_text`` and ``with_text`` are typed freely (names or addresses): they are matched against
    the other applicants only on the coordinators' side (``formation.matching``), and the applicant is
    never told whether a name matched anyone.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="applications")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="call_applications")
    motivation = models.TextField(_("motivation"), max_length=2000)
    slots = models.ManyToManyField(CallSlot, related_name="applications", verbose_name=_("créneaux possibles"))
    avoid_text = models.TextField(_("pas avec"), max_length=1000, blank=True)
    avoid_same_organisation = models.BooleanField(_("personne de ma collectivité"), default=False)
    with_text = models.CharField(_("avec"), max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.APPLIED)
    late = models.BooleanField(default=False, editable=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    circle = models.ForeignKey(Circle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("candidature à un appel")
        verbose_name_plural = _("candidatures à un appel")
        ordering = ["submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="application_one_per_person")]
        indexes = [models.Index(fields=["call", "status"]), models.Index(fields=["status", "offer_expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.call}"

    @property
    def is_active(self) -> bool:
        return self.status == ApplicationStatus.APPLIED

    @property
    def is_offered(self) -> bool:
        return self.status == ApplicationStatus.OFFERED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == ApplicationStatus.WITHDRAWN

    @property
    def is_waiting(self) -> bool:
        return self.status == ApplicationStatus.WAITING


class ApplicationAnswer(models.Model):
    """An applicant's answer to one of the call's questions: one of its choices, as written then."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(CallQuestion, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(_("réponse"), max_length=80)

    class Meta:
        verbose_name = _("réponse à une question d'un appel")
        verbose_name_plural = _("réponses aux questions d'un appel")
        ordering = ["application", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "question"], name="applicationanswer_one_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question} : {self.choice}"


class RunStatus(models.TextChoices):
    QUEUED = "en_file", _("En attente de démarrage")
    RUNNING = "en_cours", _("En cours")
    DONE = "termine", _("Terminé")
    CANCELLED = "annule", _("Annulé")
    FAILED = "echec", _("Impossible")


class FormationRun(models.Model):
    """One run of the engine on a call: its inputs (kept whole, so it can be replayed), progress, result.

    A run holds the call while its lease is alive; the worker renews it while the engine works, so a
    killed worker frees the call when the lease runs out. ``groups`` is what the engine found;
    ``edited_groups`` what the coordinator made of it by hand (the grouping shown and published).
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="runs")
    number = models.PositiveIntegerField()
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rerun_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    # The engine's inputs, whole: a replay reads them instead of today's applications.
    problem = models.JSONField(default=dict)
    inputs_digest = models.CharField(max_length=64, blank=True)
    seed = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=20.0)
    max_iterations = models.BigIntegerField(null=True, blank=True)
    progress_iterations = models.BigIntegerField(default=0)
    progress_best = models.FloatField(null=True, blank=True)
    progress_elapsed = models.FloatField(default=0.0)
    iterations = models.BigIntegerField(null=True, blank=True)
    objective = models.FloatField(null=True, blank=True)
    upper_bound = models.FloatField(null=True, blank=True)
    random_objective = models.FloatField(null=True, blank=True)
    stop_reason = models.CharField(max_length=20, blank=True)
    engine_seconds = models.FloatField(null=True, blank=True)
    groups = models.JSONField(default=list)
    shared_slots = models.JSONField(default=list)
    unplaced = models.JSONField(default=list)
    notices = models.JSONField(default=list)
    error = models.TextField(blank=True)
    edited_groups = models.JSONField(default=list)
    locked_groups = models.JSONField(default=list)
    edits_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("calcul de groupes")
        verbose_name_plural = _("calculs de groupes")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="run_number_per_call")]

    def __str__(self) -> str:
        return f"{self.call} · calcul n° {self.number}"

    @property
    def is_live(self) -> bool:
        """Queued or running with a lease still alive: it holds the call."""
        return (
            self.status in (RunStatus.QUEUED, RunStatus.RUNNING)
            and self.lease_until is not None
            and self.lease_until > timezone.now()
        )

    @property
    def is_interrupted(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING) and not self.is_live

    @property
    def is_cancelled(self) -> bool:
        return self.status == RunStatus.CANCELLED

    @property
    def is_done(self) -> bool:
        return self.status == RunStatus.DONE

    @property
    def has_result(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.CANCELLED) and bool(self.groups)


class FormedGroup(models.Model):
    """A circle a published run created, with the shared slot that is its weekday and time."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="formed_groups")
    circle = models.OneToOneField(Circle, on_delete=models.CASCADE, related_name="formed_group")
    index = models.PositiveSmallIntegerField()
    slot = models.ForeignKey(CallSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    first_meeting_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("groupe formé")
        verbose_name_plural = _("groupes formés")
        ordering = ["call", "index"]
        constraints = [models.UniqueConstraint(fields=["call", "index"], name="formedgroup_index_per_call")]

    def __str__(self) -> str:
        return str(self.circle)
