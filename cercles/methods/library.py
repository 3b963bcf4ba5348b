"""The methods the programme ships, as protocol documents (loaded into the database by a migration).

Facts from the programme's research notes on facilitation methods (§1, codéveloppement professionnel,
Payette & Champagne): the canonical six steps, opened by the previous client's report; roles client,
consultants, animateur; durations from the notes' quick timing table (ranges cover the sources);
a first meeting adds the group's agreement; late in a cycle a meeting may hold two clients.
Pure data: no Django, so that ``parse_method(CODEVELOPPEMENT)`` can be checked anywhere.
"""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]

CODEVELOPPEMENT_SLUG = "codeveloppement"
# The roles a meeting's client turns give (position 1, position 2 in the two-client variant), and the
# role of the previous meeting's client, who tells the group what became of their action plan.
CLIENT_ROLES = ("client", "client_2")
PREVIOUS_CLIENT_ROLE = "client_precedent"
# The slots where a client's subject prepared ahead starts their text (slot key -> client turn position).
SUBJECT_SLOTS = {"sujet": 1, "sujet_2": 2}


def _phase(key: str, name: str, instructions: str, minutes: tuple[int, int, int], mode: str, **extra: Any) -> Document:
    low, default, high = minutes
    return {
        "key": key,
        "name": name,
        "instructions": instructions,
        "min_minutes": low,
        "minutes": default,
        "max_minutes": high,
        "mode": mode,
        **extra,
    }


def _slot(
    key: str, name: str, visibility: str, writers: tuple[str, ...] = (), help_text: str = "", **flags: bool
) -> Document:
    return {"key": key, "name": name, "visibility": visibility, "writers": list(writers), "help": help_text, **flags}


RETOUR = _phase(
    "retour",
    "Retour du client précédent",
    "Le ou la client·e de la séance précédente raconte ce qu'il ou elle a essayé depuis, ce qui a marché "
    "et ce qui reste à faire. Ses engagements s'affichent pour celles et ceux qui peuvent les lire.",
    (5, 10, 20),
    "un_orateur",
    speakers=["client_precedent"],
    slots=[_slot("retour", "Ce que j'ai essayé depuis", "cercle", ("client_precedent",))],
)

ACCORD = _phase(
    "accord",
    "Présentation de la méthode et accord du groupe",
    "L'animation présente les étapes et les rôles. Le groupe se donne ses règles de fonctionnement : "
    "confidentialité, bienveillance, parler vrai, engagement pour tout le cycle, et ce qu'il y ajoute.",
    (15, 30, 45),
    "libre",
    prompts=[
        "Qu'est-ce qui me permettra de parler vrai dans ce groupe ?",
        "De quoi ai-je besoin pour m'engager jusqu'au bout du cycle ?",
    ],
    slots=[
        _slot(
            "accord",
            "L'accord du groupe",
            "cercle",
            ("animateur",),
            "Les règles que le groupe se donne, relues au début des séances suivantes.",
        )
    ],
)


def _consultation_steps(suffix: str = "", label: str = "") -> list[Document]:
    """The five steps of one client's consultation; ``suffix`` and ``label`` tell two clients apart."""
    client = f"client{suffix}"
    return [
        _phase(
            f"expose{suffix}",
            f"Exposé de la problématique{label}",
            "Le ou la client·e présente sa situation : le contexte, ce qui bloque, ce qu'il ou elle attend "
            "du groupe. Personne ne l'interrompt.",
            (5, 10, 15),
            "un_orateur",
            speakers=[client],
            slots=[
                _slot(
                    f"sujet{suffix}",
                    "Mon sujet",
                    "cercle",
                    (client,),
                    "Un problème, une préoccupation ou un projet réel et actuel, dont vous êtes acteur ou actrice. "
                    "Vous pouvez le préparer avant la séance.",
                    pinned=True,
                )
            ],
        ),
        _phase(
            f"clarification{suffix}",
            f"Clarification{label}",
            "Les consultant·es posent des questions d'information ; le ou la client·e y répond. "
            "Des questions seulement : ni conseil, ni suggestion déguisée.",
            (10, 15, 20),
            "libre",
            speakers=["consultant", client],
            prompts=["Qui ? Quoi ? Où ? Quand ? Comment ? Qu'avez-vous déjà essayé ?"],
        ),
        _phase(
            f"contrat{suffix}",
            f"Contrat{label}",
            "Le ou la client·e dit précisément l'aide attendue, souvent en une question. Les consultant·es "
            "vérifient qu'ils et elles peuvent y répondre. La demande reste affichée pendant la consultation.",
            (5, 10, 15),
            "libre",
            speakers=[client, "consultant"],
            slots=[_slot(f"demande{suffix}", "Ma demande au groupe", "cercle", (client,), pinned=True)],
        ),
        _phase(
            f"consultation{suffix}",
            f"Consultation{label}",
            "Les consultant·es proposent impressions, hypothèses, témoignages, idées et questions de réflexion. "
            "Le ou la client·e écoute et note, sans répondre ni se justifier, sauf pour dire que le groupe "
            "s'éloigne du contrat.",
            (15, 25, 40),
            "libre",
            speakers=["consultant"],
            slots=[
                _slot(f"contributions{suffix}", "Contributions", "cercle", ("consultant",)),
                _slot(f"notes{suffix}", "Mes notes", "auteur", (client,)),
            ],
        ),
        _phase(
            f"synthese{suffix}",
            f"Synthèse et plan d'action{label}",
            "Le ou la client·e dit ce qu'il ou elle retient et ce qu'il ou elle va faire : objectif, étapes, "
            "ressources, échéances, indicateurs. Le ou la client·e seul·e choisit ce qu'il ou elle garde.",
            (10, 15, 20),
            "un_orateur",
            speakers=[client],
            slots=[
                _slot(
                    f"plan{suffix}",
                    "Mon plan d'action",
                    "auteur_animation",
                    (client,),
                    "Vos engagements et leurs dates. Visibles par vous et l'animation ; "
                    "vous pouvez les partager avec le cercle.",
                    commitments=True,
                )
            ],
        ),
    ]


