"""Calls and varied applicants for the formation's tests, the benchmark and the demo."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import random
from collections.abc import Sequence

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from cercles.circles.models import CircleKind
from cercles.formation.models import Application, ApplicationAnswer, ApplicationStatus, Call, CallSlot
from cercles.formation.services import CallFields, QuestionFields, call_create
from cercles.people.consent import CONSENT_VERSION
from cercles.people.models import Departement, JobFamily, Organisation, OrganisationType, Profile, User

_numbers = itertools.count(1)


def make_call(
    coordinator: User,
    *,
    kind_slug: str = "codeveloppement",
    min_size: int = 6,
    max_size: int = 8,
    slots: str = "mardi 9h–12h\njeudi 14h–17h",
    closes_in_days: int = 10,
    seconds: int = 2,
    **extra: object,
) -> Call:
    now = timezone.now()
    fields = CallFields(
        title=str(extra.pop("title", f"Appel {next(_numbers)}")),
        description="Des cercles de codéveloppement pour le printemps.",
        opens_at=now - datetime.timedelta(days=5),
        closes_at=now + datetime.timedelta(days=closes_in_days),
        min_size=min_size,
        max_size=max_size,
        slots_text=slots,
        cycle_starts_on=timezone.localdate() + datetime.timedelta(days=30),
        time_budget_seconds=seconds,
        **extra,  # type: ignore[arg-type]
    )
    return call_create(created_by=coordinator, kind_id=CircleKind.objects.get(slug=kind_slug).pk, fields=fields)


def call_fields(call: Call, **changes: object) -> CallFields:
    """The call's fields as its edit page sends them when nothing is typed, with ``changes``."""
    questions = tuple(
        QuestionFields(q.label, tuple(q.choices), q.required, q.weight) for q in call.questions.order_by("position")
    )
    names = [f.name for f in dataclasses.fields(CallFields) if f.name not in ("slots_text", "questions")]
    values: dict[str, object] = {name: getattr(call, name) for name in names}
    values["slots_text"] = "\n".join(slot.label for slot in call.slots.all())
    return CallFields(**{**values, "questions": questions, **changes})  # type: ignore[arg-type]


def make_applicants(
    call: Call,
    count: int,
    *,
    seed: int = 1,
    organisations: int | None = None,
    slot_sets: Sequence[Sequence[CallSlot]] | None = None,
    prefix: str = "candidat",
    answers: Sequence[Sequence[str]] | None = None,
) -> list[Application]:
    """``count`` applicants with varied organisations, types, job families and départements (bulk).

    ``answers``, cycled over the applicants, gives each one's choice for each of the call's questions
    in order ("" leaves a question unanswered).
    """
    rng = random.Random(seed)
    departements = list(Departement.objects.order_by("code")[:30])
    families = list(JobFamily.objects.order_by("code"))
    kinds = [k for k, _ in OrganisationType.choices]
    batch = next(_numbers)
    organisation_count = organisations or max(count // 2, 2)
    orgs = []
    for index in range(organisation_count):
        departement = rng.choice(departements)
        orgs.append(
            Organisation.objects.get_or_create(
                search_name=f"organisation {batch} {index}",
                departement=departement,
                defaults={"name": f"Organisation {batch}-{index}", "kind": rng.choice(kinds)},
            )[0]
        )
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            email=f"{prefix}{batch}-{index}@exemple.fr",
            first_name=f"Prénom{index}",
            last_name=f"Nom{batch}x{index}",
            password=password,
        )
        for index in range(count)
    )
    users = list(User.objects.filter(email__startswith=f"{prefix}{batch}-").order_by("pk"))
    now = timezone.now()
    Profile.objects.bulk_create(
        Profile(
            user=user,
            organisation=(organisation := rng.choice(orgs)),
            departement=organisation.departement,
            job_family=rng.choice(families),
            consent_given_at=now,
            consent_version=CONSENT_VERSION,
        )
        for user in users
    )
    EmailAddress.objects.bulk_create(EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users)
    slots = list(call.slots.all())
    sets = slot_sets or [slots, slots[:1], slots[1:] or slots]
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            user=user,
            motivation="Prendre du recul sur mes pratiques.",
            status=ApplicationStatus.APPLIED,
            submitted_at=now + datetime.timedelta(seconds=index),
        )
        for index, user in enumerate(users)
    )
    applications = list(Application.objects.filter(call=call, user__in=users).order_by("pk"))
    through = Application.slots.through
    through.objects.bulk_create(
        through(application_id=application.pk, callslot_id=slot.pk)
        for index, application in enumerate(applications)
        for slot in sets[index % len(sets)]
    )
    questions = list(call.questions.order_by("position"))
    if answers:
        ApplicationAnswer.objects.bulk_create(
            ApplicationAnswer(application=application, question=question, choice=choice)
            for index, application in enumerate(applications)
            for question, choice in zip(questions, answers[index % len(answers)], strict=False)
            if choice
        )
    return applications
