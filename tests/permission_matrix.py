"""The permission matrix: every URL × every persona, with the expected outcome and what must stay hidden.

This table is the policy as people meet it. ``tests/test_permission_matrix.py`` checks each cell
against the running site, fails when a URL pattern has no row, and checks that the table in
docs/confidentiality.md is the one printed by ``python -m tests.permission_matrix``.

Adding a URL: add a ``Row`` below (one per URL name; the admin and the account pages are covered by
one row per prefix). ``expect`` gives each persona's outcome; ``secrets`` names which of the world's
protected strings (``SECRETS``) the page may show, and to whom: for every other persona that string
must be absent from the response body. A page that shows a secret to a persona must actually show it
(the check runs both ways), so a row cannot pass by showing nothing to anybody.

Adding an object to the world (a meeting, a call…): extend ``tests/matrix_world.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

PERSONAS = ("anonymous", "outsider", "waiting", "member", "facilitator", "coordinator", "observer", "staff")
PERSONA_LABELS = {
    "anonymous": "visiteur",
    "outsider": "inscrit·e hors du cercle",
    "waiting": "en liste d'attente",
    "member": "membre",
    "facilitator": "animation",
    "coordinator": "coordination",
    "observer": "observation",
    "staff": "staff hors coordination",
}


class Outcome(Enum):
    OK = "ok"  # 200
    LOGIN = "connexion"  # 302 to a login page
    REDIRECT = "redirigé"  # 302 elsewhere (done, or sent back with a message)
    DENIED = "refusé"  # 403
    NOT_FOUND = "introuvable"  # 404
    REFUSED = "refusé (requête)"  # 400 or 409: the request is refused with a message


OK, LOGIN, REDIRECT, DENIED, NOT_FOUND, REFUSED = (
    Outcome.OK,
    Outcome.LOGIN,
    Outcome.REDIRECT,
    Outcome.DENIED,
    Outcome.NOT_FOUND,
    Outcome.REFUSED,
)

# Protected strings of the world (tests/matrix_world.py) and what they are, for the docs.
SECRETS = {
    "member_name": "le nom d'un·e membre",
    "waiting_name": "le nom d'une personne en liste d'attente",
    "applicant_name": "le nom d'une personne candidate",
    "application_message": "le message d'une candidature",
    "member_email": "l'adresse e-mail d'un·e membre",
    "own_learning": "les apprentissages privés d'un·e membre",
    "cofacilitator_learning": "les apprentissages privés d'une co-animatrice",
    "action_plan": "le plan d'action d'un·e client·e (non partagé)",
    "client_subject": "le sujet préparé par un·e client·e",
}

MANAGERS = frozenset({"facilitator", "coordinator"})
INSIDE = frozenset({"member", "facilitator", "coordinator"})


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(PERSONAS, outcome)


def signed_in(outcome: Outcome, **overrides: Outcome) -> dict[str, Outcome]:
    """Login for the anonymous visitor, ``outcome`` for everyone else unless overridden."""
    return {**everyone(outcome), "anonymous": LOGIN, **overrides}


def managers_only(outcome: Outcome, others: Outcome = DENIED) -> dict[str, Outcome]:
    return {**signed_in(others), "facilitator": outcome, "coordinator": outcome}


@dataclass(frozen=True)
class Row:
    name: str  # URL name ("circles:detail") or, for a prefix row, the prefix ("coordination/")
    path: Callable[[Any], str]  # world -> path
    expect: Mapping[str, Outcome]
    method: str = "GET"
    data: Callable[[Any], dict[str, Any]] | None = None
    secrets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    prefix: bool = False
    what: str = ""  # one line for the docs

    def __post_init__(self) -> None:
        missing = set(PERSONAS) - set(self.expect)
        if missing:
            raise ValueError(f"row {self.name} has no expectation for {sorted(missing)}")
        unknown = set(self.secrets) - set(SECRETS)
        if unknown:
            raise ValueError(f"row {self.name} names unknown secrets {sorted(unknown)}")


def _reverse(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


def _rsvp_path(w: Any) -> str:
    from cercles.reminders.services import rsvp_token

    return _reverse("reminders:rsvp", rsvp_token(meeting_id=w.meeting.pk, user_id=w.users["member"].pk, answer="oui"))


def _unsubscribe_path(w: Any) -> str:
    from cercles.reminders.services import unsubscribe_token

    return _reverse("reminders:unsubscribe", unsubscribe_token(user_id=w.users["member"].pk, circle_id=w.circle.pk))


def _month(moment: Any) -> str:
    from django.utils import timezone

    return str(timezone.localtime(moment).strftime("%Y-%m"))


def _codeveloppement() -> tuple[Any, Any]:
    from cercles.methods.library import CODEVELOPPEMENT
    from cercles.methods.protocol import parse_method

    method = parse_method(CODEVELOPPEMENT)
    return method, method.protocol("seance")


def _adaptation_data() -> dict[str, Any]:
    _, protocol = _codeveloppement()
    data: dict[str, Any] = {"version": 0}
    for phase in protocol.phases:
        data[f"count_{phase.key}"] = 1
        data[f"minutes_{phase.key}"] = phase.minutes
    return data


def _protocol_data() -> dict[str, Any]:
    from cercles.methods.forms import protocol_post_data

    method, protocol = _codeveloppement()
    return protocol_post_data(method, protocol, version=0)


ROWS: list[Row] = [
    Row(
        "circles:home",
        lambda w: _reverse("circles:home"),
        everyone(OK),
        secrets={"member_name": frozenset()},
        what="Accueil : le programme par besoin",
    ),
    Row(
        "circles:catalogue",
        lambda w: _reverse("circles:catalogue"),
        everyone(OK),
        secrets={"member_name": frozenset(), "waiting_name": frozenset()},
        what="Catalogue des cercles",
    ),
    Row(
        "circles:detail",
        lambda w: _reverse("circles:detail", w.circle.pk),
        everyone(OK),
        secrets={
            "member_name": INSIDE,
            "member_email": frozenset(),
            "waiting_name": MANAGERS,
            "applicant_name": MANAGERS,
            "application_message": MANAGERS,
        },
        what="Page d'un cercle (noms des membres : membres, animation, coordination)",
    ),
    Row(
        "circles:join",
        lambda w: _reverse("circles:join", w.circle.pk),
        # Everyone signed in sees the form or is sent back to the page with where they stand.
        signed_in(OK, waiting=REDIRECT, member=REDIRECT, facilitator=REDIRECT),
        secrets={"member_name": frozenset()},
        what="Rejoindre un cercle (pacte)",
    ),
    Row(
        "circles:leave",
        lambda w: _reverse("circles:leave", w.circle.pk),
        # The confirmation page: what leaving costs (the seat, the rank), to the person concerned only.
        signed_in(OK, outsider=REFUSED, coordinator=REFUSED, observer=REFUSED, staff=REFUSED),
        secrets={"member_name": frozenset(), "waiting_name": frozenset(), "applicant_name": frozenset()},
        what="Quitter un cercle ou sa liste d'attente : la confirmation",
    ),
    Row(
        "circles:leave",
        lambda w: _reverse("circles:leave", w.circle.pk),
        signed_in(REDIRECT, outsider=REFUSED, coordinator=REFUSED, observer=REFUSED, staff=REFUSED),
        method="POST",
        what="Quitter un cercle ou sa liste d'attente",
    ),
    Row(
        "circles:edit",
        lambda w: _reverse("circles:edit", w.circle.pk),
        managers_only(OK),
        secrets={"member_name": frozenset(), "application_message": frozenset()},
        what="Modifier un cercle",
    ),
    Row(
        "circles:facilitator_invite",
        lambda w: _reverse("circles:facilitator_invite", w.circle.pk),
        managers_only(REDIRECT),
        method="POST",
        data=lambda w: {"email": "invitee@exemple.fr"},
        what="Inviter une co-animation",
    ),
    Row(
        "circles:invitation_withdraw",
        lambda w: _reverse("circles:invitation_withdraw", w.circle.pk, w.invitation.pk),
        managers_only(REDIRECT),
        method="POST",
        what="Retirer une invitation à co-animer",
    ),
    Row(
        "circles:invitation",
        lambda w: _reverse("circles:invitation", w.invitation_token),
        # The signed link is the key: whoever holds it reads the invitation; accepting needs the account.
        everyone(OK),
        secrets={"member_name": frozenset(), "application_message": frozenset()},
        what="Invitation à co-animer (lien signé reçu par e-mail)",
    ),
    Row(
        "circles:facilitator_remove",
        lambda w: _reverse("circles:facilitator_remove", w.circle.pk, w.co_facilitation.pk),
        managers_only(REDIRECT),
        method="POST",
        what="Retirer une co-animation",
    ),
    Row(
        "circles:decide",
        lambda w: _reverse("circles:decide", w.circle.pk, w.application.pk),
        managers_only(REDIRECT),
        method="POST",
        data=lambda w: {"decision": "refuser", "message": ""},
        what="Répondre à une candidature",
    ),
    Row(
        "circles:my_circles",
        lambda w: _reverse("circles:my_circles"),
        signed_in(OK),
        secrets={"member_name": frozenset(), "application_message": frozenset()},
        what="Mes cercles",
    ),
    Row(
        "circles:figures",
        lambda w: _reverse("circles:figures"),
        signed_in(DENIED, coordinator=OK, observer=OK),
        secrets={"member_name": frozenset(), "waiting_name": frozenset(), "member_email": frozenset()},
        what="Le programme en chiffres (sans noms)",
    ),
    Row(
        "meetings:circle",
        lambda w: _reverse("meetings:circle", w.circle.pk),
        signed_in(DENIED, member=OK, facilitator=OK, coordinator=OK),
        secrets={"member_name": frozenset(), "waiting_name": frozenset()},
        what="Séances d'un cercle (dates, format, nombre de réponses)",
    ),
    Row(
        "meetings:plan", lambda w: _reverse("meetings:plan", w.circle.pk), managers_only(OK), what="Planifier le cycle"
    ),
    Row("meetings:add", lambda w: _reverse("meetings:add", w.circle.pk), managers_only(OK), what="Ajouter une séance"),
    Row(
        "meetings:poll_create",
        lambda w: _reverse("meetings:poll_create", w.circle.pk),
        managers_only(OK),
        what="Proposer des créneaux (trouver un créneau)",
    ),
    Row(
        "meetings:attestation",
        lambda w: _reverse("meetings:attestation", w.circle.pk),
        # Each person their own certificate; without any attendance there is nothing to certify.
        signed_in(REFUSED, member=OK),
        what="Attestation de participation (PDF, la sienne)",
    ),
    Row(
        "meetings:edit",
        lambda w: _reverse("meetings:edit", w.meeting.pk),
        managers_only(OK),
        what="Modifier une séance",
    ),
    Row(
        "meetings:cancel",
        lambda w: _reverse("meetings:cancel", w.meeting.pk),
        managers_only(REDIRECT),
        method="POST",
        what="Annuler une séance",
    ),
    Row(
        "meetings:join",
        lambda w: _reverse("meetings:join", w.meeting.pk),
        # Members and facilitators only: coordinators administer, they do not enter the room.
        signed_in(DENIED, member=OK, facilitator=OK),
        secrets={"member_name": frozenset()},
        what="Rejoindre une séance (ouvre 30 minutes avant)",
    ),
    Row(
        "meetings:ics",
        lambda w: _reverse("meetings:ics", w.meeting.pk),
        signed_in(DENIED, member=OK, facilitator=OK),
        secrets={"member_name": frozenset()},
        what="Une séance au format iCalendar (.ics)",
    ),
    Row(
        "meetings:rsvp",
        lambda w: _reverse("meetings:rsvp", w.meeting.pk),
        signed_in(DENIED, member=REDIRECT),
        method="POST",
        data=lambda w: {"answer": "oui"},
        what="Répondre à une séance (je viens / je ne viens pas)",
    ),
    Row(
        "meetings:attendance",
        lambda w: _reverse("meetings:attendance", w.past_meeting.pk),
        managers_only(OK),
        secrets={"member_name": MANAGERS},
        what="Présences d'une séance (nominatives : animation, coordination)",
    ),
    Row(
        "meetings:poll",
        lambda w: _reverse("meetings:poll", w.poll.pk),
        signed_in(DENIED, member=OK, facilitator=OK),
        secrets={"member_name": frozenset({"member", "facilitator"})},
        what="Trouver un créneau : le tableau des disponibilités",
    ),
    Row(
        "meetings:poll_pick",
        lambda w: _reverse("meetings:poll_pick", w.poll.pk),
        signed_in(DENIED, facilitator=REDIRECT),
        method="POST",
        data=lambda w: {"slot": str(w.poll.slots.get().pk)},
        what="Retenir un créneau",
    ),
    Row(
        "meetings:upcoming",
        lambda w: _reverse("meetings:upcoming"),
        signed_in(OK),
        secrets={"member_name": frozenset()},
        what="Mes prochaines séances",
    ),
    Row(
        "meetings:my_calendar",
        lambda w: _reverse("meetings:my_calendar"),
        signed_in(OK),
        what="Mon agenda (abonnement, fuseau)",
    ),
    Row(
        "meetings:feed",
        lambda w: _reverse("meetings:feed", w.feed_token),
        # The private address is the key (calendar programs have no session); a wrong one is a 404.
        everyone(OK),
        secrets={"member_name": frozenset()},
        what="Abonnement d'agenda privé (adresse à jeton)",
    ),
    Row(
        "meetings:programme_calendar",
        lambda w: _reverse("meetings:programme_calendar") + "?mois=" + _month(w.past_meeting.starts_at),
        signed_in(DENIED, coordinator=OK),
        secrets={"member_name": frozenset({"coordinator"}), "application_message": frozenset()},
        what="Calendrier du programme : comptes et présences nominatives (coordination)",
    ),
    Row(
        "rooms:room",
        lambda w: _reverse("rooms:room", w.meeting.pk),
        # Inside the circle only: coordinators and observers see that a meeting took place, never the room.
        signed_in(DENIED, member=OK, facilitator=OK),
        secrets={"member_name": frozenset({"member", "facilitator"}), "member_email": frozenset()},
        what="Salle de la séance (en direct : étape, temps, parole, rôles)",
    ),
    Row(
        "rooms:projector",
        lambda w: _reverse("rooms:projector", w.meeting.pk),
        signed_in(DENIED, member=OK, facilitator=OK),
        # Names appear there only for whoever holds the word; never an address.
        secrets={"member_email": frozenset()},
        what="Vue projection de la salle (étape, temps, parole en grand)",
    ),
    Row(
        "rooms:snapshot",
        lambda w: _reverse("rooms:snapshot", w.meeting.pk),
        signed_in(DENIED, member=OK, facilitator=OK),
        secrets={"member_name": frozenset({"member", "facilitator"}), "member_email": frozenset()},
        what="État de la salle (JSON relu à chaque changement)",
    ),
    Row(
        "rooms:command",
        lambda w: _reverse("rooms:command", w.meeting.pk),
        # Without JavaScript both come back to the room: the facilitator's start is done, the member's refused.
        signed_in(DENIED, member=REDIRECT, facilitator=REDIRECT),
        method="POST",
        data=lambda w: {"command": "start", "version": "1"},
        what="Commande de la salle (animation : étapes, temps, parole ; membres : main levée, je passe)",
    ),
    Row(
        "reminders:rsvp",
        lambda w: _rsvp_path(w),
        # The signed link is the key (no session in a mail program); the GET only shows one button.
        everyone(OK),
        secrets={"member_name": frozenset(), "member_email": frozenset()},
        what="Répondre depuis l'e-mail de rappel (lien signé ; le bouton enregistre en POST)",
    ),
    Row(
        "reminders:unsubscribe",
        lambda w: _unsubscribe_path(w),
        everyone(OK),
        secrets={"member_name": frozenset(), "member_email": frozenset()},
        what="Ne plus recevoir de rappels depuis l'e-mail (lien signé ; POST, un clic RFC 8058)",
    ),
    Row(
        "reminders:settings",
        lambda w: _reverse("reminders:settings", w.circle.pk),
        # The facilitators' word to their members: coordinators administer, they do not speak in a circle.
        signed_in(DENIED, facilitator=OK),
        secrets={"member_name": frozenset(), "member_email": frozenset()},
        what="Régler les rappels d'un cercle et le mot du prochain rappel (animation)",
    ),
    Row(
        "reminders:write",
        lambda w: _reverse("reminders:write", w.circle.pk),
        signed_in(DENIED, facilitator=OK),
        secrets={"member_name": frozenset(), "member_email": frozenset()},
        what="Écrire aux membres du cercle (animation ; adresses jamais montrées)",
    ),
    Row(
        "reminders:mine",
        lambda w: _reverse("reminders:mine"),
        # Only ever the signed-in person's own choices: the same page for everyone, about themselves.
        signed_in(OK),
        secrets={"member_name": frozenset(), "member_email": frozenset()},
        what="Mes rappels : les recevoir ou non, partout ou cercle par cercle (chacun·e les siens)",
    ),
    Row(
        "methods:list",
        lambda w: _reverse("methods:list"),
        everyone(OK),
        secrets={"member_name": frozenset()},
        what="Les méthodes des cercles",
    ),
    Row(
        "methods:detail",
        lambda w: _reverse("methods:detail", "codeveloppement"),
        everyone(OK),
        secrets={"member_name": frozenset()},
        what="Une méthode expliquée (étapes, rôles, qui lit quoi)",
    ),
    Row(
        "methods:circle",
        lambda w: _reverse("methods:circle", w.circle.pk),
        everyone(OK),
        secrets={"member_name": frozenset(), "waiting_name": frozenset(), "applicant_name": frozenset()},
        what="La méthode d'un cercle (son déroulé, sans noms)",
    ),
    Row(
        "methods:adapt",
        lambda w: _reverse("methods:adapt", w.circle.pk, "seance"),
        managers_only(OK),
        secrets={"member_name": frozenset()},
        what="Adapter la méthode pour un cercle",
    ),
    Row(
        "methods:adapt",
        lambda w: _reverse("methods:adapt", w.circle.pk, "seance"),
        managers_only(REDIRECT),
        method="POST",
        data=lambda w: _adaptation_data(),
        what="Adapter la méthode pour un cercle",
    ),
    Row(
        "methods:edit",
        lambda w: _reverse("methods:edit", "codeveloppement", "seance"),
        signed_in(DENIED, coordinator=OK),
        secrets={"member_name": frozenset()},
        what="Modifier la méthode d'un type de cercle",
    ),
    Row(
        "methods:edit",
        lambda w: _reverse("methods:edit", "codeveloppement", "seance"),
        signed_in(DENIED, coordinator=REDIRECT),
        method="POST",
        data=lambda w: _protocol_data(),
        what="Modifier la méthode d'un type de cercle",
    ),
    Row(
        "people:profile_edit",
        lambda w: _reverse("people:profile_edit"),
        signed_in(OK),
        secrets={"member_name": frozenset({"member"})},
        what="Mon profil (chacun·e le sien)",
    ),
    Row(
        "people:privacy",
        lambda w: _reverse("people:privacy"),
        everyone(OK),
        what="Données personnelles",
    ),
    Row(
        "people:organisation_suggestions",
        lambda w: _reverse("people:organisation_suggestions") + "?organisation_name=mairie",
        signed_in(OK),
        secrets={"member_name": frozenset(), "member_email": frozenset()},
        what="Suggestions d'organisations (noms validés, à partir de trois lettres)",
    ),
    Row(
        "people:consent",
        lambda w: _reverse("people:consent"),
        signed_in(OK),
        secrets={"member_name": frozenset()},
        what="Redonner son consentement (nouvelle version du texte, compte gelé)",
    ),
    Row(
        "people:consent_withdraw",
        lambda w: _reverse("people:consent_withdraw"),
        signed_in(OK),
        secrets={"member_name": frozenset()},
        what="Retirer son consentement : ce que cela veut dire",
    ),
    Row(
        "people:consent_withdraw",
        lambda w: _reverse("people:consent_withdraw"),
        signed_in(REDIRECT),
        method="POST",
        what="Retirer son consentement (le compte est gelé)",
    ),
    Row(
        "privacy:my_data",
        lambda w: _reverse("privacy:my_data"),
        signed_in(OK),
        secrets={"member_name": frozenset({"member"}), "member_email": frozenset({"member"})},
        what="Mes données (chacun·e les siennes)",
    ),
    Row(
        "privacy:my_data_json",
        lambda w: _reverse("privacy:my_data_json"),
        signed_in(OK),
        secrets={"member_name": frozenset({"member"}), "member_email": frozenset({"member"})},
        what="Télécharger mes données (JSON)",
    ),
    Row(
        "privacy:account_delete",
        lambda w: _reverse("privacy:account_delete"),
        signed_in(OK),
        secrets={"member_name": frozenset(), "member_email": frozenset()},
        what="Supprimer mon compte : la confirmation",
    ),
    Row(
        "privacy:account_delete",
        lambda w: _reverse("privacy:account_delete"),
        # Deleting needs a fresh re-authentication: everyone is first sent to sign in again.
        signed_in(REDIRECT),
        method="POST",
        data=lambda w: {"confirm": "on"},
        what="Supprimer mon compte (après une nouvelle authentification)",
    ),
    Row(
        "privacy:person_erase",
        lambda w: _reverse("privacy:person_erase", w.users["member"].pk),
        # The person themselves may reach it too (it is their own erasure); a coordinator on request.
        signed_in(DENIED, member=OK, coordinator=OK),
        secrets={"member_name": frozenset({"member", "coordinator"}), "waiting_name": frozenset()},
        what="Effacer les données d'une personne à sa demande (coordination)",
    ),
    Row("health", lambda w: _reverse("health"), everyone(OK), what="Sonde de santé"),
    Row("legal_notice", lambda w: _reverse("legal_notice"), everyone(OK), what="Mentions légales"),
    Row("accessibility", lambda w: _reverse("accessibility"), everyone(OK), what="Déclaration d'accessibilité"),
    Row(
        "identity_edit",
        lambda w: _reverse("identity_edit"),
        signed_in(DENIED, coordinator=OK),
        what="Identité du programme (nom, description, logo, couleur)",
    ),
    Row(
        "identity_stylesheet",
        lambda w: _reverse("identity_stylesheet", 0),
        everyone(OK),
        what="Feuille de style de la couleur d'accent",
    ),
    Row(
        "identity_logo",
        lambda w: _reverse("identity_logo", 0, "png"),
        everyone(NOT_FOUND),
        what="Logo du programme (introuvable tant qu'aucun n'est choisi)",
    ),
    Row(
        "site_map",
        lambda w: _reverse("site_map"),
        everyone(OK),
        what="Plan du site (les pages que chacun·e peut ouvrir)",
    ),
    Row(
        "set_language",
        lambda w: _reverse("set_language"),
        everyone(REDIRECT),
        method="POST",
        data=lambda w: {"language": "en", "next": "/"},
        what="Choisir la langue",
    ),
    Row(
        "admin:circles_circle_export",
        lambda w: _reverse("admin:circles_circle_export", w.circle.pk, "csv"),
        {**everyone(LOGIN), "coordinator": OK},
        secrets={
            "member_name": frozenset({"coordinator"}),
            "member_email": frozenset({"coordinator"}),
            "waiting_name": frozenset({"coordinator"}),
            "applicant_name": frozenset({"coordinator"}),
            "application_message": frozenset(),
        },
        what="Export des participants d'un cercle (CSV ou ODS)",
    ),
    Row(
        "admin:circles_circle_cancel",
        lambda w: _reverse("admin:circles_circle_cancel", w.circle.pk),
        {**everyone(LOGIN), "coordinator": REDIRECT},
        method="POST",
        data=lambda w: {"reason": "Faute d'animation."},
        secrets={"member_name": frozenset(), "waiting_name": frozenset()},
        what="Annuler un cercle (les inscrits sont prévenus)",
    ),
    Row(
        "admin:circles_circle_archive",
        lambda w: _reverse("admin:circles_circle_archive", w.circle.pk),
        {**everyone(LOGIN), "coordinator": OK},
        secrets={"member_name": frozenset(), "waiting_name": frozenset()},
        what="Archiver un cercle (page de confirmation)",
    ),
    Row(
        "coordination/",
        lambda w: "/coordination/circles/circle/",
        {**everyone(LOGIN), "coordinator": OK},
        prefix=True,
        secrets={"application_message": frozenset()},
        what="Pages de coordination (toutes les adresses sous /coordination/)",
    ),
    Row(
        "compte/",
        lambda w: "/compte/email/",
        signed_in(OK),
        secrets={"member_email": frozenset({"member"})},
        prefix=True,
        what="Pages du compte (toutes les adresses sous /compte/)",
    ),
]

COORDINATION_ONLY = signed_in(DENIED, coordinator=OK)


def _coordination_only(outcome: Outcome) -> dict[str, Outcome]:
    return signed_in(DENIED, coordinator=outcome)


FORMATION_ROWS: list[Row] = [
    Row(
        "formation:calls",
        lambda w: _reverse("formation:calls"),
        everyone(OK),
        secrets={"applicant_name": frozenset()},
        what="Appels à candidatures",
    ),
    Row(
        "formation:apply",
        lambda w: _reverse("formation:apply", w.formation.call.pk),
        everyone(OK),
        secrets={"applicant_name": frozenset(), "application_message": frozenset()},
        what="Page d'un appel et candidature (chacun·e voit la sienne)",
    ),
    Row(
        "formation:apply",
        lambda w: _reverse("formation:apply", w.formation.call.pk),
        signed_in(REDIRECT),
        method="POST",
        data=lambda w: {"motivation": "Apprendre.", "slots": [w.formation.call.slots.first().pk]},
        what="Candidater à un appel",
    ),
    Row(
        "formation:withdraw",
        lambda w: _reverse("formation:withdraw", w.formation.call.pk),
        signed_in(REFUSED),  # only the applicant has an application to withdraw
        method="POST",
        what="Retirer sa candidature à un appel",
    ),
    Row(
        "formation:seat",
        lambda w: _reverse("formation:seat", w.formation.application.pk),
        signed_in(DENIED),  # the applicant's own page only
        secrets={"application_message": frozenset(), "applicant_name": frozenset()},
        what="Place proposée après la formation des groupes (la personne concernée seulement)",
    ),
    Row(
        "formation:manage_list",
        lambda w: _reverse("formation:manage_list"),
        COORDINATION_ONLY,
        what="Formation des groupes : les appels",
    ),
    Row(
        "formation:call_create",
        lambda w: _reverse("formation:call_create"),
        COORDINATION_ONLY,
        what="Ouvrir un appel à candidatures",
    ),
    Row(
        "formation:call_edit",
        lambda w: _reverse("formation:call_edit", w.formation.call.pk),
        COORDINATION_ONLY,
        secrets={"applicant_name": frozenset(), "application_message": frozenset()},
        what="Modifier un appel tant que ses groupes ne sont pas publiés",
    ),
    Row(
        "formation:call_edit",
        lambda w: _reverse("formation:call_edit", w.formation.call.pk),
        _coordination_only(REFUSED),  # an empty form: refused with its messages, the call unchanged
        method="POST",
        what="Enregistrer la modification d'un appel",
    ),
    Row(
        "formation:manage",
        lambda w: _reverse("formation:manage", w.formation.call.pk),
        COORDINATION_ONLY,
        secrets={"applicant_name": frozenset({"coordinator"}), "application_message": frozenset({"coordinator"})},
        what="Gestion d'un appel : les candidatures (la coordination seulement ; l'animation n'en voit rien)",
    ),
    Row(
        "formation:run_start",
        lambda w: _reverse("formation:run_start", w.formation.call.pk),
        _coordination_only(REDIRECT),
        method="POST",
        what="Lancer la formation des groupes",
    ),
    Row(
        "formation:run",
        lambda w: _reverse("formation:run", w.formation.run.pk),
        COORDINATION_ONLY,
        secrets={"applicant_name": frozenset({"coordinator"}), "application_message": frozenset()},
        what="Progression ou résultat d'un calcul de groupes",
    ),
    Row(
        "formation:run_progress",
        lambda w: _reverse("formation:run_progress", w.formation.run.pk),
        COORDINATION_ONLY,
        secrets={"applicant_name": frozenset()},
        what="Progression d'un calcul (fragment interrogé par la page)",
    ),
    Row(
        "formation:run_cancel",
        lambda w: _reverse("formation:run_cancel", w.formation.run.pk),
        _coordination_only(REDIRECT),
        method="POST",
        what="Annuler un calcul",
    ),
    Row(
        "formation:run_preview",
        lambda w: (
            _reverse("formation:run_preview", w.formation.run.pk) + f"?person={w.formation.application.pk}&group="
        ),
        COORDINATION_ONLY,
        secrets={"application_message": frozenset()},
        what="Aperçu de l'effet d'un déplacement (fragment)",
    ),
    Row(
        "formation:run_edit",
        lambda w: _reverse("formation:run_edit", w.formation.run.pk),
        _coordination_only(REDIRECT),
        method="POST",
        data=lambda w: {"version": 0, "person": str(w.formation.application.pk), "group": ""},
        what="Déplacer ou échanger des personnes à la main",
    ),
    Row(
        "formation:run_lock",
        lambda w: _reverse("formation:run_lock", w.formation.run.pk, 1),
        _coordination_only(REDIRECT),
        method="POST",
        what="Garder un groupe pour la relance",
    ),
    Row(
        "formation:run_rerun",
        lambda w: _reverse("formation:run_rerun", w.formation.run.pk),
        _coordination_only(REDIRECT),
        method="POST",
        what="Relancer le calcul pour les groupes non gardés",
    ),
    Row(
        "formation:run_replay",
        lambda w: _reverse("formation:run_replay", w.formation.run.pk),
        _coordination_only(REDIRECT),
        method="POST",
        what="Rejouer un calcul à l'identique",
    ),
    Row(
        "formation:publish",
        lambda w: _reverse("formation:publish", w.formation.run.pk),
        _coordination_only(REDIRECT),
        method="POST",
        what="Publier les groupes (cercles créés, places proposées)",
    ),
    Row(
        "formation:placement_move",
        lambda w: _reverse("formation:placement_move", w.formation.call.pk),
        _coordination_only(REFUSED),  # the world's call is not published yet
        method="POST",
        data=lambda w: {"application": w.formation.application.pk, "circle": w.circle.pk},
        what="Changer une personne de cercle après publication",
    ),
]
ROWS += FORMATION_ROWS

# What is written in a meeting's room, the client turns and the summary: inside the circle only, and
# inside it each writing to whom its slot's visibility allows (the world's past meeting: Bob was the
# client, wrote his action plan and private learnings; Fanny, co-facilitating, wrote hers).
ROOM_WRITING_ROWS: list[Row] = [
    Row(
        "rooms:write",
        lambda w: _reverse("rooms:write", w.past_meeting.pk),
        signed_in(DENIED, member=REDIRECT, facilitator=REDIRECT),
        method="POST",
        data=lambda w: {"step": "6", "slot": "apprentissages", "text": "Encore une chose", "version": "1"},
        what="Écrire dans la salle (brouillon enregistré au fil de la frappe)",
    ),
    Row(
        "rooms:share",
        lambda w: _reverse("rooms:share", w.past_meeting.pk),
        # The member shares their own learnings; the facilitator's draft there is empty: nothing to share.
        signed_in(DENIED, member=REDIRECT, facilitator=REFUSED),
        method="POST",
        data=lambda w: {"step": "6", "slot": "apprentissages", "what": "cercle"},
        what="Partager un écrit avec le cercle, accepter sa publication",
    ),
    Row(
        "rooms:summary",
        lambda w: _reverse("rooms:summary", w.past_meeting.pk),
        # Coordinators see that the meeting took place and how many came (meetings' pages), never this.
        signed_in(DENIED, member=OK, facilitator=OK),
        secrets={
            "own_learning": frozenset({"member"}),
            "cofacilitator_learning": frozenset(),
            "action_plan": frozenset({"member", "facilitator"}),
            "client_subject": frozenset(),
            "member_email": frozenset(),
        },
        what="Compte rendu d'une séance (ce que chacun·e peut lire)",
    ),
    Row(
        "rooms:client",
        lambda w: _reverse("rooms:client", w.meeting.pk),
        signed_in(DENIED, member=OK, facilitator=OK),
        secrets={
            "client_subject": frozenset({"member", "facilitator"}),
            "own_learning": frozenset(),
            "action_plan": frozenset(),
            "member_email": frozenset(),
        },
        what="Client·e de codéveloppement : proposition, choix, échange, sujet préparé (client·e et animation)",
    ),
]
ROWS += ROOM_WRITING_ROWS


def markdown_table() -> str:
    """The matrix as docs/confidentiality.md shows it."""
    header = "| page | " + " | ".join(PERSONA_LABELS[p] for p in PERSONAS) + " |"
    lines = [header, "|" + "---|" * (len(PERSONAS) + 1)]
    for row in ROWS:
        label = row.what or row.name
        method = "" if row.method == "GET" else f" ({row.method})"
        cells = " | ".join(row.expect[p].value for p in PERSONAS)
        lines.append(f"| {label}{method} | {cells} |")
    lines.append("")
    lines.append("What each page may show, and to whom (absent for everyone else, checked on every cell):")
    lines.append("")
    for row in ROWS:
        shown = [
            f"{SECRETS[key]} → {', '.join(PERSONA_LABELS[p] for p in PERSONAS if p in who) or 'personne'}"
            for key, who in row.secrets.items()
        ]
        if shown:
            lines.append(f"- {row.what or row.name}: " + "; ".join(shown))
    return "\n".join(lines) + "\n"


DOC_START = "<!-- permission-matrix:start (generated by `python -m tests.permission_matrix --write`) -->"
DOC_END = "<!-- permission-matrix:end -->"


def doc_with_table(doc: str) -> str:
    before, _, rest = doc.partition(DOC_START)
    _, _, after = rest.partition(DOC_END)
    return f"{before}{DOC_START}\n{markdown_table()}{DOC_END}{after}"


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    from pathlib import Path

    doc_path = Path(__file__).resolve().parent.parent / "docs" / "confidentiality.md"
    if "--write" in sys.argv:
        doc_path.write_text(doc_with_table(doc_path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(markdown_table())