APPRENTISSAGES = _phase(
    "apprentissages",
    "Apprentissages",
    "Chacun·e, client·e compris·e, dit ce qu'il ou elle a appris : sur le sujet, sur soi, sur la méthode. "
    "On peut passer son tour.",
    (5, 10, 15),
    "tour",
    prompts=[
        "Qu'est-ce que j'ai appris sur le sujet ?",
        "Qu'est-ce que j'ai appris sur moi-même ?",
        "Qu'est-ce que j'ai appris sur la manière d'aider ?",
    ],
    slots=[_slot("apprentissages", "Mes apprentissages", "auteur", (), "Privés : vous seul·e les lisez.")],
)

_ROLES = [
    {
        "key": "client",
        "name": "Client·e",
        "description": "Apporte un problème, une préoccupation ou un projet réel, actuel, dont il ou elle est acteur.",
    },
    {
        "key": "client_2",
        "name": "Second·e client·e",
        "description": "Dans une rencontre à deux client·es, apporte le second sujet.",
    },
    {
        "key": "consultant",
        "name": "Consultant·e",
        "description": "Questionne, puis offre impressions, hypothèses, expériences et idées ; ne décide jamais "
        "à la place du ou de la client·e.",
    },
    {
        "key": "animateur",
        "name": "Animateur·rice",
        "description": "Garde la méthode, le temps et les règles ; n'est pas consultant·e.",
    },
    {
        "key": "client_precedent",
        "name": "Client·e de la séance précédente",
        "description": "Raconte au groupe ce qu'il ou elle a fait de son plan d'action.",
    },
]

CODEVELOPPEMENT: Document = {
    "slug": CODEVELOPPEMENT_SLUG,
    "name": "Codéveloppement professionnel",
    "summary": "Un petit groupe stable aide l'un·e de ses membres, le ou la client·e, sur une situation "
    "professionnelle réelle, par une consultation en étapes fixes. Chacun·e est client·e une fois par cycle. "
    "Le but : que chacun·e améliore sa pratique, pas seulement résoudre le problème.",
    "roles": _ROLES,
    "default_role": "consultant",
    "facilitator_role": "animateur",
    "rules": [
        "Confidentialité : ce qui est dit dans le groupe reste dans le groupe.",
        "Bienveillance et non-jugement.",
        "Parler vrai.",
        "Engagement : venir à toutes les séances du cycle.",
        "Pendant l'exposé, personne n'interrompt le ou la client·e.",
        "Pendant la clarification, des questions seulement.",
        "Le ou la client·e seul·e choisit ce qu'il ou elle garde.",
    ],
    "protocols": [
        {
            "key": "seance",
            "name": "Une séance (un·e client·e)",
            "when": "La séance habituelle : un·e client·e, environ 1 h 30.",
            "phases": [RETOUR, *_consultation_steps(), APPRENTISSAGES],
        },
        {
            "key": "premiere_seance",
            "name": "Première séance",
            "when": "La première rencontre du cycle : la méthode est présentée et le groupe se donne ses règles "
            "avant la première consultation.",
            "phases": [ACCORD, *_consultation_steps(), APPRENTISSAGES],
        },
        {
            "key": "deux_clients",
            "name": "Deux client·es",
            "when": "Plus tard dans le cycle, quand le groupe est rodé : deux consultations dans la même rencontre.",
            "phases": [
                RETOUR,
                *_consultation_steps("", " (1er client·e)"),
                *_consultation_steps("_2", " (2e client·e)"),
                APPRENTISSAGES,
            ],
        },
    ],
}

SHIPPED: dict[str, Document] = {CODEVELOPPEMENT_SLUG: CODEVELOPPEMENT}
