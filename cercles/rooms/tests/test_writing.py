"""Writing in a room's slots: drafts, the optimistic lock, sharing, action plans, and who reads what."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercles.circles.models import Circle
from cercles.core.policy import PolicyDenied
from cercles.people.models import User
from cercles.rooms import exceptions as errors
from cercles.rooms.models import ARTEFACT_MAX_CHARS, Artefact, ClientTurn, Commitment
from cercles.rooms.selectors import meeting_summary, room_writing_for
from cercles.rooms.services import CommitmentDraft, artefact_save, artefact_share
from cercles.rooms.tests.writing_factories import (
    APPRENTISSAGES,
    CONSULTATION,
    CONTRAT,
    EXPOSE,
    RETOUR,
    SYNTHESE,
    move_room,
    open_room,
    room_steps,
)
from conftest import client_for
from tests.factories import make_meeting, make_user, seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def dora(circle: Circle) -> User:
    """Dora, a member of Alice's circle and the client of the meeting."""
    person = make_user("dora")
    seat(circle, person)
    return person


@pytest.fixture
def meeting(circle: Circle, dora: User, alice: User):  # type: ignore[no-untyped-def]
    created = make_meeting(circle, in_days=0, hours=3)
    ClientTurn.objects.create(meeting=created, person=dora, position=1, chosen_by=alice)
    return created


def save(meeting, user, step, slot, text, version=0, **extra):  # type: ignore[no-untyped-def]
    return artefact_save(meeting.pk, author=user, step=step, slot_key=slot, text=text, seen_version=version, **extra)


# --- saving drafts -----------------------------------------------------------------------------------


