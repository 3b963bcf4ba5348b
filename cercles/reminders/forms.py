from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

FIRST_CHOICES = [
    (0, _("Pas de premier rappel")),
    (24 * 60, _("1 jour avant")),
    (2 * 24 * 60, _("2 jours avant")),
    (3 * 24 * 60, _("3 jours avant")),
    (7 * 24 * 60, _("1 semaine avant")),
]
SECOND_CHOICES = [
    (0, _("Pas de second rappel")),
    (30, _("30 minutes avant")),
    (60, _("1 heure avant")),
    (2 * 60, _("2 heures avant")),
    (3 * 60, _("3 heures avant")),
]


class ReminderSettingsForm(forms.Form):
    first_before = forms.TypedChoiceField(label=_("Premier rappel"), choices=FIRST_CHOICES, coerce=int)
    second_before = forms.TypedChoiceField(label=_("Second rappel"), choices=SECOND_CHOICES, coerce=int)
    word = forms.CharField(
        label=_("Un mot pour le prochain rappel"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il accompagne les rappels de la prochaine séance seulement."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CircleMessageForm(forms.Form):
    subject = forms.CharField(label=_("Objet"), max_length=150)
    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8}))
