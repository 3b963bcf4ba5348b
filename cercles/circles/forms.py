from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import ApprovalMode, Circle, CircleStatus, MeetingFormat, Need, Rhythm
from cercles.circles.selectors import CatalogueFilters, kind_list
from cercles.people.models import Departement, Region


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), max_length=200, required=False)
    besoin = forms.ChoiceField(label=_("Besoin"), required=False, choices=[("", _("Tous")), *Need.choices])
    type = forms.ChoiceField(label=_("Type de cercle"), required=False)
    statut = forms.ChoiceField(label=_("Statut"), required=False, choices=[("", _("Tous")), *CircleStatus.choices])
    format = forms.ChoiceField(label=_("Format"), required=False, choices=[("", _("Tous")), *MeetingFormat.choices])
    region = forms.ChoiceField(label=_("Région"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ChoiceField)
        type_field.choices = [("", _("Tous")), *((kind.slug, kind.name) for kind in kind_list())]
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [("", _("Toutes")), *Region.objects.order_by("name").values_list("code", "name")]

    def filters(self) -> CatalogueFilters:
        """The valid filters only: a malformed value is dropped, never an error page."""
        self.is_valid()
        data = self.cleaned_data
        return CatalogueFilters(
            query=data.get("q", ""),
            kind=data.get("type", ""),
            status=data.get("statut", ""),
            meeting_format=data.get("format", ""),
            region=data.get("region", ""),
            need=data.get("besoin", ""),
        )


class JoinForm(forms.Form):
    pact = forms.BooleanField(
        label=_("J'ai lu le pacte de confidentialité du cercle et je m'engage à le respecter."),
        error_messages={"required": _("Pour rejoindre ce cercle, acceptez son pacte de confidentialité.")},
    )
    message = forms.CharField(
        label=_("Un mot pour l'animation (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CircleEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(label=_("Présentation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    meeting_format = forms.ChoiceField(label=_("Format"), choices=MeetingFormat.choices)
    place = forms.CharField(label=_("Lieu"), max_length=200, required=False)
    departement = forms.ModelChoiceField(
        label=_("Département"), queryset=Departement.objects.order_by("code"), required=False
    )
    start_date = forms.DateField(label=_("Date de début"), widget=DateInput())
    end_date = forms.DateField(label=_("Date de fin"), widget=DateInput())
    join_deadline = forms.DateField(label=_("Date limite d'inscription"), widget=DateInput())
    meeting_count = forms.IntegerField(label=_("Nombre de rencontres"), min_value=1, max_value=100, required=False)
    rhythm = forms.ChoiceField(label=_("Rythme"), choices=Rhythm.choices)
    meeting_duration_minutes = forms.IntegerField(
        label=_("Durée d'une rencontre (minutes)"), min_value=15, max_value=480
    )
    capacity = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=500)
    is_open = forms.BooleanField(label=_("Inscriptions ouvertes"), required=False)
    approval_mode = forms.ChoiceField(label=_("Mode d'inscription"), choices=ApprovalMode.choices)
    pact = forms.CharField(
        label=_("Pacte de confidentialité"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Laissez vide pour reprendre le pacte du type de cercle."),
    )

    @classmethod
    def initial_for(cls, circle: Circle) -> dict[str, Any]:
        return {name: getattr(circle, name) for name in cls.base_fields if name != "departement"} | {
            "departement": circle.departement_id
        }


class FacilitatorInviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de la personne à inviter"), max_length=254)


class InvitationAnswerForm(forms.Form):
    """Accept (with the pact) or decline a co-facilitation invitation."""

    answer = forms.ChoiceField(choices=[("accepter", _("Accepter")), ("decliner", _("Décliner"))])
    pact = forms.BooleanField(
        label=_("J'ai lu le pacte de confidentialité du cercle et je m'engage à le respecter."), required=False
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accepter", _("Accepter")), ("refuser", _("Refuser"))])
    message = forms.CharField(
        label=_("Message (facultatif)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
