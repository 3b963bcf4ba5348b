"""The coordination pages of circles, through the real admin views as a coordinator."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import tablib
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercles.circles.exceptions import CANCEL_REASON_REQUIRED, DEADLINE_AFTER_END, CircleEditConflict
from cercles.circles.models import Circle, CircleKind, Membership, MembershipStatus
from cercles.people.models import Departement, User
from conftest import client_for
from tests.admin_pages import admin_form_data, filtered
from tests.factories import fill, make_circle, make_superuser, make_user, seat

pytestmark = pytest.mark.django_db

LIST = "/coordination/circles/circle/"


def change_url(circle: Circle) -> str:
    return f"{LIST}{circle.pk}/change/"


@pytest.fixture
def steve(db: None) -> User:
    """Staff, but outside the Coordination group."""
    return make_user("steve", is_staff=True, coordinator=False)


class TestSavingGoesThroughTheServices:
    def test_an_edit_refreshes_the_search_text_and_the_version(self, claire: User, alice: User) -> None:
        circle = make_circle(facilitators=(alice,), title="Ancien titre")
        client = client_for(claire)
        response = client.post(change_url(circle), admin_form_data(client, change_url(circle), title="Écoute active"))
        assert response.status_code == 302
        saved = Circle.objects.get(pk=circle.pk)
        assert "ecoute active" in saved.search_text
        assert saved.version == circle.version + 1

    def test_a_raised_capacity_promotes_and_emails_like_the_circle_page(
        self, claire: User, alice: User, django_capture_on_commit_callbacks
    ) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        fill(circle, 1)
        waiting = seat(circle, make_user("wendy"), status=MembershipStatus.WAITING)
        client = client_for(claire)
        data = admin_form_data(client, change_url(circle), capacity="2")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(change_url(circle), data)
        assert response.status_code == 302
        assert Membership.objects.get(pk=waiting.pk).status == MembershipStatus.ACTIVE
        assert waiting.user.email in [message.to[0] for message in mail.outbox]

    def test_a_deadline_after_the_end_is_refused_in_french_keeping_what_was_typed(self, claire: User) -> None:
        circle = make_circle(title="Dates à vérifier")
        client = client_for(claire)
        deadline = (circle.end_date + datetime.timedelta(days=3)).isoformat()
        data = admin_form_data(client, change_url(circle), join_deadline=deadline, title="Titre tapé")
        response = client.post(change_url(circle), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert str(DEADLINE_AFTER_END).replace("'", "&#x27;") in html
        assert 'value="Titre tapé"' in html
        assert Circle.objects.get(pk=circle.pk).title == "Dates à vérifier"

    def test_the_version_is_checked_by_the_service_under_the_lock_not_by_the_form(
        self, claire: User, alice: User, rf
    ) -> None:
        from django.contrib import admin

        circle = make_circle(facilitators=(alice,), title="Titre d'origine")
        client = client_for(claire)
        data = admin_form_data(client, change_url(circle), title="Titre de la coordination")
        # The facilitator saves after the coordinator's form was validated, before it is saved.
        model_admin = admin.site._registry[Circle]
        request = rf.post(change_url(circle), data)
        request.user = claire
        form = model_admin.get_form(request, circle, change=True)(data, instance=Circle.objects.get(pk=circle.pk))
        assert form.is_valid(), form.errors
        Circle.objects.filter(pk=circle.pk).update(version=circle.version + 1, title="Titre de l'animatrice")
        with pytest.raises(CircleEditConflict):
            model_admin.save_model(request, form.instance, form, change=True)
        assert Circle.objects.get(pk=circle.pk).title == "Titre de l'animatrice"

    def test_a_coordinator_adds_a_circle_through_the_service(self, claire: User) -> None:
        client = client_for(claire)
        kind = CircleKind.objects.get(slug="arpentage")
        response = client.post(
            f"{LIST}add/",
            {
                "title": "Arpentage des communs",
                "kind": kind.pk,
                "description": "Lire ensemble.",
                "meeting_format": "en_ligne",
                "start_date": "2030-01-10",
                "end_date": "2030-06-10",
                "join_deadline": "2030-01-05",
                "rhythm": "mensuel",
                "meeting_duration_minutes": "120",
                "capacity": "8",
                "is_open": "on",
                "approval_mode": "libre",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        circle = Circle.objects.get(title="Arpentage des communs")
        assert "arpentage des communs" in circle.search_text
        assert circle.meeting_count == kind.default_meeting_count

    def test_renaming_a_kind_refreshes_its_circles_search_text(self, claire: User) -> None:
        circle = make_circle(kind_slug="arpentage", title="Lecture")
        kind = CircleKind.objects.get(slug="arpentage")
        client = client_for(claire)
        url = f"/coordination/circles/circlekind/{kind.pk}/change/"
        response = client.post(url, admin_form_data(client, url, name="Lecture partagée"))
        assert response.status_code == 302
        assert "lecture partagee" in Circle.objects.get(pk=circle.pk).search_text


class TestNobodyDeletes:
    def test_no_delete_button_nor_action(self, claire: User) -> None:
        circle = make_circle()
        client = client_for(claire)
        assert "deletelink" not in client.get(change_url(circle)).content.decode()
        assert 'value="delete_selected"' not in client.get(LIST).content.decode()

    def test_the_delete_page_is_refused_even_to_a_superuser(self, claire: User) -> None:
        circle = make_circle()
        root = make_superuser()
        for user in (claire, root):
            assert client_for(user).post(f"{LIST}{circle.pk}/delete/", {"post": "yes"}).status_code == 403
        assert Circle.objects.filter(pk=circle.pk).exists()

    def test_memberships_cannot_be_deleted_either(self, claire: User, circle: Circle) -> None:
        membership = Membership.objects.filter(circle=circle).first()
        assert membership is not None
        url = f"/coordination/circles/membership/{membership.pk}/delete/"
        assert client_for(claire).post(url, {"post": "yes"}).status_code == 403


class TestCancelAndArchive:
    def test_the_change_page_offers_to_cancel_archive_and_export(self, claire: User, circle: Circle) -> None:
        html = client_for(claire).get(change_url(circle)).content.decode()
        for path in ("annuler/", "archiver/", "participants.csv", "participants.ods"):
            assert f"{LIST}{circle.pk}/{path}" in html

    def test_cancelling_asks_for_a_reason_first(self, claire: User, circle: Circle) -> None:
        client = client_for(claire)
        page = client.get(f"{LIST}{circle.pk}/annuler/")
        assert page.status_code == 200
        assert 'for="id_reason"' in page.content.decode()
        response = client.post(f"{LIST}{circle.pk}/annuler/", {"reason": ""})
        assert response.status_code == 200
        assert Circle.objects.get(pk=circle.pk).cancelled_at is None
        assert str(CANCEL_REASON_REQUIRED) in response.content.decode().replace("&#x27;", "'")

    def test_a_coordinator_cancels_and_everyone_is_told(
        self, claire: User, circle: Circle, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(claire).post(f"{LIST}{circle.pk}/annuler/", {"reason": "Faute d'animation."})
        assert response.status_code == 302
        assert Circle.objects.get(pk=circle.pk).cancelled_at is not None
        assert len(mail.outbox) == 2  # Alice and Bob
        html = client_for(claire).get(change_url(circle)).content.decode()
        assert "Annulé" in html
        assert f"{LIST}{circle.pk}/annuler/" not in html

    def test_the_public_page_says_cancelled(self, claire: User, circle: Circle, client: Client) -> None:
        client_for(claire).post(f"{LIST}{circle.pk}/annuler/", {"reason": "Faute d'animation."})
        assert "Annulé" in client.get(reverse("circles:detail", args=[circle.pk])).content.decode()

    def test_archiving_the_selected_circles(self, claire: User) -> None:
        circles = [make_circle() for _ in range(3)]
        response = client_for(claire).post(
            LIST, {"action": "archive_selected", "_selected_action": [c.pk for c in circles[:2]]}
        )
        assert response.status_code == 302
        archived = Circle.objects.filter(archived_at__isnull=False).values_list("pk", flat=True)
        assert sorted(archived) == sorted(c.pk for c in circles[:2])

    def test_a_facilitator_cannot_reach_the_cancel_page(self, alice: User, circle: Circle) -> None:
        response = client_for(alice).post(f"{LIST}{circle.pk}/annuler/", {"reason": "Non."})
        assert response.status_code == 302
        assert "/coordination/login/" in response["Location"]
        assert Circle.objects.get(pk=circle.pk).cancelled_at is None


class TestStaffOutsideTheCoordinationGroup:
    @pytest.mark.parametrize(
        "url",
        [
            LIST,
            "/coordination/people/user/",
            "/coordination/circles/circlekind/",
            "/coordination/django_tasks_database/dbtaskresult/",
        ],
    )
    def test_they_see_nothing(self, steve: User, url: str) -> None:
        response = client_for(steve).get(url)
        assert response.status_code == 302
        assert "/coordination/login/" in response["Location"]

    def test_they_change_nothing(self, steve: User, circle: Circle) -> None:
        client_for(steve).post(change_url(circle), {"title": "Pris"})
        client_for(steve).post(f"{LIST}{circle.pk}/annuler/", {"reason": "Pris."})
        saved = Circle.objects.get(pk=circle.pk)
        assert (saved.title, saved.cancelled_at) == (circle.title, None)

    def test_they_export_nothing(self, steve: User, circle: Circle) -> None:
        response = client_for(steve).get(f"{LIST}{circle.pk}/participants.csv")
        assert response.status_code == 302
        assert b"@exemple.fr" not in response.content


@pytest.fixture
def accented_circle(alice: User) -> Circle:
    circle = make_circle(facilitators=(alice,), title="Écoute et entraide", capacity=1)
    person = make_user("hélène")
    person.last_name = "Ñúñez-Lefèvre"
    person.save(update_fields=["last_name"])
    seat(circle, person)
    formula = make_user("eve")
    formula.first_name, formula.last_name = "=HYPERLINK(1)", ""
    formula.save(update_fields=["first_name", "last_name"])
    seat(circle, formula, status=MembershipStatus.WAITING)
    return circle


class TestExport:
    def test_the_csv_opens_in_a_french_spreadsheet(self, claire: User, accented_circle: Circle) -> None:
        response = client_for(claire).get(f"{LIST}{accented_circle.pk}/participants.csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith('attachment; filename="participants-ecoute-et-entraide-')
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == [
            "Cercle",
            "Nom",
            "Adresse e-mail",
            "Organisation",
            "Type d'organisation",
            "Famille de métiers",
            "Département",
            "Rôle",
            "Statut",
            "Date d'entrée",
        ]
        by_name = {row[1]: row for row in rows[1:]}
        helene = by_name["Hélène Ñúñez-Lefèvre"]
        assert helene[0] == "Écoute et entraide"
        assert helene[4] == "Commune"
        assert helene[6] == "Ille-et-Vilaine (35)"
        assert (helene[7], helene[8]) == ("Participant·e", "Membre")
        assert helene[9]  # the date joined
        # A name that a spreadsheet would run as a formula is written as text.
        assert by_name["'=HYPERLINK(1)"][8] == "En liste d'attente"
        assert not any(cell.startswith("=") for row in rows for cell in row)
        assert len(rows) == 4  # Alice, Hélène, Eve

    def test_the_ods_reads_back_with_accents(self, claire: User, accented_circle: Circle) -> None:
        response = client_for(claire).get(f"{LIST}{accented_circle.pk}/participants.ods")
        assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
        sheet = tablib.Dataset().load(response.content, format="ods")
        assert sheet.headers[:3] == ["Cercle", "Nom", "Adresse e-mail"]
        names = sheet.get_col(1)
        assert "Hélène Ñúñez-Lefèvre" in names
        assert len(sheet) == 3

    def test_the_action_exports_a_filtered_list(self, claire: User, accented_circle: Circle, circle: Circle) -> None:
        response = client_for(claire).post(
            LIST, {"action": "export_csv", "_selected_action": [accented_circle.pk, circle.pk]}
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert {row[0] for row in rows[1:]} == {"Écoute et entraide", circle.title}
        ods = client_for(claire).post(LIST, {"action": "export_ods", "_selected_action": [circle.pk]})
        assert len(tablib.Dataset().load(ods.content, format="ods")) == 2  # Alice and Bob

    def test_an_unknown_format_is_not_found(self, claire: User, circle: Circle) -> None:
        assert client_for(claire).get(f"{LIST}{circle.pk}/participants.xls").status_code == 404

    def test_the_export_reads_the_same_number_of_queries_for_more_people(self, claire: User) -> None:
        from cercles.circles.selectors import participant_list_for_export

        counts = []
        for size in (2, 20):
            circles = [make_circle(capacity=size) for _ in range(2)]
            for one in circles:
                fill(one, size)
            coordinator = User.objects.get(pk=claire.pk)  # fresh: its permissions are read each time
            with CaptureQueriesContext(connection) as queries:
                rows = participant_list_for_export(user=coordinator, circle_ids=[c.pk for c in circles])
                for membership in rows:
                    str(membership.user.profile.departement)
            counts.append(len(queries))
        assert counts[0] == counts[1]


class TestFilters:
    def test_by_derived_status_and_missing_facilitation(self, claire: User, alice: User) -> None:
        running = make_circle(title="Avec animation", facilitators=(alice,))
        orphan = make_circle(title="Sans animation")
        cancelled = make_circle(title="Cercle annulé", facilitators=(alice,))
        from cercles.circles.services import circle_cancel

        circle_cancel(circle_id=cancelled.pk, cancelled_by=claire, reason="Annulé.")
        client = client_for(claire)
        filtered(client, f"{LIST}?statut=annule", shown=[cancelled.title], hidden=[running.title])
        filtered(client, f"{LIST}?animation=a_pourvoir", shown=[orphan.title], hidden=[running.title])
        filtered(client, f"{LIST}?animation=pourvue", shown=[running.title], hidden=[orphan.title])

    def test_by_need_and_territory(self, claire: User) -> None:
        rennes = make_circle(title="À Rennes", kind_slug="arpentage", departement=Departement.objects.get(code="35"))
        lyon = make_circle(title="À Lyon", departement=Departement.objects.get(code="69"))
        client = client_for(claire)
        region = Departement.objects.get(code="69").region_id
        filtered(client, f"{LIST}?kind__need__exact={rennes.kind.need}", shown=[rennes.title], hidden=[lyon.title])
        filtered(client, f"{LIST}?departement__region__code__exact={region}", shown=[lyon.title], hidden=[rennes.title])
        filtered(client, f"{LIST}?departement__code__exact=35", shown=[rennes.title], hidden=[lyon.title])

    def test_the_list_keeps_its_query_count_with_more_circles(self, claire: User) -> None:
        client = client_for(claire)
        client.get(LIST)  # the day's first visit also records the person's activity
        counts = []
        for more in (3, 30):
            for _ in range(more):
                fill(make_circle(), 2)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(LIST).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]


def test_the_task_pages_speak_french(claire: User) -> None:
    html = client_for(claire).get("/coordination/django_tasks_database/dbtaskresult/").content.decode()
    assert "tâches de fond" in html.lower()
    assert "Task Result" not in html
    index = client_for(claire).get("/coordination/").content.decode()
    assert "Tasks Database Backend" not in index
