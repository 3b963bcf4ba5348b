from __future__ import annotations

from typing import Any

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


class MyRemindersForm(forms.Form):
    """ "Mes rappels": one box for everywhere, one per circle of the person (fields ``circle_<id>``)."""

    everywhere = forms.BooleanField(
        label=_("Recevoir un rappel avant les séances de mes cercles"),
        required=False,
        help_text=_("Décochée, aucun rappel ne part, quels que soient les choix cercle par cercle ci-dessous."),
    )

    def __init__(self, *args: Any, circles: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.circle_fields: list[tuple[int, str]] = []
        for circle_id, title in circles:
            name = f"circle_{circle_id}"
            self.fields[name] = forms.BooleanField(label=title, required=False)
            self.circle_fields.append((circle_id, name))

    def circle_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for _circle_id, name in self.circle_fields]

    def circle_choices(self) -> dict[int, bool]:
        return {circle_id: bool(self.cleaned_data.get(name)) for circle_id, name in self.circle_fields}