def test_a_member_saves_their_learnings_as_they_type_and_each_save_raises_the_version(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    first = save(meeting, bob, APPRENTISSAGES, "apprentissages", "J'ai appris")
    second = save(meeting, bob, APPRENTISSAGES, "apprentissages", "J'ai appris à écouter", first.version)
    assert (first.version, second.version) == (1, 2)
    stored = Artefact.objects.get()
    assert stored.text == "J'ai appris à écouter"
    assert stored.visibility == "auteur"  # the slot's visibility, copied
    assert stored.phase_key == "apprentissages"


def test_a_save_from_a_stale_tab_is_refused_with_the_stored_text_and_nothing_is_overwritten(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Onglet A")
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Onglet A, suite", 1)
    with pytest.raises(errors.ArtefactConflict) as refused:
        save(meeting, bob, APPRENTISSAGES, "apprentissages", "Onglet B", 1)
    assert (refused.value.text, refused.value.version) == ("Onglet A, suite", 2)
    assert str(refused.value.message) == str(errors.WRITTEN_MEANWHILE)
    assert Artefact.objects.get().text == "Onglet A, suite"


def test_a_first_save_from_a_page_that_believed_in_a_version_is_refused(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    with pytest.raises(errors.ArtefactConflict) as refused:
        save(meeting, bob, APPRENTISSAGES, "apprentissages", "Texte", 3)
    assert refused.value.version == 0
    assert not Artefact.objects.exists()


def test_saving_the_stored_text_again_from_a_stale_tab_changes_nothing(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Même texte")
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Même texte", 1)
    again = save(meeting, bob, APPRENTISSAGES, "apprentissages", "Même texte", 0)
    assert (again.version, again.changed) == (1, False)


def test_a_text_over_the_limit_is_refused_in_french_with_its_length(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    with pytest.raises(errors.WritingError) as refused:
        save(meeting, bob, APPRENTISSAGES, "apprentissages", "x" * (ARTEFACT_MAX_CHARS + 1))
    assert refused.value.code == "too_long"
    assert str(ARTEFACT_MAX_CHARS + 1) in str(refused.value.message)
    assert not Artefact.objects.exists()


def test_a_consultant_cannot_write_in_the_clients_slots(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=CONTRAT)
    with pytest.raises(errors.WritingNotAllowed) as refused:
        save(meeting, bob, CONTRAT, "demande", "Je demande à sa place")
    assert refused.value.status_code == 403
    assert str(refused.value.message) == str(errors.NOT_A_WRITER)


def test_the_client_writes_their_request_and_consultants_their_contributions(meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=CONSULTATION)
    save(meeting, dora, CONTRAT, "demande", "Comment mobiliser mon équipe ?")
    save(meeting, bob, CONSULTATION, "contributions", "Une hypothèse")
    save(meeting, dora, CONSULTATION, "notes", "Mes notes à moi")
    assert Artefact.objects.filter(room=room).count() == 3


def test_a_role_assigned_in_the_room_decides_who_writes(meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=CONTRAT, roles={bob: "client", dora: "consultant"})
    save(meeting, bob, CONTRAT, "demande", "Bob remplace Dora")
    with pytest.raises(errors.WritingNotAllowed):
        save(meeting, dora, CONTRAT, "demande", "Dora n'est plus cliente")


def test_writing_waits_for_the_step_and_for_the_start(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, status="attente")
    with pytest.raises(errors.WritingError) as not_started:
        save(meeting, bob, RETOUR, "retour", "Trop tôt")
    move_room(room, status="en_cours", step=EXPOSE)
    with pytest.raises(errors.WritingError) as not_reached:
        save(meeting, bob, APPRENTISSAGES, "apprentissages", "Pas encore")
    assert not_started.value.code == not_reached.value.code == "step_not_reached"


def test_learnings_may_be_finished_after_the_end_but_not_the_next_day(meeting, bob, time_machine) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=APPRENTISSAGES)
    move_room(room, status="terminee")
    assert save(meeting, bob, APPRENTISSAGES, "apprentissages", "Juste après").version == 1
    time_machine.move_to(timezone.now() + datetime.timedelta(days=1, minutes=1))
    with pytest.raises(errors.WritingError) as closed:
        save(meeting, bob, APPRENTISSAGES, "apprentissages", "Le lendemain", 1)
    assert closed.value.code == "writing_closed"


def test_a_slot_or_step_that_does_not_exist_is_refused(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    for step, slot in ((APPRENTISSAGES, "inconnu"), (99, "apprentissages"), (-1, "apprentissages")):
        with pytest.raises(errors.WritingError) as refused:
            save(meeting, bob, step, slot, "Texte")
        assert refused.value.code == "no_such_slot"


def test_people_outside_the_circle_never_write(meeting, charlie, claire) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    for person in (charlie, claire):
        with pytest.raises(PolicyDenied):
            save(meeting, person, APPRENTISSAGES, "apprentissages", "Intrusion")
    assert not Artefact.objects.exists()


def test_writing_in_a_room_not_opened_or_a_missing_meeting_is_refused(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.RoomNotOpen):
        save(meeting, bob, 0, "retour", "Texte")
    meeting_id = meeting.pk
    meeting.delete()
    with pytest.raises(errors.MeetingNotFound):
        artefact_save(meeting_id, author=bob, step=0, slot_key="retour", text="x", seen_version=0)


# --- the action plan ---------------------------------------------------------------------------------


def _plan(*lines: tuple[str, str]) -> list[CommitmentDraft]:
    return [CommitmentDraft(text=text, due=due) for text, due in lines]


def test_the_client_writes_commitments_with_dates_in_their_action_plan(meeting, dora) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=SYNTHESE)
    day = timezone.localdate(meeting.starts_at) + datetime.timedelta(days=14)
    saved = save(
        meeting,
        dora,
        SYNTHESE,
        "plan",
        "Mon plan",
        commitments=_plan(
            ("Rencontrer la DRH", day.isoformat()), ("", ""), ("Relire le projet", day.strftime("%d/%m/%Y"))
        ),
    )
    assert list(Commitment.objects.values_list("text", "due_on", "position")) == [
        ("Rencontrer la DRH", day, 0),
        ("Relire le projet", day, 1),
    ]
    # The plan alone changes: the same text with one commitment less is a new version.
    again = save(
        meeting, dora, SYNTHESE, "plan", "Mon plan", saved.version, commitments=_plan(("Rencontrer la DRH", ""))
    )
    assert again.version == 2
    assert list(Commitment.objects.values_list("text", "due_on")) == [("Rencontrer la DRH", None)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (("", "2030-01-01"), errors.COMMITMENT_WITHOUT_TEXT),
        (("Agir", "32/13/2027"), errors.COMMITMENT_BAD_DATE),
        (("Agir", "demain"), errors.COMMITMENT_BAD_DATE),
        (("Agir", "2001-01-01"), errors.COMMITMENT_DATE_BEFORE),
        (("Agir", "2099-01-01"), errors.COMMITMENT_DATE_TOO_FAR),
        (("x" * 301, ""), errors.COMMITMENT_TOO_LONG),
    ],
)
def test_a_faulty_commitment_is_refused_naming_its_line(meeting, dora, line, message) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=SYNTHESE)
    with pytest.raises(errors.WritingError) as refused:
        save(meeting, dora, SYNTHESE, "plan", "Plan", commitments=_plan(("Premier", ""), line))
    assert refused.value.code == "bad_commitment"
    assert "n° 2" in str(refused.value.message)
    assert str(refused.value.message).startswith(str(message).split("{")[0])
    assert not Artefact.objects.exists()


def test_an_action_plan_has_at_most_twenty_commitments_and_only_in_its_slot(meeting, dora, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    with pytest.raises(errors.WritingError) as too_many:
        save(meeting, dora, SYNTHESE, "plan", "Plan", commitments=_plan(*[(f"Action {n}", "") for n in range(21)]))
    with pytest.raises(errors.WritingError) as elsewhere:
        save(meeting, bob, APPRENTISSAGES, "apprentissages", "Texte", commitments=_plan(("Action", "")))
    assert too_many.value.code == elsewhere.value.code.replace("no_commitments", "bad_commitment")
    assert elsewhere.value.code == "no_commitments"


# --- sharing -----------------------------------------------------------------------------------------


def test_the_author_shares_private_learnings_with_the_circle(meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=APPRENTISSAGES)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Secret-zibeline")
    assert "Secret-zibeline" not in str(room_writing_for(room, dora))
    shared = artefact_share(meeting.pk, author=bob, step=APPRENTISSAGES, slot_key="apprentissages")
    assert shared.shared_at is not None
    again = artefact_share(meeting.pk, author=bob, step=APPRENTISSAGES, slot_key="apprentissages")
    assert again.shared_at == shared.shared_at
    assert "Secret-zibeline" in str(room_writing_for(room, dora))


def test_sharing_what_is_not_written_or_already_visible_is_refused(meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=CONSULTATION)
    with pytest.raises(errors.WritingError) as nothing:
        artefact_share(meeting.pk, author=bob, step=CONSULTATION, slot_key="contributions")
    save(meeting, bob, CONSULTATION, "contributions", "Idée")
    with pytest.raises(errors.WritingError) as visible:
        artefact_share(meeting.pk, author=bob, step=CONSULTATION, slot_key="contributions")
    with pytest.raises(errors.WritingError) as not_publishable:
        artefact_share(meeting.pk, author=bob, step=CONSULTATION, slot_key="contributions", what="publication")
    with pytest.raises(errors.WritingError) as unknown:
        artefact_share(meeting.pk, author=bob, step=CONSULTATION, slot_key="contributions", what="monde")
    codes = [e.value.code for e in (nothing, visible, not_publishable, unknown)]
    assert codes == ["nothing_to_share", "already_visible", "not_publishable", "bad_share"]


def test_consent_to_publish_is_recorded_for_a_publishable_slot(meeting, bob, claire) -> None:  # type: ignore[no-untyped-def]
    steps = room_steps()
    steps[APPRENTISSAGES]["slots"][0]["visibility"] = "publiable"
    open_room(meeting, step=APPRENTISSAGES, steps=steps)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "À publier")
    consented = artefact_share(
        meeting.pk, author=bob, step=APPRENTISSAGES, slot_key="apprentissages", what="publication"
    )
    assert consented.publication_consent_at is not None
    with pytest.raises(PolicyDenied):
        artefact_share(meeting.pk, author=claire, step=APPRENTISSAGES, slot_key="apprentissages", what="publication")


# --- who reads what (room_writing_for) ---------------------------------------------------------------


def test_in_the_consultation_each_sees_their_slots_and_the_pinned_request(meeting, alice, bob, dora) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=CONTRAT)
    save(meeting, dora, EXPOSE, "sujet", "Mon sujet-loutre")
    save(meeting, dora, CONTRAT, "demande", "Ma demande-castor")
    move_room(room, step=CONSULTATION)
    save(meeting, bob, CONSULTATION, "contributions", "Contribution-hermine")
    save(meeting, dora, CONSULTATION, "notes", "Notes-blaireau")

    for_bob = room_writing_for(room, bob)
    assert [slot["key"] for slot in for_bob["slots"]] == ["contributions"]
    assert for_bob["slots"][0]["can_write"]
    assert for_bob["slots"][0]["text"] == "Contribution-hermine"
    assert for_bob["slots"][0]["version"] == 1
    assert {p["slot"] for p in for_bob["pinned"]} == {"sujet", "demande"}
    assert "Notes-blaireau" not in str(for_bob)

    for_dora = room_writing_for(room, dora)
    slots = {slot["key"]: slot for slot in for_dora["slots"]}
    assert not slots["contributions"]["can_write"]
    assert slots["contributions"]["others"][0]["text"] == "Contribution-hermine"
    assert slots["notes"]["can_write"]
    assert slots["notes"]["visibility_label"] == "Visible par vous seul·e"

    # The facilitator reads the circle's writings, never the client's private notes.
    assert "Notes-blaireau" not in str(room_writing_for(room, alice))
    assert "Contribution-hermine" in str(room_writing_for(room, alice))


def test_a_member_never_reads_anothers_private_learnings_nor_the_facilitator_them(meeting, alice, bob, dora) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=APPRENTISSAGES)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Apprentissage-ocelot")
    for person in (alice, dora):
        assert "Apprentissage-ocelot" not in str(room_writing_for(room, person))
    assert "Apprentissage-ocelot" in str(room_writing_for(room, bob))


