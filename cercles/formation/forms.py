from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import CircleKind, MeetingFormat
from cercles.formation.models import Call, CallSlot, Territory
from cercles.formation.services import CallFields

WEIGHT_HELP = _("0 : ne compte pas ; plus le nombre est grand, plus cet écart compte.")


class CallForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Type de cercle"), queryset=CircleKind.objects.all())
    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(label=_("Présentation"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    opens_at = forms.DateTimeField(
        label=_("Candidatures à partir du"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Candidatures jusqu'au"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    cycle_starts_on = forms.DateField(label=_("Début du cycle"), widget=forms.DateInput(attrs={"type": "date"}))
    min_size = forms.IntegerField(
        label=_("Taille minimale d'un groupe"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=_("Vide : celle du type de cercle."),
    )
    max_size = forms.IntegerField(
        label=_("Taille maximale d'un groupe"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=_("Vide : celle du type de cercle."),
    )
    slots_text = forms.CharField(
        label=_("Créneaux proposés"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Un par ligne, par exemple « mardi 9h–12h » ou « jeudi 14h-17h »."),
    )
    weight_organisation = forms.IntegerField(
        label=_("Poids : organisation"), min_value=0, max_value=10, initial=3, help_text=WEIGHT_HELP
    )
    weight_organisation_type = forms.IntegerField(
        label=_("Poids : type d'organisation"), min_value=0, max_value=10, initial=2
    )
    weight_job_family = forms.IntegerField(label=_("Poids : famille de métiers"), min_value=0, max_value=10, initial=2)
    weight_territory = forms.IntegerField(label=_("Poids : territoire"), min_value=0, max_value=10, initial=1)
    territory = forms.ChoiceField(label=_("Territoire comparé"), choices=Territory.choices)
    same_organisation_allowed = forms.BooleanField(
        label=_("Des personnes de la même organisation peuvent être dans le même groupe"), required=False
    )
    meeting_format = forms.ChoiceField(label=_("Format"), choices=MeetingFormat.choices)
    seat_delay_days = forms.IntegerField(
        label=_("Délai pour accepter sa place (jours)"), min_value=1, max_value=60, initial=7
    )
    time_budget_seconds = forms.IntegerField(
        label=_("Temps de calcul (secondes)"), min_value=1, max_value=300, initial=20
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("opens_at", now.strftime("%Y-%m-%dT%H:%M"))
            self.initial.setdefault("closes_at", (now + datetime.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M"))
            self.initial.setdefault("cycle_starts_on", (now + datetime.timedelta(days=35)).date().isoformat())

    def fields_for_service(self) -> tuple[int, CallFields]:
        data = dict(self.cleaned_data)
        kind: CircleKind = data.pop("kind")
        data["min_size"] = data["min_size"] or kind.min_size
        data["max_size"] = data["max_size"] or kind.max_size
        return kind.pk, CallFields(**data)


class ApplicationForm(forms.Form):
    motivation = forms.CharField(
        label=_("Ce que vous venez chercher"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    slots = forms.ModelMultipleChoiceField(
        label=_("Vos créneaux possibles (au moins un)"),
        queryset=CallSlot.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un créneau où vous êtes disponible.")},
    )
    avoid_text = forms.CharField(
        label=_("Pas avec (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Des personnes avec qui vous préférez ne pas être : nom et prénom ou adresse e-mail, une par ligne. "
            "Seule l'équipe du programme lit cette liste."
        ),
    )
    avoid_same_organisation = forms.BooleanField(
        label=_("Personne de ma collectivité (par exemple pour un lien hiérarchique)"), required=False
    )
    with_text = forms.CharField(
        label=_("Avec (facultatif)"),
        required=False,
        max_length=200,
        help_text=_(
            "Un·e collègue avec qui vous souhaitez être : retenu seulement si cette personne vous nomme aussi. "
            "Vous pourrez alors être ensemble même si l'appel sépare les personnes d'une même organisation."
        ),
    )

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slots = self.fields["slots"]
        assert isinstance(slots, forms.ModelMultipleChoiceField)
        slots.queryset = CallSlot.objects.filter(call=call)
        slots.label_from_instance = lambda slot: slot.label  # type: ignore[method-assign,assignment]


class SeatForm(forms.Form):
    pact = forms.BooleanField(label=_("J'accepte le pacte de confidentialité du cercle"), required=False)


class EditForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    person = forms.CharField(max_length=20)
    group = forms.CharField(max_length=10, required=False)
    swap_with = forms.CharField(max_length=20, required=False)

    def target(self) -> tuple[str, int | None, str | None]:
        """(person, group or None for "out of every group", the other person of a swap or None)."""
        data = self.cleaned_data
        swap = data.get("swap_with") or None
        raw = (data.get("group") or "").strip()
        group = int(raw) - 1 if raw.isdigit() else None
        return data["person"], group, swap


class MoveForm(forms.Form):
    application = forms.IntegerField(min_value=1)
    circle = forms.IntegerField(min_value=1)
