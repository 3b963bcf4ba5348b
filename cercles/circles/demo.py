"""The demo programme that `make run` loads once, so that a newcomer sees a living platform.

Deterministic (fixed seed), except for the passwords. Bulk-created participants get unusable
passwords: hashing thousands of passwords would take minutes. The three demo logins get passwords
generated here, at first start (never a fixed one that a README would publish); `load_demo` prints
them and keeps them in ``data/demo-logins.txt``, readable by its owner only. Every demo account has
an address at ``@demo.cercles.fr``: the system check cercles.E003 refuses to serve them beyond localhost.
"""

from __future__ import annotations

import datetime
import os
import random
import secrets
import time
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone, translation

from cercles.circles.hooks import DemoProgramme, run_demo_loaded
from cercles.circles.models import (
    ApprovalMode,
    Circle,
    CircleKind,
    MeetingFormat,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from cercles.circles.services import circle_create
from cercles.core.checks import DEMO_EMAIL_DOMAIN
from cercles.core.text import normalize_for_search
from cercles.people.consent import CONSENT_SUMMARY, CONSENT_VERSION
from cercles.people.models import Consent, Departement, JobFamily, Organisation, OrganisationType, Profile, User

DEMO_LOGINS = [
    (f"coordination@{DEMO_EMAIL_DOMAIN}", "coordinatrice du programme (accès à la coordination)"),
    (f"animation@{DEMO_EMAIL_DOMAIN}", "animatrice de plusieurs cercles"),
    (f"membre@{DEMO_EMAIL_DOMAIN}", "participant, membre d'un cercle complet"),
]
DEMO_LOGINS_FILE = "demo-logins.txt"
# The coordinator's second factor: its TOTP secret is kept in the logins file, on a line of its own.
DEMO_TOTP_KEY = "totp-secret"

FIRST_NAMES = [
    "Camille",
    "Nadia",
    "Julien",
    "Sophie",
    "Karim",
    "Élodie",
    "Thomas",
    "Aïcha",
    "Mathieu",
    "Léa",
    "Yannick",
    "Fatou",
    "Hélène",
    "Rémi",
    "Inès",
    "Olivier",
    "Chloé",
    "Bruno",
    "Salomé",
    "Antoine",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Garnier",
    "Roux",
    "Fournier",
    "Girard",
    "Benali",
    "Lambert",
    "Fontaine",
    "Chevalier",
    "Diallo",
    "Perrin",
    "Morel",
    "Nguyen",
    "Gauthier",
    "Masson",
    "Le Goff",
]
ORGANISATIONS = [
    ("Mairie de Rennes", OrganisationType.COMMUNE, "35"),
    ("Métropole Européenne de Lille", OrganisationType.EPCI, "59"),
    ("Département de la Gironde", OrganisationType.DEPARTEMENT, "33"),
    ("Région Occitanie", OrganisationType.REGION, "31"),
    ("CNFPT — délégation Auvergne-Rhône-Alpes", OrganisationType.CNFPT, "69"),
    ("Préfecture du Bas-Rhin", OrganisationType.ETAT, "67"),
    ("Centre communal d'action sociale de Nantes", OrganisationType.ETABLISSEMENT_PUBLIC, "44"),
    ("Association Territoires en transition", OrganisationType.ASSOCIATION, "13"),
    ("Communauté de communes du Pays de Sète", OrganisationType.EPCI, "34"),
    ("Mairie de Besançon", OrganisationType.COMMUNE, "25"),
    ("Département de La Réunion", OrganisationType.DEPARTEMENT, "974"),
    ("Coopérative Tiers-Lieux", OrganisationType.ENTREPRISE, "75"),
]


def demo_is_loaded() -> bool:
    return User.objects.filter(email=DEMO_LOGINS[0][0]).exists()


def demo_logins_path() -> Path:
    return Path(settings.DATA_DIR) / DEMO_LOGINS_FILE


def demo_logins_write(passwords: dict[str, str]) -> Path:
    """Write the demo logins and their passwords to ``data/demo-logins.txt``, mode 0600; returns the path."""
    path = demo_logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{email} {passwords[email]} {role}" for email, role in DEMO_LOGINS]
    if passwords.get(DEMO_TOTP_KEY):
        lines.append(f"{DEMO_TOTP_KEY} {passwords[DEMO_TOTP_KEY]} second facteur (TOTP) de {DEMO_LOGINS[0][0]}")
    # Created 0600 from the start (no window where another account could read it); chmod in case
    # an older file with looser rights is being overwritten.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret`` (printed for the demo's newcomers)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def demo_logins_read() -> dict[str, str]:
    """The demo passwords by e-mail, from the file written at first start; empty if it is gone."""
    try:
        text = demo_logins_path().read_text(encoding="utf-8")
    except OSError:
        return {}
    passwords = {}
    for line in text.splitlines():
        email, _, rest = line.partition(" ")
        passwords[email] = rest.partition(" ")[0]
    return passwords


@transaction.atomic
def demo_load(*, participants: int = 40, seed: int = 7) -> dict[str, str]:
    """Create organisations, people (3 demo logins + ``participants``) and a dozen circles in every status.

    Returns the demo logins' generated passwords by e-mail, and the coordinator's TOTP secret under
    ``DEMO_TOTP_KEY`` (coordination pages need a second factor); the caller shows and stores them.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    departements = {d.code: d for d in Departement.objects.all()}
    families = list(JobFamily.objects.order_by("code"))
    organisations = [
        Organisation.objects.get_or_create(
            search_name=normalize_for_search(name),
            departement=departements[dep],
            defaults={"name": name, "kind": kind, "validated_at": timezone.now()},
        )[0]
        for name, kind, dep in ORGANISATIONS
    ]
    passwords = {email: secrets.token_urlsafe(12) for email, _role in DEMO_LOGINS}
    # A coordinator (staff in the Coordination group), not a superuser: the demo shows the
    # programme team's powers, never the technical administration's.
    coordinator = User.objects.create(
        email=DEMO_LOGINS[0][0],
        first_name="Claire",
        last_name="Coordination",
        is_staff=True,
        password=make_password(passwords[DEMO_LOGINS[0][0]]),
    )
    facilitator = User.objects.create(
        email=DEMO_LOGINS[1][0],
        first_name="Agnès",
        last_name="Animation",
        password=make_password(passwords[DEMO_LOGINS[1][0]]),
    )
    member = User.objects.create(
        email=DEMO_LOGINS[2][0],
        first_name="Marc",
        last_name="Membre",
        password=make_password(passwords[DEMO_LOGINS[2][0]]),
    )
    coordinator.groups.add(Group.objects.get(name="Coordination"))
    passwords[DEMO_TOTP_KEY] = generate_totp_secret()
    TOTP.activate(coordinator, passwords[DEMO_TOTP_KEY])
    people = [
        User(
            email=f"participant{index:03d}@{DEMO_EMAIL_DOMAIN}",
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            password=make_password(None),  # unusable: these accounts are for show
        )
        for index in range(1, participants + 1)
    ]
    User.objects.bulk_create(people)
    people = list(User.objects.filter(email__startswith="participant").order_by("email"))
    now = timezone.now()
    profiles = []
    for user in [coordinator, facilitator, member, *people]:
        organisation = rng.choice(organisations)
        profiles.append(
            Profile(
                user=user,
                organisation=organisation,
                departement=organisation.departement,
                job_family=rng.choice(families),
                job_title=rng.choice(
                    [
                        "Chargée de mission",
                        "Directeur de service",
                        "Agent d'accueil",
                        "Formatrice",
                        "Cheffe de projet innovation",
                        "Éducateur",
                        "Responsable RH",
                    ]
                ),
                consent_given_at=now,
                consent_version=CONSENT_VERSION,
            )
        )
    Profile.objects.bulk_create(profiles)
    with translation.override("fr"):
        consent_text = str(CONSENT_SUMMARY)
    Consent.objects.bulk_create(
        Consent(user_id=profile.user_id, version=CONSENT_VERSION, text=consent_text, given_at=now)
        for profile in profiles
    )
    # allauth requires a verified address to log in; the demo addresses are taken as verified.
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True)
        for user in [coordinator, facilitator, member, *people]
    )
    circles = _demo_circles(departements, facilitator)
    _fill(circles, people, member, rng)
    # Apps above circles extend the demo: meetings plans cycles, formation opens a call.
    accounts = {"coordinator": coordinator, "facilitator": facilitator, "member": member}
    run_demo_loaded(DemoProgramme(circles=list(circles.values()), accounts=accounts))
    return passwords


def _demo_circles(departements: dict[str, Departement], facilitator: User) -> dict[str, Circle]:
    today = timezone.localdate()
    kinds = {kind.slug: kind for kind in CircleKind.objects.all()}

    def make(key: str, kind: str, title: str, start_in: int, weeks: int, **extra: object) -> tuple[str, Circle]:
        start = today + datetime.timedelta(days=start_in)
        end = start + datetime.timedelta(weeks=weeks)
        deadline = min(start - datetime.timedelta(days=3), end)
        extra.setdefault("facilitators", (facilitator,))
        extra.setdefault("meeting_format", MeetingFormat.ONLINE)
        circle = circle_create(
            kind=kinds[kind],
            title=title,
            description=DESCRIPTIONS[key],
            start_date=start,
            end_date=end,
            join_deadline=deadline,
            **extra,  # type: ignore[arg-type]
        )
        return key, circle

    return dict(
        [
            make("care_open", "reconnexion", "Prendre soin de soi quand on prend soin des autres", 21, 24),
            make("codev_full", "codeveloppement", "Codéveloppement des managers de proximité", 14, 24, capacity=6),
            make(
                "codev_open",
                "codeveloppement",
                "Codéveloppement : piloter un projet transversal",
                30,
                24,
                meeting_format=MeetingFormat.IN_PERSON,
                place="CNFPT, 2 rue de la Paix, Lyon",
                departement=departements["69"],
            ),
            make("arpentage_open", "arpentage", "Arpentage : « Où atterrir ? » de Bruno Latour", 10, 16),
            make("arpentage_running", "arpentage", "Arpentage : lire ensemble « Le pouvoir d'agir »", -20, 16),
            make(
                "theory_u_validation",
                "theorie-u",
                "Théorie U : cliniques de cas pour les cadres",
                25,
                12,
                approval_mode=ApprovalMode.APPROVAL,
            ),
            make(
                "collab_open",
                "collaboratif",
                "Faire grandir le collaboratif dans ma collectivité",
                40,
                20,
                meeting_format=MeetingFormat.HYBRID,
                place="Hôtel de Région, Montpellier",
                departement=departements["34"],
            ),
            make("collab_finished", "collaboratif", "Collaboratif : le cycle du printemps", -200, 20),
            make("care_finished", "reconnexion", "Reconnexion : cercle de l'hiver dernier", -300, 24),
            make("care_closed", "reconnexion", "Cercle de parole des agents d'accueil", 12, 24, is_open=False),
            make("wg_running", "groupe-de-travail", "Groupe de travail : un wiki des pratiques", -10, 30),
            make(
                "codev_orphan", "codeveloppement", "Codéveloppement des secrétaires de mairie", 35, 24, facilitators=()
            ),
        ]
    )


def _fill(circles: dict[str, Circle], people: list[User], member: User, rng: random.Random) -> None:
    """Seat people directly: some demo circles are in the past, where the join rules would refuse them."""
    now = timezone.now()
    plan = {
        "codev_full": 6,
        "care_open": 5,
        "codev_open": 3,
        "arpentage_open": 7,
        "arpentage_running": 9,
        "collab_open": 2,
        "collab_finished": 8,
        "care_finished": 10,
        "wg_running": 6,
        "care_closed": 4,
    }
    rows = []
    pool = list(people)
    for key, count in plan.items():
        circle = circles[key]
        chosen = rng.sample(pool, count)
        if key == "codev_full":
            chosen = [member, *chosen[: count - 1]]
        for offset, user in enumerate(chosen):
            rows.append(
                Membership(
                    circle=circle,
                    user=user,
                    role=MembershipRole.PARTICIPANT,
                    status=MembershipStatus.ACTIVE,
                    requested_at=now - datetime.timedelta(minutes=600 - offset),
                    joined_at=now,
                    pact_accepted_at=now,
                )
            )
    full = circles["codev_full"]
    seated = {row.user_id for row in rows if row.circle_id == full.pk}
    waiting = [user for user in pool if user.pk not in seated][:3]
    for offset, user in enumerate(waiting):
        rows.append(
            Membership(
                circle=full,
                user=user,
                status=MembershipStatus.WAITING,
                requested_at=now - datetime.timedelta(minutes=60 - offset),
                pact_accepted_at=now,
            )
        )
    applicants = pool[-2:]
    for user in applicants:
        rows.append(
            Membership(
                circle=circles["theory_u_validation"],
                user=user,
                status=MembershipStatus.PENDING,
                application_message="Je découvre la Théorie U et j'aimerais la pratiquer.",
                pact_accepted_at=now,
            )
        )
    Membership.objects.bulk_create(rows)


DESCRIPTIONS = {
    "care_open": "Un cercle pour souffler, déposer ce qui pèse et repartir avec de l'énergie, entre agents de "
    "collectivités différentes.",
    "codev_full": "Managers de proximité, venez travailler vos situations réelles avec des pairs d'autres "
    "organisations, selon la méthode de Payette et Champagne.",
    "codev_open": "Pour les cheffes et chefs de projet qui pilotent sans autorité hiérarchique.",
    "arpentage_open": "Lire à plusieurs un essai exigeant et relier ce qu'il dit à nos pratiques de service public.",
    "arpentage_running": "Un arpentage en quatre rencontres pour relier la réflexion à l'action.",
    "theory_u_validation": "Cliniques de cas en petits groupes pour pratiquer l'écoute générative. Sur candidature.",
    "collab_open": "Des outils simples (trio, solutions 15 %, grille de maturité) pour faire grandir la coopération.",
    "collab_finished": "Le premier cycle de ce format, terminé au printemps.",
    "care_finished": "Un cycle de six rencontres de reconnexion, terminé.",
    "care_closed": "Un cercle de parole réservé aux agents d'accueil ; inscriptions closes.",
    "wg_running": "Un groupe de travail qui rédige les fiches du wiki des pratiques.",
    "codev_orphan": "Un cercle en attente d'animation : l'équipe du programme cherche une animatrice ou un animateur.",
}