def test_the_action_plan_is_read_by_the_client_and_the_facilitators_only(meeting, alice, bob, dora) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=SYNTHESE)
    save(meeting, dora, SYNTHESE, "plan", "Plan-pangolin")
    for_alice = room_writing_for(room, alice)
    assert for_alice["slots"][0]["others"][0]["text"] == "Plan-pangolin"
    assert for_alice["slots"][0]["visibility_label"] == "Visible par vous et l'animation"
    assert "Plan-pangolin" not in str(room_writing_for(room, bob))
    assert room_writing_for(room, dora)["slots"][0]["can_share"]


def test_coordinators_and_outsiders_read_nothing_in_the_room(meeting, bob, dora, claire, charlie) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=CONSULTATION)
    save(meeting, dora, CONTRAT, "demande", "Demande-narval")
    save(meeting, bob, CONSULTATION, "contributions", "Contribution-narval")
    for person in (claire, charlie):
        writing = room_writing_for(room, person)
        assert writing["slots"] == writing["pinned"] == writing["retour"] == []


def test_nothing_is_offered_before_the_start(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, status="attente")
    assert room_writing_for(room, bob)["slots"] == []


def _next_meeting_at_retour(circle, meeting):  # type: ignore[no-untyped-def]
    following = make_meeting(circle, in_days=14)
    return open_room(following, step=RETOUR)


