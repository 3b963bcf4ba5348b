"""The coordination (Django admin): coordinators only, in French."""

from __future__ import annotations

import pytest

from conftest import client_for
from tests.factories import make_circle, make_superuser

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/coordination/",
    "/coordination/circles/circle/",
    "/coordination/circles/circlekind/",
    "/coordination/circles/membership/",
    "/coordination/people/user/",
    "/coordination/people/organisation/",
    "/coordination/notifications/failedmessage/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
def test_participants_and_facilitators_are_kept_out(request, persona: str, url: str) -> None:
    response = client_for(request.getfixturevalue(persona)).get(url)
    assert response.status_code == 302
    assert "/coordination/login/" in response["Location"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, url: str) -> None:
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_coordinators_manage_the_programme_in_french(claire, url: str) -> None:
    make_circle(title="Cercle de la coordination")
    response = client_for(claire).get(url)
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()


def test_the_circle_list_shows_derived_statuses(claire) -> None:
    make_circle(title="Cercle visible")
    html = client_for(claire).get("/coordination/circles/circle/").content.decode()
    assert "Cercle visible" in html
    assert "Ouvert" in html


def test_a_coordinator_raising_capacity_in_the_admin_promotes_the_waiting_list(claire, alice) -> None:
    from cercles.circles.models import Membership, MembershipStatus
    from tests.factories import fill, make_user, seat

    circle = make_circle(capacity=1, facilitators=(alice,))
    fill(circle, 1)
    waiting = seat(circle, make_user(), status=MembershipStatus.WAITING)
    client = client_for(claire)
    page = client.get(f"/coordination/circles/circle/{circle.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"capacity": "2", "is_open": "on"})
    for key in ("start_date", "end_date", "join_deadline"):
        data[key] = getattr(circle, key).isoformat()
    inline = page.context["inline_admin_formsets"][0].formset
    data.update({f"{inline.prefix}-TOTAL_FORMS": "0", f"{inline.prefix}-INITIAL_FORMS": "0"})
    response = client.post(f"/coordination/circles/circle/{circle.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.get(pk=waiting.pk).status == MembershipStatus.ACTIVE


def test_the_admin_refuses_to_overwrite_a_newer_edit(claire, alice) -> None:
    from cercles.circles import services
    from cercles.circles.models import Circle

    circle = make_circle(facilitators=(alice,), title="Titre d'origine")
    client = client_for(claire)
    page = client.get(f"/coordination/circles/circle/{circle.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for key in ("start_date", "end_date", "join_deadline"):
        data[key] = getattr(circle, key).isoformat()
    inline = page.context["inline_admin_formsets"][0].formset
    data.update({f"{inline.prefix}-TOTAL_FORMS": "0", f"{inline.prefix}-INITIAL_FORMS": "0", "title": "Titre admin"})
    # Meanwhile the facilitator saves the circle.
    fields = {name: getattr(circle, name) for name in services.CircleChanges.__dataclass_fields__}
    services.circle_update(
        circle_id=circle.pk,
        editor=alice,
        version=circle.version,
        changes=services.CircleChanges(**(fields | {"title": "Titre de l'animatrice"})),
    )
    response = client.post(f"/coordination/circles/circle/{circle.pk}/change/", data)
    assert response.status_code == 200
    assert "Quelqu" in response.content.decode()
    assert Circle.objects.get(pk=circle.pk).title == "Titre de l'animatrice"
    current = Circle.objects.get(pk=circle.pk).version
    assert f'name="opened_version" value="{current}"' in response.content.decode()


class TestRightsStayWithSuperusers:
    def test_a_coordinator_cannot_grant_rights(self, claire, bob) -> None:
        client = client_for(claire)
        page = client.get(f"/coordination/people/user/{claire.pk}/change/")
        assert page.status_code == 200
        assert 'name="is_superuser"' not in page.content.decode()
        assert 'name="is_staff"' not in page.content.decode()
        form = page.context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update({"is_superuser": "on", "is_staff": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00"})
        inline = page.context["inline_admin_formsets"][0].formset
        data.update({f"{inline.prefix}-TOTAL_FORMS": "0", f"{inline.prefix}-INITIAL_FORMS": "0"})
        response = client.post(f"/coordination/people/user/{claire.pk}/change/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        claire.refresh_from_db()
        assert not claire.is_superuser

    def test_a_coordinator_cannot_set_someone_elses_password(self, claire, bob) -> None:
        response = client_for(claire).get(f"/coordination/people/user/{bob.pk}/password/")
        assert response.status_code == 403

    def test_a_coordinator_cannot_edit_a_superuser(self, claire) -> None:
        root = make_superuser()
        response = client_for(claire).post(f"/coordination/people/user/{root.pk}/change/", {"email": "x@y.fr"})
        assert response.status_code == 403
        root.refresh_from_db()
        assert root.email == "root@exemple.fr"

    def test_a_superuser_still_manages_rights(self, bob) -> None:
        root = make_superuser()
        page = client_for(root).get(f"/coordination/people/user/{bob.pk}/change/")
        assert 'name="is_superuser"' in page.content.decode()


def test_memberships_are_read_only_in_the_coordination(claire, alice) -> None:
    from cercles.circles.models import Membership

    circle = make_circle(facilitators=(alice,))
    membership = Membership.objects.get(circle=circle)
    client = client_for(claire)
    assert client.get(f"/coordination/circles/membership/{membership.pk}/change/").status_code == 200
    response = client.post(f"/coordination/circles/membership/{membership.pk}/change/", {"status": "parti"})
    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).status == "actif"


def test_only_technical_administration_sees_and_changes_the_role_groups(claire) -> None:
    from django.contrib.auth.models import Group

    coordination = Group.objects.get(name="Coordination")
    coordinator = client_for(claire)
    assert coordinator.get("/coordination/auth/group/").status_code == 403
    assert coordinator.get(f"/coordination/auth/group/{coordination.pk}/change/").status_code == 403
    assert "/coordination/auth/group/" not in coordinator.get("/coordination/").content.decode()

    root = make_superuser()
    technical = client_for(root)
    listing = technical.get("/coordination/auth/group/")
    assert listing.status_code == 200
    assert "Coordination" in listing.content.decode()


def test_the_role_groups_cannot_be_deleted_even_by_a_superuser() -> None:
    from django.contrib.auth.models import Group

    root = client_for(make_superuser())
    for name in ("Coordination", "Observation"):
        group = Group.objects.get(name=name)
        assert root.get(f"/coordination/auth/group/{group.pk}/delete/").status_code == 403
        root.post(
            "/coordination/auth/group/",
            {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
        )
        assert Group.objects.filter(name=name).exists()
    spare = Group.objects.create(name="Groupe de travail")
    assert root.get(f"/coordination/auth/group/{spare.pk}/delete/").status_code == 200
