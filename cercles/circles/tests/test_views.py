"""Every circle view, with each persona: anonymous, member, facilitator, coordinator, outsider."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercles.circles.models import Circle, Membership, MembershipStatus
from cercles.people.models import User
from conftest import client_for
from tests.factories import fill, make_circle, make_co_facilitator, make_user, seat

pytestmark = pytest.mark.django_db


def login_url_for(url: str) -> str:
    return f"{reverse('account_login')}?next={url}"


class TestHomeAndCatalogue:
    def test_home_lists_the_needs_in_french(self, client) -> None:
        response = client.get("/")
        html = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="fr">' in html
        assert "De quoi avez-vous besoin ?" in html
        for need in ["Prendre soin", "Entraide et prise de recul", "Étayage", "Théorie U", "collaboratif"]:
            assert need in html
        # French counts zero as singular.
        assert "0 cercle ouvert" in html
        assert "0 cercles ouverts" not in html

    def test_the_catalogue_filters_and_ignores_malformed_values(self, client) -> None:
        make_circle(title="Lecture partagée", kind_slug="arpentage")
        response = client.get("/cercles/", {"q": "LECTURE", "statut": "n'importe quoi", "page": "abc", "type": "zz"})
        assert response.status_code == 200
        assert "Lecture partagée" in response.content.decode()

    def test_the_catalogue_answers_htmx_with_the_results_only(self, client) -> None:
        make_circle(title="Cercle htmx")
        response = client.get("/cercles/", headers={"HX-Request": "true"})
        assert "Cercle htmx" in response.content.decode()
        assert "<html" not in response.content.decode()


class TestCirclePage:
    def test_outsiders_see_counts_not_names(self, circle: Circle, bob: User, charlie: User) -> None:
        for viewer in (None, charlie):
            html = client_for(viewer).get(reverse("circles:detail", args=[circle.pk])).content.decode()
            assert "1 membre" in html
            assert "Bob Test" not in html
            # Facilitators are public: they are who people write to.
            assert "Alice Test" in html

    def test_members_and_coordinators_see_the_member_list(self, circle: Circle, bob: User, claire: User) -> None:
        for viewer in (bob, claire):
            html = client_for(viewer).get(reverse("circles:detail", args=[circle.pk])).content.decode()
            assert "Bob Test" in html

    def test_it_shows_the_pact_places_and_rhythm(self, circle: Circle, client) -> None:
        html = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
        assert "Le pacte de confidentialité" in html
        assert "5 places libres sur 6" in html
        assert "chaque mois" in html
        assert "2 h 30" in html

    def test_a_waiting_person_sees_their_rank(self, alice: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        fill(circle, 1)
        seat(circle, make_user(), status=MembershipStatus.WAITING, minutes_ago=5)
        waiting = make_user()
        seat(circle, waiting, status=MembershipStatus.WAITING)
        html = client_for(waiting).get(reverse("circles:detail", args=[circle.pk])).content.decode()
        assert "Vous êtes n° 2 sur la liste d&#x27;attente." in html or "Vous êtes n° 2 sur la liste d'attente." in html

    def test_a_circle_without_facilitator_says_so(self) -> None:
        circle = make_circle()
        html = client_for(None).get(reverse("circles:detail", args=[circle.pk])).content.decode()
        assert "Animation à pourvoir" in html

    @pytest.mark.parametrize("bad", ["0", "999999", "99999999999999999999999"])
    def test_unknown_ids_are_a_french_404(self, client, bad: str) -> None:
        response = client.get(f"/cercles/{bad}/")
        assert response.status_code == 404
        assert "Page introuvable" in response.content.decode()


class TestJoinView:
    def test_anonymous_visitors_are_sent_to_login(self, circle: Circle, client) -> None:
        url = reverse("circles:join", args=[circle.pk])
        response = client.post(url, {"pact": "on"})
        assert response.status_code == 302
        assert response["Location"] == login_url_for(url)

    def test_an_incomplete_profile_is_sent_to_the_profile_first(self, circle: Circle) -> None:
        newcomer = make_user(complete_profile=False)
        response = client_for(newcomer).get(reverse("circles:join", args=[circle.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("people:profile_edit") + "?next=")

    def test_joining_without_the_pact_keeps_the_form_with_a_message(self, circle: Circle, charlie: User) -> None:
        response = client_for(charlie).post(reverse("circles:join", args=[circle.pk]), {"message": "Bonjour"})
        assert response.status_code == 200
        assert "acceptez son pacte" in response.content.decode()
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()

    def test_joining_with_the_pact_makes_a_member(self, circle: Circle, charlie: User) -> None:
        client = client_for(charlie)
        response = client.post(reverse("circles:join", args=[circle.pk]), {"pact": "on"}, follow=True)
        assert "Bienvenue" in response.content.decode()
        assert Membership.objects.get(circle=circle, user=charlie).status == MembershipStatus.ACTIVE

    def test_a_double_submit_shows_a_message_not_an_error(self, circle: Circle, bob: User) -> None:
        url = reverse("circles:join", args=[circle.pk])
        response = client_for(bob).post(url, {"pact": "on"}, headers={"referer": f"http://testserver{url}"})
        assert response.status_code == 302
        follow = client_for(bob).get(response["Location"])
        assert follow.status_code == 200

    def test_a_double_submit_without_referer_says_where_one_stands(self, circle: Circle, bob: User) -> None:
        response = client_for(bob).post(reverse("circles:join", args=[circle.pk]), {"pact": "on"}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("circles:detail", args=[circle.pk])
        assert "Vous faites déjà partie de ce cercle." in response.content.decode()
        assert Membership.objects.filter(circle=circle, user=bob).count() == 1

    def test_joining_a_full_circle_gives_the_rank(self, alice: User, charlie: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        fill(circle, 1)
        response = client_for(charlie).post(reverse("circles:join", args=[circle.pk]), {"pact": "on"}, follow=True)
        assert "n° 1 sur la liste d" in response.content.decode()


class TestLeaveView:
    def test_it_asks_a_member_to_confirm_and_says_the_seat_goes_to_the_next_person(
        self, circle: Circle, bob: User
    ) -> None:
        seat(circle, make_user(), status=MembershipStatus.WAITING)
        response = client_for(bob).get(reverse("circles:leave", args=[circle.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Quitter le cercle « " in html
        assert "Votre place ira aussitôt à la première personne de la liste d'attente (1 personne attend)" in html
        assert f'action="{reverse("circles:leave", args=[circle.pk])}"' in html
        # Nothing changes until the form is sent.
        assert Membership.objects.get(circle=circle, user=bob).status == MembershipStatus.ACTIVE

    def test_it_tells_a_waiting_person_the_rank_they_would_lose(self, alice: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        fill(circle, 1)
        seat(circle, make_user(), status=MembershipStatus.WAITING, minutes_ago=5)
        waiting = make_user()
        seat(circle, waiting, status=MembershipStatus.WAITING)
        html = client_for(waiting).get(reverse("circles:leave", args=[circle.pk])).content.decode()
        assert "Vous êtes n° 2 sur la liste d'attente. En la quittant, vous perdez ce rang" in html
        assert "Quitter la liste d'attente" in html
        # The member list is not part of this page.
        assert "Test" not in html.split("<main", 1)[-1].split("</main>", 1)[0].replace(circle.title, "")

    def test_it_tells_an_applicant_the_application_is_withdrawn(self, alice: User, charlie: User) -> None:
        circle = make_circle(approval=True, facilitators=(alice,))
        seat(circle, charlie, status=MembershipStatus.PENDING)
        html = client_for(charlie).get(reverse("circles:leave", args=[circle.pk])).content.decode()
        assert "Retirer votre candidature" in html

    def test_it_tells_a_facilitator_what_they_stop_seeing(self, circle: Circle, alice: User) -> None:
        html = client_for(alice).get(reverse("circles:leave", args=[circle.pk])).content.decode()
        assert "Quitter l'animation de « " in html
        assert "Vous ne verrez plus les membres" in html

    def test_the_circle_page_links_to_the_confirmation_instead_of_leaving(self, circle: Circle, bob: User) -> None:
        html = client_for(bob).get(reverse("circles:detail", args=[circle.pk])).content.decode()
        assert f'href="{reverse("circles:leave", args=[circle.pk])}"' in html
        assert f'action="{reverse("circles:leave", args=[circle.pk])}"' not in html

    @pytest.mark.parametrize("persona", ["charlie", "claire"])
    def test_someone_outside_the_circle_gets_a_message_and_no_form(self, request, circle: Circle, persona: str) -> None:
        response = client_for(request.getfixturevalue(persona)).get(reverse("circles:leave", args=[circle.pk]))
        html = response.content.decode()
        assert response.status_code == 409
        assert "Vous ne faites pas partie de ce cercle." in html
        assert "Bob Test" not in html

    def test_anonymous_is_sent_to_login_to_confirm(self, circle: Circle, client) -> None:
        url = reverse("circles:leave", args=[circle.pk])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == login_url_for(url)

    def test_other_methods_are_refused(self, circle: Circle, bob: User) -> None:
        assert client_for(bob).put(reverse("circles:leave", args=[circle.pk])).status_code == 405

    def test_a_member_leaves(self, circle: Circle, bob: User) -> None:
        response = client_for(bob).post(reverse("circles:leave", args=[circle.pk]), follow=True)
        assert "vous ne faites plus partie" in response.content.decode()
        assert Membership.objects.get(circle=circle, user=bob).status == MembershipStatus.LEFT

    def test_an_outsider_leaving_gets_a_message(self, circle: Circle, charlie: User) -> None:
        response = client_for(charlie).post(reverse("circles:leave", args=[circle.pk]))
        assert response.status_code == 409

    def test_anonymous_is_sent_to_login(self, circle: Circle, client) -> None:
        assert client.post(reverse("circles:leave", args=[circle.pk])).status_code == 302


class TestEditView:
    @pytest.mark.parametrize(("persona", "expected"), [("bob", 403), ("charlie", 403), ("alice", 200), ("claire", 200)])
    def test_only_facilitators_and_coordinators_open_it(
        self, circle: Circle, request, persona: str, expected: int
    ) -> None:
        user = request.getfixturevalue(persona)
        assert client_for(user).get(reverse("circles:edit", args=[circle.pk])).status_code == expected

    def test_anonymous_is_sent_to_login(self, circle: Circle, client) -> None:
        assert client.get(reverse("circles:edit", args=[circle.pk])).status_code == 302

    def _form(self, circle: Circle, **overrides: str) -> dict[str, str]:
        data = {
            "version": str(circle.version),
            "title": circle.title,
            "description": circle.description,
            "meeting_format": circle.meeting_format,
            "place": "",
            "departement": "",
            "start_date": circle.start_date.isoformat(),
            "end_date": circle.end_date.isoformat(),
            "join_deadline": circle.join_deadline.isoformat(),
            "meeting_count": "6",
            "rhythm": circle.rhythm,
            "meeting_duration_minutes": "150",
            "capacity": "8",
            "is_open": "on",
            "approval_mode": "libre",
            "pact": "",
        }
        return data | overrides

    def test_a_facilitator_saves_changes(self, circle: Circle, alice: User) -> None:
        response = client_for(alice).post(
            reverse("circles:edit", args=[circle.pk]), self._form(circle, title="Titre neuf")
        )
        assert response.status_code == 302
        circle.refresh_from_db()
        assert (circle.title, circle.capacity) == ("Titre neuf", 8)

    def test_bad_input_keeps_what_was_typed(self, circle: Circle, alice: User) -> None:
        data = self._form(circle, title="Mon titre tapé", start_date="pas une date", capacity="-3")
        response = client_for(alice).post(reverse("circles:edit", args=[circle.pk]), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Mon titre tapé" in html
        assert "Saisissez une date valide" in html

    def test_a_concurrent_edit_is_refused_and_the_typing_kept(self, circle: Circle, alice: User, claire: User) -> None:
        url = reverse("circles:edit", args=[circle.pk])
        stale = self._form(circle, title="Version d'Alice")
        client_for(claire).post(url, self._form(circle, title="Version de Claire"))
        response = client_for(alice).post(url, stale)
        html = response.content.decode()
        assert "Quelqu&#x27;un a modifié ce cercle" in html or "Quelqu'un a modifié ce cercle" in html
        assert "Version d&#x27;Alice" in html or "Version d'Alice" in html
        circle.refresh_from_db()
        assert circle.title == "Version de Claire"
        # Saving again, now knowingly, goes through.
        again = client_for(alice).post(url, stale | {"version": str(circle.version)})
        assert again.status_code == 302
        circle.refresh_from_db()
        assert circle.title == "Version d'Alice"

    def test_after_a_conflict_the_re_rendered_form_can_be_saved(self, circle: Circle, alice: User) -> None:
        url = reverse("circles:edit", args=[circle.pk])
        Circle.objects.filter(pk=circle.pk).update(version=circle.version + 1)
        conflict = client_for(alice).post(url, self._form(circle, title="Mon titre"))
        form = conflict.context["form"]
        resubmit = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        resubmit = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in resubmit.items()}
        resubmit["is_open"] = "on"
        assert client_for(alice).post(url, resubmit).status_code == 302
        circle.refresh_from_db()
        assert circle.title == "Mon titre"

    def test_dates_out_of_order_are_named_on_the_field(self, circle: Circle, alice: User) -> None:
        data = self._form(circle, end_date=(circle.start_date.replace(year=circle.start_date.year - 1)).isoformat())
        response = client_for(alice).post(reverse("circles:edit", args=[circle.pk]), data)
        assert "La date de fin doit suivre la date de début." in response.content.decode()


class TestFacilitatorInvitationViews:
    def _invite(self, circle: Circle, alice: User, email: str) -> str:
        from cercles.circles.services import facilitator_invite, invitation_token

        return reverse(
            "circles:invitation",
            args=[invitation_token(facilitator_invite(circle_id=circle.pk, invited_by=alice, email=email))],
        )

    def test_the_answer_is_the_same_whether_the_address_has_an_account(
        self, circle: Circle, alice: User, charlie: User
    ) -> None:
        url = reverse("circles:facilitator_invite", args=[circle.pk])
        pages = [
            client_for(alice).post(url, {"email": address}, follow=True).content.decode()
            for address in (charlie.email, "personne@exemple.fr")
        ]
        said = [re.search(r"Invitation envoyée à [^<]*", page).group(0) for page in pages]  # type: ignore[union-attr]
        assert said[0].replace(charlie.email, "X") == said[1].replace("personne@exemple.fr", "X")
        assert "compte" not in said[0]
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()

    def test_a_malformed_address_keeps_the_form(self, circle: Circle, alice: User) -> None:
        response = client_for(alice).post(
            reverse("circles:facilitator_invite", args=[circle.pk]), {"email": "pas une adresse"}
        )
        assert response.status_code == 400
        assert "pas une adresse" in response.content.decode()

    @pytest.mark.parametrize("persona", ["bob", "charlie"])
    def test_others_cannot_invite(self, circle: Circle, request, persona: str) -> None:
        user = request.getfixturevalue(persona)
        response = client_for(user).post(reverse("circles:facilitator_invite", args=[circle.pk]), {"email": user.email})
        assert response.status_code == 403

    def test_the_link_shows_the_pact_and_offers_to_sign_in_first(
        self, circle: Circle, alice: User, charlie: User
    ) -> None:
        url = self._invite(circle, alice, charlie.email)
        html = client_for(None).get(url).content.decode()
        assert circle.effective_pact[:40] in html
        assert reverse("account_signup") in html
        assert "Accepter l&#x27;invitation" not in html

    def test_the_invited_person_accepts_with_the_pact(self, circle: Circle, alice: User, charlie: User) -> None:
        url = self._invite(circle, alice, charlie.email)
        refused = client_for(charlie).post(url, {"answer": "accepter"}, follow=True)
        assert "pacte" in refused.content.decode()
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()
        response = client_for(charlie).post(url, {"answer": "accepter", "pact": "on"})
        assert response.status_code == 302
        assert Membership.objects.get(circle=circle, user=charlie).role == "animation"
        again = client_for(charlie).post(url, {"answer": "accepter", "pact": "on"}, follow=True)
        assert "déjà reçu une réponse" in again.content.decode()

    def test_accepting_signed_out_asks_to_sign_in_first(self, circle: Circle, alice: User, charlie: User) -> None:
        url = self._invite(circle, alice, charlie.email)
        response = client_for(None).post(url, {"answer": "accepter", "pact": "on"})
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]

    def test_declining_needs_no_account(self, circle: Circle, alice: User) -> None:
        url = self._invite(circle, alice, "sans-compte@exemple.fr")
        response = client_for(None).post(url, {"answer": "decliner"}, follow=True)
        assert "décliné" in response.content.decode()
        assert "a été déclinée" in client_for(None).get(url).content.decode()

    @pytest.mark.parametrize("token", ["abc", "x" * 3000, "eyJpIjoxfQ:1:forged"])
    def test_a_tampered_link_gets_a_french_message(self, token: str) -> None:
        response = client_for(None).get(reverse("circles:invitation", args=[token]))
        assert response.status_code == 400
        assert "lien d&#x27;invitation n&#x27;est pas valide" in response.content.decode()

    def test_an_expired_link_says_so(self, circle: Circle, alice: User, charlie: User) -> None:
        url = self._invite(circle, alice, charlie.email)
        with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
            assert "a expiré" in client_for(charlie).get(url).content.decode()
            response = client_for(charlie).post(url, {"answer": "accepter", "pact": "on"})
        assert response.status_code == 400
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()

    def test_a_facilitator_withdraws_a_pending_invitation(self, circle: Circle, alice: User, bob: User) -> None:
        url = self._invite(circle, alice, "retire@exemple.fr")
        from cercles.circles.models import FacilitatorInvitation

        invitation = FacilitatorInvitation.objects.get(email="retire@exemple.fr")
        withdraw = reverse("circles:invitation_withdraw", args=[circle.pk, invitation.pk])
        assert "retire@exemple.fr" in client_for(alice).get(reverse("circles:edit", args=[circle.pk])).content.decode()
        assert client_for(bob).post(withdraw).status_code == 403
        assert client_for(alice).post(withdraw).status_code == 302
        assert "a été retirée" in client_for(None).get(url).content.decode()


class TestDecideView:
    def test_a_facilitator_accepts_an_application(self, alice: User, charlie: User) -> None:
        circle = make_circle(facilitators=(alice,), approval=True)
        application = seat(circle, charlie, status=MembershipStatus.PENDING)
        url = reverse("circles:decide", args=[circle.pk, application.pk])
        response = client_for(alice).post(url, {"decision": "accepter", "message": ""}, follow=True)
        assert "Candidature acceptée." in response.content.decode()
        application.refresh_from_db()
        assert application.status == MembershipStatus.ACTIVE

    def test_a_malformed_decision_changes_nothing(self, alice: User, charlie: User) -> None:
        circle = make_circle(facilitators=(alice,), approval=True)
        application = seat(circle, charlie, status=MembershipStatus.PENDING)
        url = reverse("circles:decide", args=[circle.pk, application.pk])
        response = client_for(alice).post(url, {"decision": "peut-être"}, follow=True)
        assert (
            "Choisissez d&#x27;accepter" in response.content.decode()
            or "Choisissez d'accepter" in response.content.decode()
        )
        application.refresh_from_db()
        assert application.status == MembershipStatus.PENDING

    @pytest.mark.parametrize("persona", ["bob", "charlie"])
    def test_members_and_outsiders_cannot_decide(self, alice: User, request, persona: str) -> None:
        circle = make_circle(facilitators=(alice,), approval=True)
        seat(circle, request.getfixturevalue("bob"))
        application = seat(circle, make_user(), status=MembershipStatus.PENDING)
        user = request.getfixturevalue(persona)
        response = client_for(user).post(
            reverse("circles:decide", args=[circle.pk, application.pk]), {"decision": "accepter"}
        )
        assert response.status_code == 403
        application.refresh_from_db()
        assert application.status == MembershipStatus.PENDING


class TestMyCircles:
    def test_it_needs_login(self, client) -> None:
        assert client.get(reverse("circles:my_circles")).status_code == 302

    def test_it_lists_my_circles_by_relation(self, circle: Circle, alice: User, bob: User) -> None:
        assert circle.title in client_for(alice).get(reverse("circles:my_circles")).content.decode()
        html = client_for(bob).get(reverse("circles:my_circles")).content.decode()
        assert "Les cercles dont je fais partie" in html
        assert circle.title in html


class TestFacilitatorRemoveView:
    def test_a_facilitator_removes_a_co_facilitator(self, circle: Circle, alice: User, charlie: User) -> None:
        co = make_co_facilitator(circle, charlie, invited_by=alice)
        url = reverse("circles:facilitator_remove", args=[circle.pk, co.pk])
        response = client_for(alice).post(url, follow=True)
        assert "n&#x27;anime plus" in response.content.decode() or "n'anime plus" in response.content.decode()

    @pytest.mark.parametrize(("persona", "expected"), [("bob", 403), ("charlie", 403)])
    def test_others_are_refused(self, circle: Circle, alice: User, request, persona: str, expected: int) -> None:
        membership = Membership.objects.get(circle=circle, user=alice)
        url = reverse("circles:facilitator_remove", args=[circle.pk, membership.pk])
        assert client_for(request.getfixturevalue(persona)).post(url).status_code == expected
        assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACTIVE

    def test_a_foreign_membership_is_refused(self, circle: Circle, alice: User) -> None:
        other = make_circle(facilitators=(make_user(),))
        foreign = Membership.objects.get(circle=other)
        url = reverse("circles:facilitator_remove", args=[circle.pk, foreign.pk])
        assert client_for(alice).post(url).status_code == 409
        assert Membership.objects.get(pk=foreign.pk).status == MembershipStatus.ACTIVE


class TestJoinPageRefusesEarly:
    def test_a_finished_circle_sends_back_with_the_reason(self, charlie: User) -> None:
        finished = make_circle(starts_in_days=-60, weeks=2)
        response = client_for(charlie).get(reverse("circles:join", args=[finished.pk]), follow=True)
        assert response.redirect_chain[-1][0] == reverse("circles:detail", args=[finished.pk])
        assert "Ce cercle est terminé." in response.content.decode()

    def test_a_member_is_told_they_are_already_in(self, circle: Circle, bob: User) -> None:
        response = client_for(bob).get(reverse("circles:join", args=[circle.pk]), follow=True)
        assert "Vous faites déjà partie de ce cercle." in response.content.decode()


def test_the_catalogue_filters_by_need_from_the_home_page_link(client) -> None:
    make_circle(title="Un arpentage", kind_slug="arpentage")
    make_circle(title="Un codéveloppement")
    html = client.get("/cercles/", {"besoin": "etayage"}).content.decode()
    assert "Un arpentage" in html
    assert "Un codéveloppement" not in html
    assert '<option value="etayage" selected>' in html


class TestReviewFindings:
    def test_the_catalogue_varies_on_htmx(self, client) -> None:
        assert "HX-Request" in client.get("/cercles/")["Vary"]

    def test_a_started_circle_still_open_to_joins_shows_the_button(self, charlie: User) -> None:
        running = make_circle(starts_in_days=-5, deadline_in_days=10, title="Cercle commencé")
        html = client_for(charlie).get(reverse("circles:detail", args=[running.pk])).content.decode()
        assert reverse("circles:join", args=[running.pk]) in html

    def test_a_finished_circle_shows_no_button(self, charlie: User) -> None:
        finished = make_circle(starts_in_days=-60, weeks=2)
        html = client_for(charlie).get(reverse("circles:detail", args=[finished.pk])).content.decode()
        assert reverse("circles:join", args=[finished.pk]) not in html
        assert "Les inscriptions sont fermées." in html

    def test_a_nameless_facilitator_is_not_shown_by_their_address(self, circle: Circle, alice: User) -> None:
        nameless = make_user(complete_profile=False)
        User.objects.filter(pk=nameless.pk).update(first_name="", last_name="")
        make_co_facilitator(circle, nameless, invited_by=alice)
        html = client_for(None).get(reverse("circles:detail", args=[circle.pk])).content.decode()
        assert nameless.email.split("@")[0] not in html
        assert "Personne sans nom" in html


class TestPlacesWording:
    def test_a_card_says_how_many_places_are_free_out_of_how_many(self, alice: User, client) -> None:
        circle = make_circle(title="Cercle à places", capacity=8, facilitators=(alice,))
        fill(circle, 3)
        html = client.get(reverse("circles:catalogue")).content.decode()
        assert "5 places libres sur 8" in html

    def test_a_card_says_one_place_in_the_singular(self, alice: User, client) -> None:
        circle = make_circle(capacity=2, facilitators=(alice,))
        fill(circle, 1)
        assert "1 place libre sur 2" in client.get(reverse("circles:catalogue")).content.decode()

    def test_a_circle_on_application_does_not_advertise_free_places(self, alice: User, client) -> None:
        circle = make_circle(title="Cercle sur candidature", capacity=8, approval=True, facilitators=(alice,))
        fill(circle, 3)
        for url in (reverse("circles:catalogue"), reverse("circles:detail", args=[circle.pk])):
            html = client.get(url).content.decode()
            assert "Sur candidature · 5 places à attribuer sur 8" in html
            assert "places libres" not in html

    def test_the_circle_page_says_places_free_out_of_capacity(self, alice: User, client) -> None:
        circle = make_circle(capacity=8, facilitators=(alice,))
        fill(circle, 3)
        html = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
        assert "5 places libres sur 8" in html


class TestJoinFormRank:
    def test_the_join_form_of_a_full_circle_announces_the_rank(self, alice: User, charlie: User) -> None:
        circle = make_circle(capacity=1, facilitators=(alice,))
        fill(circle, 1)
        seat(circle, make_user(), status=MembershipStatus.WAITING)
        seat(circle, make_user(), status=MembershipStatus.WAITING)
        html = client_for(charlie).get(reverse("circles:join", args=[circle.pk])).content.decode()
        assert "vous serez n° 3 sur la liste d'attente" in html
        assert not Membership.objects.filter(circle=circle, user=charlie).exists()

    def test_the_join_form_of_a_circle_with_places_announces_no_rank(self, circle: Circle, charlie: User) -> None:
        html = client_for(charlie).get(reverse("circles:join", args=[circle.pk])).content.decode()
        assert "sur la liste d'attente" not in html


class TestDiversityForReviewers:
    def make_reviewed_circle(self, alice: User, size: int) -> Circle:
        circle = make_circle(capacity=1, approval=True, facilitators=(alice,))
        fill(circle, 1)
        for _ in range(size):
            seat(circle, make_user(), status=MembershipStatus.PENDING)
            seat(circle, make_user(), status=MembershipStatus.WAITING)
        return circle

    def test_facilitators_see_organisation_type_job_family_and_territory(self, alice: User) -> None:
        circle = self.make_reviewed_circle(alice, 1)
        html = client_for(alice).get(reverse("circles:detail", args=[circle.pk])).content.decode()
        applications, waiting = html.split("Candidatures à examiner", 1)[1].split("Liste d'attente", 1)
        for section in (applications, waiting):
            assert "Type d'organisation : Commune" in section
            assert "Famille de métiers : " in section
            assert "Territoire : Ille-et-Vilaine (35)" in section

    def test_members_and_visitors_do_not_see_them(self, alice: User, client) -> None:
        circle = self.make_reviewed_circle(alice, 1)
        member = Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).exclude(user=alice).first()
        assert member is not None
        for viewer in (client, client_for(member.user)):
            html = viewer.get(reverse("circles:detail", args=[circle.pk])).content.decode()
            assert "Territoire :" not in html

    def test_the_page_takes_the_same_queries_for_2_or_40_people_to_review(self, alice: User) -> None:
        counts = []
        for size in (1, 20):
            circle = self.make_reviewed_circle(alice, size)
            viewer = client_for(alice)
            viewer.get(reverse("circles:detail", args=[circle.pk]))  # warm the session
            with CaptureQueriesContext(connection) as queries:
                assert viewer.get(reverse("circles:detail", args=[circle.pk])).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]


def test_the_leave_page_and_places_read_in_english(circle: Circle, bob: User) -> None:
    client = client_for(bob)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    leave = client.get(reverse("circles:leave", args=[circle.pk])).content.decode()
    assert "Leave the circle “" in leave
    assert "Your place will be freed for someone else." in leave
    detail = client.get(reverse("circles:detail", args=[circle.pk])).content.decode()
    assert "5 free places out of 6" in detail


def test_french_counts_zero_places_in_the_singular(alice: User, client) -> None:
    circle = make_circle(capacity=1, facilitators=(alice,))
    fill(circle, 1)
    assert "0 place libre sur 1" in client.get(reverse("circles:detail", args=[circle.pk])).content.decode()


class TestProgrammeFigures:
    def test_observers_read_figures_without_any_name(self, circle: Circle, bob: User) -> None:
        from cercles.circles.models import MembershipStatus as Status

        observer = make_user("olivia", observer=True)
        for _ in range(3):
            seat(circle, make_user())
        seat(circle, make_user("wanda"), status=Status.WAITING)
        response = client_for(observer).get(reverse("circles:figures"))
        html = response.content.decode()
        assert response.status_code == 200
        assert circle.kind.name in html
        assert "4 personnes participent" in html
        assert bob.last_name not in html
        assert bob.first_name not in html
        assert "Wanda" not in html

    def test_counts_of_one_or_two_people_are_not_shown_exactly(self, circle: Circle, claire: User) -> None:
        html = client_for(claire).get(reverse("circles:figures")).content.decode()
        assert "moins de 3 personnes participent" in html

    @pytest.mark.parametrize("persona", ["bob", "alice", "charlie"])
    def test_participants_and_facilitators_do_not_see_the_figures(self, circle: Circle, request, persona: str) -> None:
        response = client_for(request.getfixturevalue(persona)).get(reverse("circles:figures"))
        assert response.status_code == 403

    def test_the_page_keeps_its_queries_whatever_the_number_of_circles(self, claire: User) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(claire)
        client.get(reverse("circles:figures"))  # the day's first visit also records the person's activity
        counts = []
        for added in (2, 40):
            for _ in range(added):
                fill(make_circle(), 2)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("circles:figures")).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]
