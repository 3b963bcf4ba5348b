"""The six circle kinds of the programme, with the defaults a new circle starts from.

Sizes, counts and lengths follow docs/methods (the programme's choices where the methods give no figure).
"""

from django.db import migrations

PACT = (
    "Ce qui se dit dans le cercle reste dans le cercle : je ne rapporte à l'extérieur ni les propos ni les "
    "situations des autres membres sans leur accord.\n"
    "Je parle en mon nom, depuis mon expérience, et j'écoute sans juger.\n"
    "Je m'engage à venir aux rencontres du cycle et à prévenir si je ne peux pas.\n"
    "Chacun·e peut se taire, passer son tour ou quitter le cercle à tout moment."
)

KINDS = [
    {
        "slug": "reconnexion",
        "name": "Clés de reconnexion à soi et aux autres",
        "need": "prendre_soin",
        "purpose": "Prendre soin de soi et des autres : un temps pour souffler, déposer ce qui pèse et retrouver du lien.",
        "method_summary": "Chaque rencontre s'ouvre par une météo, se poursuit par des tours de parole sur une question "
        "(la parole circule, personne ne coupe ni ne commente) et se clôt par un tour de sortie.",
        "min_size": 6, "max_size": 12, "default_meeting_count": 6, "default_rhythm": "mensuel",
        "default_duration_minutes": 90, "position": 1,
    },
    {
        "slug": "codeveloppement",
        "name": "Codéveloppement professionnel",
        "need": "entraide",
        "purpose": "S'entraider et prendre du recul sur une situation professionnelle réelle, avec des pairs d'autres organisations.",
        "method_summary": "La méthode Payette et Champagne en six étapes : exposé du client, clarification, contrat, "
        "consultation, synthèse et plan d'action, apprentissages. Chaque membre est client une fois par cycle.",
        "min_size": 5, "max_size": 8, "default_meeting_count": 6, "default_rhythm": "mensuel",
        "default_duration_minutes": 150, "position": 2,
    },
    {
        "slug": "arpentage",
        "name": "Arpentage",
        "need": "etayage",
        "purpose": "Lire ensemble un livre exigeant pour relier la réflexion à l'action dans nos organisations.",
        "method_summary": "Le livre est partagé entre les lecteurs ; chacun lit sa partie en silence, la restitue dans "
        "l'ordre des pages, puis le groupe débat et produit une trace commune.",
        "min_size": 6, "max_size": 12, "default_meeting_count": 4, "default_rhythm": "mensuel",
        "default_duration_minutes": 120, "position": 3,
    },
    {
        "slug": "theorie-u",
        "name": "Pratiquer les outils de la Théorie U",
        "need": "theorie_u",
        "purpose": "S'exercer aux outils de la Théorie U pour écouter autrement et faire émerger le nouveau.",
        "method_summary": "Au cœur de chaque rencontre, une clinique de cas en petits groupes de 4 à 5 (intention, silence, "
        "effet miroir, dialogue génératif), avec un porteur de cas qui change à chaque fois ; d'autres outils en modules.",
        "min_size": 5, "max_size": 10, "default_meeting_count": 6, "default_rhythm": "bimensuel",
        "default_duration_minutes": 90, "position": 4,
    },
    {
        "slug": "collaboratif",
        "name": "Faire grandir le collaboratif dans mon organisation",
        "need": "collaboratif",
        "purpose": "Implanter, diffuser et faire grandir les pratiques collaboratives au sein de mon organisation.",
        "method_summary": "Consultation en trio, « solutions 15 % » (ce que je peux faire dès maintenant), grille de maturité "
        "et suivi des actions d'une rencontre à l'autre.",
        "min_size": 6, "max_size": 10, "default_meeting_count": 5, "default_rhythm": "mensuel",
        "default_duration_minutes": 120, "position": 5,
    },
    {
        "slug": "groupe-de-travail",
        "name": "Groupe de travail",
        "need": "groupe_de_travail",
        "purpose": "Avancer ensemble sur un sujet concret et produire une ressource commune.",
        "method_summary": "Météo d'ouverture, rôles du jour (animation, prise de notes, gardien du temps), notes partagées "
        "et actions décidées.",
        "min_size": 3, "max_size": 12, "default_meeting_count": None, "default_rhythm": "libre",
        "default_duration_minutes": 60, "position": 6,
    },
]


def load(apps, schema_editor):
    CircleKind = apps.get_model("circles", "CircleKind")
    for kind in KINDS:
        CircleKind.objects.update_or_create(slug=kind["slug"], defaults={**kind, "default_pact": PACT})


class Migration(migrations.Migration):
    dependencies = [("circles", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
