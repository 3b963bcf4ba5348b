"""The demo's open call: about 120 varied applications, so that a newcomer can run a formation at once.

Registered with ``cercles.circles.hooks.on_demo_loaded`` (the circles app never imports this one);
``load_demo`` runs it after the programme's people exist. Applicants come from some forty
organisations of every type across France, most available on two or three of the call's three slots,
a few on one only; some write "pas avec", some ask to be with a colleague (a few pairs both ask), a
few ask not to be with anyone of their own organisation. The call asks one question of its own
("Ancienneté dans la fonction"), which counts for diversity; most applicants answer it.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cercles.circles.demo import FIRST_NAMES, LAST_NAMES
from cercles.circles.hooks import DemoProgramme, on_demo_loaded
from cercles.circles.models import CircleKind
from cercles.core.checks import DEMO_EMAIL_DOMAIN
from cercles.core.text import normalize_for_search
from cercles.formation.models import Application, ApplicationAnswer, ApplicationStatus, CallQuestion, CallSlot
from cercles.formation.services import CallFields, QuestionFields, call_create
from cercles.people.consent import CONSENT_VERSION
from cercles.people.models import Departement, JobFamily, Organisation, OrganisationType, Profile, User

DEMO_APPLICANTS = 120
SENIORITY = QuestionFields(
    label="Ancienneté dans la fonction",
    choices=("Moins de 2 ans", "De 2 à 5 ans", "De 5 à 10 ans", "Plus de 10 ans"),
    required=False,
    weight=2,
)
# How often each answer is given (the rest do not answer): new managers come to such circles most.
SENIORITY_SHARES = (0.35, 0.3, 0.15, 0.12)
PLACES = [
    ("Brest", "29"),
    ("Lyon", "69"),
    ("Marseille", "13"),
    ("Toulouse", "31"),
    ("Nantes", "44"),
    ("Lille", "59"),
    ("Strasbourg", "67"),
    ("Rennes", "35"),
    ("Montpellier", "34"),
    ("Dijon", "21"),
    ("Limoges", "87"),
    ("Poitiers", "86"),
    ("Grenoble", "38"),
    ("Rouen", "76"),
    ("Clermont-Ferrand", "63"),
    ("Nancy", "54"),
    ("Tours", "37"),
    ("Amiens", "80"),
    ("Pau", "64"),
    ("Ajaccio", "2A"),
]
KINDS = [
    ("Mairie de {}", OrganisationType.COMMUNE),
    ("Métropole de {}", OrganisationType.EPCI),
    ("CCAS de {}", OrganisationType.ETABLISSEMENT_PUBLIC),
    ("Association solidaire de {}", OrganisationType.ASSOCIATION),
]


def demo_call_load(people: dict[str, User], *, applicants: int = DEMO_APPLICANTS, seed: int = 11) -> None:
    """Open the demo call and fill it with ``applicants`` applications (bulk: the demo loads in seconds)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    now = timezone.now()
    call = call_create(
        created_by=people["coordinator"],
        kind_id=CircleKind.objects.get(slug="codeveloppement").pk,
        fields=CallFields(
            title="Cercles de codéveloppement, session de printemps",
            description=(
                "Six séances de codéveloppement entre pairs, en groupes de 6 à 8 personnes venues "
                "d'organisations, de métiers et de territoires différents."
            ),
            opens_at=now - datetime.timedelta(days=14),
            closes_at=now + datetime.timedelta(days=7),
            min_size=6,
            max_size=8,
            slots_text="mardi 9h–12h\njeudi 14h–17h\nvendredi 9h–12h",
            cycle_starts_on=timezone.localdate() + datetime.timedelta(days=21),
            time_budget_seconds=10,
            questions=(SENIORITY,),
        ),
    )
    departements = {d.code: d for d in Departement.objects.filter(code__in=[code for _, code in PLACES])}
    organisations = []
    for city, code in PLACES:
        for template, kind in rng.sample(KINDS, 2):
            name = template.format(city)
            organisations.append(
                Organisation.objects.get_or_create(
                    search_name=normalize_for_search(name),
                    departement=departements[code],
                    defaults={"name": name, "kind": kind},
                )[0]
            )
    families = list(JobFamily.objects.order_by("code"))
    password = make_password(None)  # unusable: these accounts are for show
    users = User.objects.bulk_create(
        User(
            email=f"candidature{index:03d}@{DEMO_EMAIL_DOMAIN}",
            first_name=rng.choice(FIRST_NAMES),
            last_name=f"{rng.choice(LAST_NAMES)}-{index:03d}",
            password=password,
        )
        for index in range(1, applicants + 1)
    )
    users = list(User.objects.filter(email__startswith="candidature").order_by("email"))
    Profile.objects.bulk_create(
        Profile(
            user=user,
            organisation=(organisation := rng.choice(organisations)),
            departement=organisation.departement,
            job_family=rng.choice(families),
            consent_given_at=now,
            consent_version=CONSENT_VERSION,
        )
        for user in users
    )
    EmailAddress.objects.bulk_create(EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users)
    slots = list(CallSlot.objects.filter(call=call))
    rows = []
    for index, user in enumerate(users):
        avoid = ""
        if index % 17 == 3:
            avoid = f"{users[(index + 5) % len(users)].first_name} {users[(index + 5) % len(users)].last_name}"
        if index % 29 == 7:
            avoid = "Quelqu'un qui n'a pas candidaté"
        with_text = users[index + 1].email if index % 20 == 0 and index + 1 < len(users) else ""
        if index % 20 == 1:
            with_text = users[index - 1].email  # both ask: honoured
        rows.append(
            Application(
                call=call,
                user=user,
                motivation=rng.choice(
                    [
                        "Prendre du recul sur une situation d'équipe difficile.",
                        "Apprendre des pratiques d'autres collectivités.",
                        "Je prends un nouveau poste d'encadrement et voudrais des pairs.",
                        "Sortir de l'isolement de mon poste.",
                    ]
                ),
                avoid_text=avoid,
                avoid_same_organisation=index % 23 == 5,
                with_text=with_text,
                status=ApplicationStatus.APPLIED,
                submitted_at=now - datetime.timedelta(hours=applicants - index),
            )
        )
    Application.objects.bulk_create(rows)
    through = Application.slots.through
    links = []
    for application in Application.objects.filter(call=call).order_by("pk"):
        choice = rng.random()
        chosen = slots if choice < 0.35 else rng.sample(slots, 2) if choice < 0.85 else rng.sample(slots, 1)
        links += [through(application_id=application.pk, callslot_id=slot.pk) for slot in chosen]
    through.objects.bulk_create(links)
    _answer_seniority(call.questions.get(), Application.objects.filter(call=call).order_by("pk"), seed)


def _answer_seniority(question: CallQuestion, applications: Iterable[Application], seed: int) -> None:
    # A generator of its own: the rest of the demo stays as it was before the question existed.
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible demo data, not security
    answers = []
    for application in applications:
        draw = rng.random()
        for choice, share in zip(question.choices, itertools.accumulate(SENIORITY_SHARES), strict=True):
            if draw < share:
                answers.append(ApplicationAnswer(application=application, question=question, choice=choice))
                break
    ApplicationAnswer.objects.bulk_create(answers)


@on_demo_loaded
def open_demo_call(programme: DemoProgramme) -> None:
    demo_call_load(programme.accounts)