def test_at_the_next_retour_the_previous_clients_commitments_show_to_client_and_facilitators(  # type: ignore[no-untyped-def]
    circle, meeting, alice, bob, dora
) -> None:
    open_room(meeting, step=SYNTHESE)
    save(meeting, dora, SYNTHESE, "plan", "Plan-tapir", commitments=_plan(("Engagement-tapir", "")))
    next_room = _next_meeting_at_retour(circle, meeting)
    for person in (alice, dora):
        retour = room_writing_for(next_room, person)["retour"]
        assert retour[0]["plan"][0]["text"] == "Engagement-tapir"
        assert retour[0]["name"] == "Mon plan d'action"
    assert room_writing_for(next_room, bob)["retour"] == []
    # The previous client reports back: the "retour" slot is theirs to write.
    assert [slot["key"] for slot in room_writing_for(next_room, dora)["slots"] if slot["can_write"]] == ["retour"]


def test_a_shared_action_plan_is_read_by_the_whole_circle_at_the_retour(circle, meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=SYNTHESE)
    save(meeting, dora, SYNTHESE, "plan", "Plan-gnou", commitments=_plan(("Engagement-gnou", "")))
    artefact_share(meeting.pk, author=dora, step=SYNTHESE, slot_key="plan")
    next_room = _next_meeting_at_retour(circle, meeting)
    assert room_writing_for(next_room, bob)["retour"][0]["plan"][0]["text"] == "Engagement-gnou"
    move_room(next_room, step=EXPOSE)
    assert room_writing_for(next_room, bob)["retour"] == []  # only during the report


