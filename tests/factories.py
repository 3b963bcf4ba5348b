"""Factories for tests: people with complete profiles and circles in every state."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.utils import timezone

from cercles.circles.demo import current_totp_code
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
from cercles.meetings.models import Meeting
from cercles.people.consent import CONSENT_SUMMARY, CONSENT_VERSION
from cercles.people.models import Consent, Departement, JobFamily, Organisation, OrganisationType, Profile, User

_sequence = itertools.count(1)
# The TOTP secret of every test coordinator (``totp_code`` gives its current code).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app shows now for ``secret``."""
    return current_totp_code(secret)


PASSWORD = "un-mot-de-passe-de-test"


def make_user(
    name: str | None = None,
    *,
    complete_profile: bool = True,
    is_staff: bool = False,
    coordinator: bool | None = None,
    observer: bool = False,
    password: str = PASSWORD,
) -> User:
    """A person with a verified address. ``is_staff`` makes a coordinator unless ``coordinator=False``
    (staff outside the Coordination group); ``observer`` puts them in the Observation group."""
    number = next(_sequence)
    name = name or f"personne{number}"
    user = User.objects.create_user(
        email=f"{name.lower()}{number}@exemple.fr",
        password=password,
        first_name=name.capitalize(),
        last_name="Test",
        is_staff=is_staff,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if is_staff and coordinator is not False:
        user.groups.add(Group.objects.get(name="Coordination"))
        # Coordination pages need a second factor (docs/people.md): the tests' coordinators have one.
        TOTP.activate(user, TEST_TOTP_SECRET)
    if observer:
        user.groups.add(Group.objects.get(name="Observation"))
    if complete_profile:
        departement = Departement.objects.get(code="35")
        organisation, _ = Organisation.objects.get_or_create(
            search_name=f"mairie test {number}",
            departement=departement,
            defaults={"name": f"Mairie test {number}", "kind": OrganisationType.COMMUNE},
        )
        Profile.objects.create(
            user=user,
            organisation=organisation,
            departement=departement,
            job_family=JobFamily.objects.order_by("code").first(),
            consent_given_at=timezone.now(),
            consent_version=CONSENT_VERSION,
        )
        Consent.objects.create(user=user, version=CONSENT_VERSION, text=str(CONSENT_SUMMARY))
    return user


def make_superuser(email: str = "root@exemple.fr", password: str = PASSWORD) -> User:
    """Technical administration, with the second factor the coordination pages require."""
    user = User.objects.create_superuser(email, password)
    TOTP.activate(user, TEST_TOTP_SECRET)
    return user


def make_circle(
    *,
    kind_slug: str = "codeveloppement",
    title: str | None = None,
    capacity: int = 6,
    starts_in_days: int = 20,
    weeks: int = 20,
    deadline_in_days: int | None = None,
    facilitators: tuple[User, ...] = (),
    approval: bool = False,
    is_open: bool = True,
    **extra: Any,
) -> Circle:
    today = timezone.localdate()
    start = today + datetime.timedelta(days=starts_in_days)
    end = start + datetime.timedelta(weeks=weeks)
    deadline = today + datetime.timedelta(days=deadline_in_days) if deadline_in_days is not None else start
    return circle_create(
        kind=CircleKind.objects.get(slug=kind_slug),
        title=title or f"Cercle {next(_sequence)}",
        description="Une présentation du cercle.",
        meeting_format=extra.pop("meeting_format", MeetingFormat.ONLINE),
        start_date=start,
        end_date=end,
        join_deadline=min(deadline, end),
        capacity=capacity,
        facilitators=facilitators,
        approval_mode=ApprovalMode.APPROVAL if approval else ApprovalMode.OPEN,
        is_open=is_open,
        **extra,
    )


def seat(circle: Circle, user: User, *, status: str = MembershipStatus.ACTIVE, minutes_ago: int = 0) -> Membership:
    """Put someone in a circle directly (for setting up a state, not for testing the join rules)."""
    now = timezone.now()
    return Membership.objects.create(
        circle=circle,
        user=user,
        role=MembershipRole.PARTICIPANT,
        status=status,
        requested_at=now - datetime.timedelta(minutes=minutes_ago),
        joined_at=now if status == MembershipStatus.ACTIVE else None,
        pact_accepted_at=now,
    )


def fill(circle: Circle, count: int) -> list[Membership]:
    return [seat(circle, make_user()) for _ in range(count)]


def make_co_facilitator(circle: Circle, user: User, *, invited_by: User) -> Membership:
    """Invite ``user`` to co-facilitate and accept on their behalf (the invitation flow, end to end)."""
    from cercles.circles.services import facilitator_invitation_accept, facilitator_invite

    invitation = facilitator_invite(circle_id=circle.pk, invited_by=invited_by, email=user.email)
    return facilitator_invitation_accept(invitation_id=invitation.pk, user=user, pact_accepted=True)


def make_meeting(circle: Circle, *, in_days: float = 2, hours: float = 2) -> Meeting:
    """A meeting of ``circle`` starting ``in_days`` from now (negative: in the past), made directly."""
    starts = timezone.now() + datetime.timedelta(days=in_days)
    return Meeting.objects.create(
        circle=circle,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        meeting_format=MeetingFormat.ONLINE,
        room_name=f"salle-test-{next(_sequence)}",
    )
