from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cercles.core.models import ProgrammeIdentity


class IdentityForm(forms.Form):
    name = forms.CharField(label=_("Nom du programme"), max_length=80)
    tagline = forms.CharField(
        label=_("Description en une ligne"),
        max_length=200,
        required=False,
        help_text=_("Affichée en pied de page, sous le nom du programme."),
    )
    accent_colour = forms.CharField(
        label=_("Couleur d'accent"),
        max_length=7,
        help_text=_("Boutons et liens. Contraste d'au moins 4,5:1 avec le blanc, vérifié à l'enregistrement."),
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG ou JPEG, 512 Ko et 2000 pixels de côté au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Retirer le logo actuel"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(row: ProgrammeIdentity) -> dict[str, object]:
        return {
            "name": row.name,
            "tagline": row.tagline,
            "accent_colour": row.accent_colour,
            "version": row.version,
        }
