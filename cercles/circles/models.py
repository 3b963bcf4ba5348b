"""Circle kinds, circles (cohorts) and memberships (members, facilitators, waiting list, applications).

A circle's status (ouvert, complet, en cours, terminé, inscriptions closes) is never stored: it is
derived from its dates, capacity and open switch by ``selectors.with_status`` (one SQL expression
that both the filters and the pages use).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.people.models import Departement, User


class Need(models.TextChoices):
    """What a person comes for; the home page groups the programme by these."""

    CARE = "prendre_soin", _("Prendre soin de soi et des autres")
    MUTUAL_HELP = "entraide", _("Entraide et prise de recul")
    SUPPORT = "etayage", _("Étayage : relier réflexion et action")
    THEORY_U = "theorie_u", _("Pratiquer les outils de la Théorie U")
    COLLABORATION = "collaboratif", _("Faire grandir le collaboratif dans mon organisation")
    WORKING_GROUP = "groupe_de_travail", _("Travailler ensemble sur un sujet")


class Rhythm(models.TextChoices):
    WEEKLY = "hebdomadaire", _("chaque semaine")
    FORTNIGHTLY = "bimensuel", _("toutes les deux semaines")
    MONTHLY = "mensuel", _("chaque mois")
    FREE = "libre", _("rythme libre")


class MeetingFormat(models.TextChoices):
    ONLINE = "en_ligne", _("En ligne")
    IN_PERSON = "presentiel", _("En présentiel")
    HYBRID = "hybride", _("Hybride")


class ApprovalMode(models.TextChoices):
    OPEN = "libre", _("Inscription directe")
    APPROVAL = "validation", _("Sur validation de l'animation")


class CircleStatus(models.TextChoices):
    OPEN = "ouvert", _("Ouvert")
    FULL = "complet", _("Complet")
    CLOSED = "ferme", _("Inscriptions closes")
    RUNNING = "en_cours", _("En cours")
    FINISHED = "termine", _("Terminé")


class CircleKind(models.Model):
    """A format the programme offers (codéveloppement, arpentage…) with the defaults a circle starts from."""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    need = models.CharField(_("besoin"), max_length=30, choices=Need.choices)
    purpose = models.TextField(_("à quoi sert ce cercle"))
    method_summary = models.TextField(_("la méthode en quelques mots"))
    min_size = models.PositiveSmallIntegerField(_("taille minimale du groupe"))
    max_size = models.PositiveSmallIntegerField(_("taille maximale du groupe"))
    default_meeting_count = models.PositiveSmallIntegerField(
        _("nombre de rencontres par cycle"), null=True, blank=True, help_text=_("Vide : libre.")
    )
    default_rhythm = models.CharField(_("rythme"), max_length=20, choices=Rhythm.choices)
    default_duration_minutes = models.PositiveSmallIntegerField(_("durée d'une rencontre (minutes)"))
    default_pact = models.TextField(_("pacte de confidentialité"))
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    class Meta:
        verbose_name = _("type de cercle")
        verbose_name_plural = _("types de cercle")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_size__lte=models.F("max_size")), name="circlekind_sizes_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Circle(models.Model):
    kind = models.ForeignKey(CircleKind, on_delete=models.PROTECT, related_name="circles", verbose_name=_("type"))
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("présentation"), max_length=5000)
    meeting_format = models.CharField(_("format"), max_length=20, choices=MeetingFormat.choices)
    place = models.CharField(
        _("lieu"), max_length=200, blank=True, help_text=_("Adresse des rencontres en présentiel.")
    )
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("département")
    )
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(_("date de fin"))
    join_deadline = models.DateField(_("date limite d'inscription"))
    meeting_count = models.PositiveSmallIntegerField(_("nombre de rencontres"), null=True, blank=True)
    rhythm = models.CharField(_("rythme"), max_length=20, choices=Rhythm.choices)
    meeting_duration_minutes = models.PositiveSmallIntegerField(_("durée d'une rencontre (minutes)"))
    capacity = models.PositiveSmallIntegerField(_("nombre de places"))
    is_open = models.BooleanField(_("inscriptions ouvertes"), default=True)
    approval_mode = models.CharField(
        _("mode d'inscription"), max_length=20, choices=ApprovalMode.choices, default=ApprovalMode.OPEN
    )
    pact = models.TextField(
        _("pacte de confidentialité"), blank=True, help_text=_("Vide : le pacte du type de cercle.")
    )
    # Folded title and description (cercles.core.text.normalize_for_search), kept by the services.
    search_text = models.TextField(editable=False, default="")
    # Optimistic lock: a form carries the version it was opened at; saving an older one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("cercle")
        verbose_name_plural = _("cercles")
        ordering = ["start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__lte=models.F("end_date")), name="circle_starts_before_it_ends"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="circle_has_a_place"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_pact(self) -> str:
        return self.pact or self.kind.default_pact


class MembershipRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant·e")
    FACILITATOR = "animation", _("Animateur·rice")


class MembershipStatus(models.TextChoices):
    ACTIVE = "actif", _("Membre")
    WAITING = "attente", _("En liste d'attente")
    PENDING = "candidature", _("Candidature en attente de validation")
    REFUSED = "refuse", _("Candidature non retenue")
    LEFT = "parti", _("A quitté le cercle")


class Membership(models.Model):
    """One person's place in one circle; one row per pair, reused when they come back."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("cercle"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("personne"))
    role = models.CharField(
        _("rôle"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.PARTICIPANT
    )
    status = models.CharField(_("statut"), max_length=20, choices=MembershipStatus.choices)
    # Waiting-list order: first come, first served; reset when someone leaves and asks again.
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    joined_at = models.DateTimeField(_("entré le"), null=True, blank=True)
    left_at = models.DateTimeField(_("parti le"), null=True, blank=True)
    pact_accepted_at = models.DateTimeField(_("pacte accepté le"), null=True, blank=True)
    application_message = models.TextField(_("message de candidature"), blank=True, max_length=2000)
    decision_message = models.TextField(_("message de l'animation"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["circle", "user"], name="membership_one_per_person")]
        indexes = [models.Index(fields=["circle", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.circle}"


class FacilitatorInvitation(models.Model):
    """An invitation to co-facilitate a circle, sent to an e-mail address.

    Nobody is shown as a facilitator until the invited person accepts (reading and accepting the
    pact themselves). The link carries a signed token (cercles.circles.invitations); the nonce lets a
    new sending of the same invitation make older links useless.
    """

    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="facilitator_invitations", verbose_name=_("cercle")
    )
    email = models.EmailField(_("adresse invitée"))
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invitation envoyée par")
    )
    nonce = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("acceptée par")
    )
    declined_at = models.DateTimeField(_("déclinée le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation à co-animer")
        verbose_name_plural = _("invitations à co-animer")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["circle", "email"])]

    def __str__(self) -> str:
        return f"{self.email} · {self.circle}"

    @property
    def is_answered(self) -> bool:
        return bool(self.accepted_at or self.declined_at or self.withdrawn_at)
