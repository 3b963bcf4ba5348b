from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercles.circles import selectors
from cercles.circles.models import Circle, CircleKind, CircleStatus, MeetingFormat, Membership, MembershipStatus
from cercles.circles.selectors import CatalogueFilters
from cercles.circles.services import circle_search_text
from cercles.core.page_cache import public_pages_changed
from cercles.people.models import Departement, User
from tests.factories import fill, make_circle, make_user, seat

pytestmark = pytest.mark.django_db


def status_of(circle: Circle) -> str:
    return selectors.circle_get(circle_id=circle.pk).status  # type: ignore[attr-defined,no-any-return]


class TestStatus:
    def test_an_open_circle_with_places_is_open(self) -> None:
        assert status_of(make_circle()) == CircleStatus.OPEN

    def test_a_circle_with_every_place_taken_is_full(self) -> None:
        circle = make_circle(capacity=2)
        fill(circle, 2)
        assert status_of(circle) == CircleStatus.FULL

    def test_facilitators_and_waiting_people_take_no_place(self, alice: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        seat(circle, make_user(), status=MembershipStatus.WAITING)
        view = selectors.circle_get(circle_id=circle.pk)
        assert (view.status, view.places_left, view.waiting_count) == (CircleStatus.OPEN, 1, 1)  # type: ignore[attr-defined]

    def test_a_switched_off_or_late_circle_is_closed(self) -> None:
        assert status_of(make_circle(is_open=False)) == CircleStatus.CLOSED
        assert status_of(make_circle(starts_in_days=5, deadline_in_days=-1)) == CircleStatus.CLOSED

    def test_a_started_circle_is_running_and_a_past_one_finished(self) -> None:
        assert status_of(make_circle(starts_in_days=0)) == CircleStatus.RUNNING
        assert status_of(make_circle(starts_in_days=-30, weeks=2)) == CircleStatus.FINISHED


class TestCatalogue:
    def test_search_ignores_accents_and_case(self) -> None:
        wanted = make_circle(title="Écrire à plusieurs mains")
        make_circle(title="Autre chose")
        for query in ["ecrire", "ÉCRIRE", "plusieurs  ECRIRE", "écrire à"]:
            found = list(selectors.circle_list_catalogue(filters=CatalogueFilters(query=query)))
            assert found == [wanted], query

    def test_it_filters_by_kind_status_format_region_and_need(self) -> None:
        lyon = Departement.objects.get(code="69")
        arpentage = make_circle(kind_slug="arpentage", meeting_format=MeetingFormat.IN_PERSON, departement=lyon)
        full = make_circle(capacity=1)
        fill(full, 1)
        assert list(selectors.circle_list_catalogue(filters=CatalogueFilters(kind="arpentage"))) == [arpentage]
        assert list(selectors.circle_list_catalogue(filters=CatalogueFilters(need="etayage"))) == [arpentage]
        assert list(selectors.circle_list_catalogue(filters=CatalogueFilters(status="complet"))) == [full]
        assert list(selectors.circle_list_catalogue(filters=CatalogueFilters(meeting_format="presentiel"))) == [
            arpentage
        ]
        assert list(selectors.circle_list_catalogue(filters=CatalogueFilters(region="84"))) == [arpentage]

    def test_open_circles_come_first(self) -> None:
        finished = make_circle(starts_in_days=-50, weeks=2)
        later_open = make_circle(starts_in_days=60)
        assert list(selectors.circle_list_catalogue(filters=CatalogueFilters())) == [later_open, finished]


class TestHome:
    def test_it_groups_kinds_by_need_and_counts_open_circles(self) -> None:
        make_circle(kind_slug="arpentage")
        make_circle(kind_slug="arpentage", is_open=False)
        sections = {section.need: section for section in selectors.home_need_sections()}
        assert len(sections) == 6
        assert sections["etayage"].open_count == 1
        assert sections["entraide"].open_count == 0
        assert [kind.slug for kind in sections["entraide"].kinds] == ["codeveloppement"]


class TestCircleForUser:
    def test_members_see_the_member_list(self, circle: Circle, bob: User) -> None:
        view = selectors.circle_get_for_user(circle_id=circle.pk, user=bob)
        assert view.can_see_members
        assert not view.can_manage
        assert {m.user.first_name for m in view.members} == {"Alice", "Bob"}

    def test_outsiders_and_waiting_people_see_counts_only(self, circle: Circle, charlie: User) -> None:
        waiting = make_user()
        seat(circle, waiting, status=MembershipStatus.WAITING)
        for viewer in (charlie, waiting, None):
            view = selectors.circle_get_for_user(circle_id=circle.pk, user=viewer)
            assert not view.can_see_members
            assert view.members == []

    def test_coordinators_and_facilitators_manage(self, circle: Circle, alice: User, claire: User) -> None:
        seat(circle, make_user(), status=MembershipStatus.PENDING)
        for viewer in (alice, claire):
            view = selectors.circle_get_for_user(circle_id=circle.pk, user=viewer)
            assert view.can_manage
            assert len(view.pending_applications) == 1

    def test_an_unknown_circle_is_404(self) -> None:
        from django.http import Http404

        with pytest.raises(Http404):
            selectors.circle_get_for_user(circle_id=424242, user=None)


def test_my_circles_sorts_by_relation_with_ranks(alice: User, bob: User) -> None:
    facilitated = make_circle(facilitators=(bob,))
    member_of = make_circle()
    seat(member_of, bob)
    full = make_circle(capacity=1)
    fill(full, 1)
    seat(full, make_user(), status=MembershipStatus.WAITING, minutes_ago=10)
    seat(full, bob, status=MembershipStatus.WAITING, minutes_ago=5)
    applied = make_circle(approval=True)
    seat(applied, bob, status=MembershipStatus.PENDING)
    left = make_circle()
    seat(left, bob, status=MembershipStatus.LEFT)
    mine = selectors.my_circles(user=bob)
    assert mine.facilitating == [facilitated]
    assert mine.member_of == [member_of]
    assert mine.waiting == [(full, 2)]
    assert [c for c, _m in mine.applied] == [applied]


def _bulk_circles(count: int) -> None:
    """Many circles with members, inserted in bulk: the query counts must not depend on ``count``."""
    kind = CircleKind.objects.get(slug="codeveloppement")
    today = timezone.localdate()
    facilitator = make_user("fac")
    circles = [
        Circle(
            kind=kind,
            title=f"Cercle {i}",
            description="x",
            meeting_format=MeetingFormat.ONLINE,
            start_date=today + datetime.timedelta(days=10),
            end_date=today + datetime.timedelta(days=100),
            join_deadline=today + datetime.timedelta(days=5),
            rhythm="mensuel",
            meeting_duration_minutes=90,
            capacity=6,
            search_text=f"cercle {i}",
        )
        for i in range(count)
    ]
    Circle.objects.bulk_create(circles)
    Membership.objects.bulk_create(
        Membership(circle=c, user=facilitator, role="animation", status="actif") for c in Circle.objects.all()
    )


@pytest.mark.parametrize("url_name", ["circles:home", "circles:catalogue"])
def test_list_pages_keep_a_constant_number_of_queries(
    client, url_name: str, django_capture_on_commit_callbacks
) -> None:
    from django.urls import reverse

    counts = []
    for total in (10, 1000):
        with django_capture_on_commit_callbacks(execute=True):
            Circle.objects.all().delete()
            _bulk_circles(total)
            public_pages_changed()  # written around the services, which tell the public pages' cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_circle_page_keeps_a_constant_number_of_queries(client) -> None:
    from django.urls import reverse

    counts = []
    for members in (2, 200):
        circle = make_circle(capacity=500, facilitators=(make_user(),))
        fill(circle, members)
        for _ in range(3):
            seat(circle, make_user(), status=MembershipStatus.WAITING)
        coordinator = make_user(is_staff=True)
        client.force_login(coordinator)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("circles:detail", args=[circle.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_search_text_helper_matches_the_stored_column() -> None:
    circle = make_circle(title="Théorie")
    assert circle.search_text == circle_search_text(circle)