def test_reading_the_room_costs_the_same_queries_whatever_the_number_of_writings(  # type: ignore[no-untyped-def]
    circle, meeting, alice, dora
) -> None:
    open_room(meeting, step=SYNTHESE)
    save(meeting, dora, SYNTHESE, "plan", "Plan", commitments=_plan(("Un", "")))
    next_room = _next_meeting_at_retour(circle, meeting)

    def write_contributions(count: int) -> None:
        move_room(next_room, step=CONSULTATION)
        for _ in range(count):
            member = make_user()
            seat(circle, member)
            artefact_save(
                next_room.meeting_id,
                author=member,
                step=CONSULTATION,
                slot_key="contributions",
                text="Idée",
                seen_version=0,
            )

    def queries_at(step: int) -> int:
        move_room(next_room, step=step)
        next_room.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            writing = room_writing_for(next_room, alice)
        assert writing["retour"] or step != RETOUR
        return len(queries)

    write_contributions(1)
    few = (queries_at(RETOUR), queries_at(CONSULTATION))
    write_contributions(12)
    assert (queries_at(RETOUR), queries_at(CONSULTATION)) == few


# --- the summary -------------------------------------------------------------------------------------


def test_the_summary_shows_each_member_what_they_may_read(meeting, alice, bob, dora) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=APPRENTISSAGES)
    save(meeting, dora, CONTRAT, "demande", "Demande-lynx")
    save(meeting, dora, SYNTHESE, "plan", "Plan-lynx", commitments=_plan(("Engagement-lynx", "")))
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Appris-bob-lynx")
    save(meeting, dora, APPRENTISSAGES, "apprentissages", "Appris-dora-lynx")
    move_room(room, status="terminee")

    def texts(person: User) -> str:
        page = meeting_summary(meeting_id=meeting.pk, user=person)
        return str([(item.text, item.plan) for step in page.steps for item in step.items])

    for_bob, for_dora, for_alice = texts(bob), texts(dora), texts(alice)
    assert "Demande-lynx" in for_bob
    assert "Appris-bob-lynx" in for_bob
    assert "Plan-lynx" not in for_bob
    assert "Appris-dora-lynx" not in for_bob
    assert "Plan-lynx" in for_dora
    assert "Engagement-lynx" in for_dora
    assert "Appris-bob-lynx" not in for_dora
    assert "Plan-lynx" in for_alice
    assert "Appris-bob-lynx" not in for_alice
    assert "Appris-dora-lynx" not in for_alice
    assert meeting_summary(meeting_id=meeting.pk, user=bob).ended


def test_the_summary_is_refused_to_coordinators_and_outsiders(meeting, claire, charlie) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    for person in (claire, charlie):
        with pytest.raises(PolicyDenied):
            meeting_summary(meeting_id=meeting.pk, user=person)
        assert client_for(person).get(reverse("rooms:summary", args=[meeting.pk])).status_code == 403


