"""People: accounts (e-mail login), organisations, territories, job families, profiles, consent."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ERASED_PERSON = _("personne supprimée")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)  # None gives an unusable password: login by code only
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Roles (coordinator, observer) come from groups: see cercles.core.policy."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("coordination"), default=False, help_text=_("Membre de l'équipe du programme : accède à la coordination.")
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscription"), default=timezone.now)
    # Set by the erasure service (cercles.privacy): the row stays as a tombstone so that what must
    # outlive the person (audit log, sent messages' metadata, memberships counted in figures) refers
    # to an id that shows "personne supprimée"; every personal field is emptied.
    erased_at = models.DateTimeField(_("données effacées le"), null=True, blank=True, editable=False)
    # The last sign of life — a visit of a signed-in page, and whatever other apps record through
    # ``services.person_activity_record`` (a room, an answer from an e-mail) — at most once a day.
    # What the inactivity retention reads (docs/privacy.md), not only the last login.
    last_seen_at = models.DateTimeField(_("dernière activité"), null=True, blank=True, editable=False)
    # When the "your account will be anonymised" e-mail was queued; cleared by a later activity.
    inactivity_warned_at = models.DateTimeField(
        _("prévenu·e de son inactivité le"), null=True, blank=True, editable=False
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["last_name", "first_name", "email"]
        # The roles of the policy (cercles.core.policy), held by groups: "Coordination", "Observation".
        permissions = [
            ("coordinate_programme", _("Coordonner le programme")),
            ("observe_programme", _("Observer le programme (chiffres sans noms)")),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return str(ERASED_PERSON)
        full = f"{self.first_name} {self.last_name}".strip()
        # Never derived from the e-mail address: names can be shown where addresses must not.
        return full or str(_("Personne sans nom"))

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.first_name or self.display_name


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements", verbose_name=_("région"))

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class JobFamilyGroup(models.Model):
    code = models.SlugField(_("code"), max_length=60, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)

    class Meta:
        verbose_name = _("domaine de métiers")
        verbose_name_plural = _("domaines de métiers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobFamily(models.Model):
    """A family of the CNFPT's répertoire des métiers territoriaux."""

    code = models.SlugField(_("code"), max_length=80, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    group = models.ForeignKey(
        JobFamilyGroup, on_delete=models.PROTECT, related_name="families", verbose_name=_("domaine")
    )

    class Meta:
        verbose_name = _("famille de métiers")
        verbose_name_plural = _("familles de métiers")
        ordering = ["group__name", "name"]

    def __str__(self) -> str:
        return self.name


class OrganisationType(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("EPCI (intercommunalité)")
    DEPARTEMENT = "departement", _("Département")
    REGION = "region", _("Région")
    CNFPT = "cnfpt", _("CNFPT")
    ETAT = "etat", _("État")
    ETABLISSEMENT_PUBLIC = "etablissement_public", _("Établissement public")
    ASSOCIATION = "association", _("Association")
    ENTREPRISE = "entreprise", _("Entreprise")
    AUTRE = "autre", _("Autre")


class Organisation(models.Model):
    """An employer. People of the same employer share one record (matched on name and territory)."""

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=30, choices=OrganisationType.choices)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("département")
    )
    # Folded form of the name (cercles.core.text.normalize_for_search), kept by the services:
    # it is what makes "Mairie de Sète" and "MAIRIE DE SETE" one organisation.
    search_name = models.CharField(max_length=200, editable=False, db_index=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    # Set by a coordinator: only validated names are suggested to other people as they type (a name
    # someone typed is theirs until then — it may be a typo, or worse).
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        # Unique within a département on both databases: PostgreSQL's NULLs are distinct in a plain
        # unique index, so organisations without a département get a partial index of their own.
        constraints = [
            models.UniqueConstraint(
                fields=["search_name", "departement"],
                condition=models.Q(departement__isnull=False),
                name="organisation_unique_name_per_departement",
            ),
            models.UniqueConstraint(
                fields=["search_name"],
                condition=models.Q(departement__isnull=True),
                name="organisation_unique_name_without_departement",
            ),
        ]

    def __str__(self) -> str:
        if self.departement_id:
            return f"{self.name} ({self.departement_id})"
        return self.name


class Profile(models.Model):
    """What the programme knows of a person beyond the account: used to form diverse groups."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("personne"))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("organisation"),
    )
    job_family = models.ForeignKey(
        JobFamily,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("famille de métiers"),
    )
    job_title = models.CharField(_("intitulé du poste"), max_length=200, blank=True)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("département")
    )
    consent_given_at = models.DateTimeField(_("consentement donné le"), null=True, blank=True)
    consent_version = models.CharField(_("version du texte accepté"), max_length=20, blank=True)
    # Set when the person withdraws their consent: the account is frozen until they give it again.
    consent_withdrawn_at = models.DateTimeField(_("consentement retiré le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def consent_is_current(self) -> bool:
        from cercles.people.consent import CONSENT_VERSION

        return self.consent_given_at is not None and self.consent_version == CONSENT_VERSION

    @property
    def is_frozen(self) -> bool:
        """Consent withdrawn: the person's data is no longer used until they give it again."""
        return self.consent_given_at is None and self.consent_withdrawn_at is not None

    @property
    def is_complete(self) -> bool:
        return bool(self.organisation_id and self.job_family_id and self.departement_id and self.consent_given_at)


class Consent(models.Model):
    """One consent given by a person: the version and the very text they accepted, and when.

    A new row each time the text changes and the person accepts it again; ``withdrawn_at`` when they
    withdraw it from their profile. ``Profile.consent_*`` holds the current state for quick checks.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents", verbose_name=_("personne"))
    version = models.CharField(_("version"), max_length=20)
    text = models.TextField(_("texte accepté"))
    given_at = models.DateTimeField(_("donné le"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} · {self.given_at:%Y-%m-%d}"
