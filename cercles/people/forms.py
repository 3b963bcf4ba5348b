from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from cercles.people import collectivites, selectors
from cercles.people.consent import CONSENT_SUMMARY
from cercles.people.models import Departement, JobFamily, OrganisationType


class GroupedJobFamilyField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    organisation_name = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_(
            "Dès trois lettres, la liste propose les collectivités (communes, intercommunalités, départements, "
            "régions) et les organisations déjà connues ; sinon, saisissez le nom exact de votre employeur."
        ),
        # Suggestions from three letters, a few at a time: official collectivités and validated names
        # only (htmx fills the list).
        widget=forms.TextInput(
            attrs={
                "list": "organisations",
                "autocomplete": "organization",
                "hx-get": reverse_lazy("people:organisation_suggestions"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#organisations",
                "hx-swap": "innerHTML",
            }
        ),
    )
    organisation_kind = forms.ChoiceField(
        label=_("Type d'organisation"),
        choices=[("", "—"), *OrganisationType.choices],
        help_text=_("Inutile pour une collectivité choisie dans la liste : son type est connu."),
    )
    departement = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Departement.objects.none(),
        help_text=_("Le territoire où vous travaillez."),
    )
    job_family = GroupedJobFamilyField(
        label=_("Famille de métiers"),
        queryset=JobFamily.objects.none(),
        help_text=_("Selon le répertoire des métiers territoriaux du CNFPT."),
    )
    job_title = forms.CharField(label=_("Intitulé de votre poste"), max_length=200, required=False)
    consent = forms.BooleanField(label=CONSENT_SUMMARY, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound and collectivites.find_by_label(str(self.data.get("organisation_name", ""))):
            # A collectivité chosen from the list brings its own type (services.organisation_get_or_create).
            self.fields["organisation_kind"].required = False
        departement_field = self.fields["departement"]
        assert isinstance(departement_field, forms.ModelChoiceField)
        departement_field.queryset = selectors.departement_list()
        job_field = self.fields["job_family"]
        assert isinstance(job_field, forms.ModelChoiceField)
        job_field.queryset = selectors.job_family_list()
        # Options grouped by domaine, built from one query.
        groups: dict[str, list[tuple[str, str]]] = {}
        for family in selectors.job_family_list():
            groups.setdefault(family.group.name, []).append((family.code, family.name))
        job_field.choices = [("", "—"), *groups.items()]