def test_the_summary_of_a_meeting_without_a_room_says_so(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    response = client_for(bob).get(reverse("rooms:summary", args=[meeting.pk]))
    assert response.status_code == 200
    assert "n'a pas été ouverte" in response.content.decode()
    assert client_for(bob).get(reverse("rooms:summary", args=[987654])).status_code == 404


# --- the endpoints -----------------------------------------------------------------------------------

JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_write_endpoint_saves_a_draft_and_answers_the_version(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    url = reverse("rooms:write", args=[meeting.pk])
    data = {"step": APPRENTISSAGES, "slot": "apprentissages", "text": "Brouillon", "version": "0"}
    response = client_for(bob).post(url, data, **JSON)
    assert response.status_code == 200
    assert response.json()["ok"]
    assert response.json()["version"] == 1
    stale = client_for(bob).post(url, {**data, "text": "Autre onglet"}, **JSON)
    assert stale.status_code == 409
    assert stale.json() | {"message": ""} == {
        "ok": False,
        "code": "stale_version",
        "message": "",
        "text": "Brouillon",
        "version": 1,
        "plan": [],
    }


def test_the_write_endpoint_answers_refusals_with_a_code_and_a_french_message(meeting, bob, claire) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    url = reverse("rooms:write", args=[meeting.pk])
    bad_step = client_for(bob).post(url, {"step": "deux", "slot": "apprentissages", "text": "x"}, **JSON)
    assert (bad_step.status_code, bad_step.json()["code"]) == (400, "no_such_slot")
    denied = client_for(claire).post(url, {"step": APPRENTISSAGES, "slot": "apprentissages", "text": "x"}, **JSON)
    assert (denied.status_code, denied.json()["code"]) == (403, "not_allowed")
    missing = client_for(bob).post(reverse("rooms:write", args=[999999]), {"step": 0, "slot": "x"}, **JSON)
    assert missing.status_code == 404


def test_without_javascript_a_stale_save_shows_both_texts_and_keeps_what_was_typed(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Texte enregistré-okapi")
    url = reverse("rooms:write", args=[meeting.pk])
    data = {"step": APPRENTISSAGES, "slot": "apprentissages", "text": "Texte tapé-okapi", "version": "0"}
    response = client_for(bob).post(url, data)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Texte enregistré-okapi" in body
    assert "Texte tapé-okapi" in body
    assert 'name="version" value="1"' in body
    saved = client_for(bob).post(url, {**data, "version": "1"})
    assert saved.status_code == 302
    assert Artefact.objects.get().text == "Texte tapé-okapi"


def test_without_javascript_a_faulty_plan_comes_back_with_the_lines_typed(meeting, dora) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=SYNTHESE)
    url = reverse("rooms:write", args=[meeting.pk])
    data = {
        "step": SYNTHESE,
        "slot": "plan",
        "text": "Plan",
        "plan": "1",
        "commitment_text": ["Appeler-zèbre", "Écrire"],
        "commitment_due": ["", "pas une date"],
    }
    response = client_for(dora).post(url, data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Appeler-zèbre" in body
    assert "pas une date" in body
    assert "n° 2" in body


def test_the_share_endpoint_widens_a_writing_and_answers_the_new_label(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "À partager")
    url = reverse("rooms:share", args=[meeting.pk])
    response = client_for(bob).post(url, {"step": APPRENTISSAGES, "slot": "apprentissages"}, **JSON)
    assert response.json() == {"ok": True, "visibility_label": "Visible par le cercle"}
    refused = client_for(bob).post(url, {"step": "x", "slot": "apprentissages"}, **JSON)
    assert refused.status_code == 400
    no_js = client_for(bob).post(url, {"step": APPRENTISSAGES, "slot": "apprentissages"})
    assert no_js.status_code == 302


def test_the_summary_page_lists_the_steps_and_the_readable_writings(meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=APPRENTISSAGES)
    save(meeting, dora, CONTRAT, "demande", "Demande-koala")
    save(meeting, dora, APPRENTISSAGES, "apprentissages", "Privé-koala")
    move_room(room, status="terminee")
    body = client_for(bob).get(reverse("rooms:summary", args=[meeting.pk])).content.decode()
    assert "Demande-koala" in body
    assert "Privé-koala" not in body
    assert "Consultation" in body
    assert "Apprentissages" in body


def test_the_subject_prepared_ahead_starts_the_clients_subject_slot(meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    ClientTurn.objects.filter(meeting=meeting, person=dora).update(subject="Préparé-ibis")
    room = open_room(meeting, step=EXPOSE)
    (slot,) = room_writing_for(room, dora)["slots"]
    assert (slot["key"], slot["text"], slot["version"]) == ("sujet", "Préparé-ibis", 0)
    assert "Préparé-ibis" not in str(room_writing_for(room, bob))  # read by the circle once written only
    save(meeting, dora, EXPOSE, "sujet", "Préparé-ibis, précisé")
    assert room_writing_for(room, dora)["slots"][0]["text"] == "Préparé-ibis, précisé"


def test_the_view_given_by_the_room_decides_the_step(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, status="attente")
    seen = type("View", (), {"status": "en_cours", "step": APPRENTISSAGES})()
    (slot,) = room_writing_for(room, bob, seen)["slots"]
    assert slot["key"] == "apprentissages"


def test_a_publishable_slot_says_who_reads_it(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    steps = room_steps()
    steps[APPRENTISSAGES]["slots"][0]["visibility"] = "publiable"
    room = open_room(meeting, step=APPRENTISSAGES, steps=steps)
    save(meeting, bob, APPRENTISSAGES, "apprentissages", "Publiable")
    (slot,) = room_writing_for(room, bob)["slots"]
    assert slot["visibility_label"] == "Visible par le cercle ; publiable seulement avec votre accord"
    assert slot["can_consent"]
    assert not slot["can_share"]
    response = client_for(bob).post(
        reverse("rooms:share", args=[meeting.pk]),
        {"step": APPRENTISSAGES, "slot": "apprentissages", "what": "publication"},
    )
    assert response.status_code == 302
    assert Artefact.objects.get().publication_consent_at is not None


def test_a_room_state_that_is_not_understood_gives_no_role_and_no_step(meeting, bob) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting)
    room.state = {"status": "en_cours", "step": "deux", "roles": [["x", "client"], [1]]}
    room.steps = ["pas une étape"]
    room.save()
    assert room_writing_for(room, bob)["slots"] == []


def test_without_a_previous_meeting_room_the_retour_is_empty(circle, meeting, bob, dora) -> None:  # type: ignore[no-untyped-def]
    next_room = open_room(make_meeting(circle, in_days=14), step=RETOUR)
    assert room_writing_for(next_room, dora)["retour"] == []  # the previous meeting had a client, no room
    first_room = open_room(make_meeting(circle, in_days=-30), step=RETOUR)
    assert room_writing_for(first_room, dora)["retour"] == []  # nobody was client before


def test_without_javascript_a_refused_write_or_share_comes_back_to_the_page_with_the_message(
    meeting, bob, claire
) -> None:  # type: ignore[no-untyped-def]
    open_room(meeting, step=APPRENTISSAGES)
    back = reverse("rooms:summary", args=[meeting.pk])
    denied = client_for(claire).post(
        reverse("rooms:write", args=[meeting.pk]), {"step": 6, "slot": "apprentissages", "text": "x"}
    )
    assert denied.status_code == 403
    refused = client_for(bob).post(
        reverse("rooms:share", args=[meeting.pk]), {"step": 6, "slot": "apprentissages"}, HTTP_REFERER=back
    )
    assert refused.status_code == 302
    assert refused["Location"] == back


def test_the_summary_costs_the_same_queries_whatever_the_number_of_writings(circle, meeting, alice) -> None:  # type: ignore[no-untyped-def]
    room = open_room(meeting, step=APPRENTISSAGES)

    def write_learnings(count: int) -> None:
        for _ in range(count):
            member = make_user()
            seat(circle, member)
            save(meeting, member, APPRENTISSAGES, "apprentissages", "Appris")
            artefact_share(meeting.pk, author=member, step=APPRENTISSAGES, slot_key="apprentissages")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = meeting_summary(meeting_id=meeting.pk, user=alice)
        assert page.steps[APPRENTISSAGES].items
        return len(captured)

    write_learnings(1)
    move_room(room, status="terminee")
    few = queries()
    write_learnings(10)
    assert queries() == few


def test_the_slot_partial_gives_the_script_what_it_needs_and_says_who_reads(meeting, dora) -> None:  # type: ignore[no-untyped-def]
    from django.template.loader import render_to_string

    room = open_room(meeting, step=SYNTHESE)
    save(meeting, dora, SYNTHESE, "plan", "Plan-macareux", commitments=_plan(("Engagement-macareux", "")))
    writing = room_writing_for(room, dora)
    (slot,) = writing["slots"]
    html = render_to_string(
        "rooms/_artefact_slot.html",
        {"slot": slot, "save_url": writing["save_url"], "share_url": writing["share_url"]},
    )
    assert f'data-save-url="{writing["save_url"]}"' in html
    assert f'data-step="{SYNTHESE}" data-slot="plan" data-version="1"' in html
    assert "Plan-macareux</textarea>" in html
    assert 'value="Engagement-macareux"' in html
    assert "Visible par vous et l&#x27;animation" in html
    assert "Enregistré à " in html
    assert "Partager avec le cercle" in html
