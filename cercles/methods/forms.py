"""Forms of the methods' pages: a variant's phases (coordinators), a circle's adaptation (facilitators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercles.methods.protocol import MAX_MINUTES, MAX_REPEAT, Method, Protocol, SpeakingMode
from cercles.methods.services import PhaseInput, StepChoice

MODE_LABELS = {
    SpeakingMode.SINGLE: _("Une seule voix"),
    SpeakingMode.ROUND: _("Tour de parole (on peut passer)"),
    SpeakingMode.FREE: _("Parole libre (main levée)"),
    SpeakingMode.SILENCE: _("Silence"),
    SpeakingMode.SUBGROUPS: _("En sous-groupes"),
}
COUNT_CHOICES = [(0, _("Sautée")), (1, _("Une fois")), (2, _("Deux fois")), (3, _("Trois fois"))][: MAX_REPEAT + 1]


class ProtocolForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    name = forms.CharField(label=_("Nom de la variante"), max_length=120)
    when = forms.CharField(
        label=_("Quand la choisir"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PhaseForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    name = forms.CharField(label=_("Nom de l'étape"), max_length=120)
    instructions = forms.CharField(label=_("Consignes"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    min_minutes = forms.IntegerField(label=_("Durée minimale (min)"), min_value=1, max_value=MAX_MINUTES)
    minutes = forms.IntegerField(label=_("Durée par défaut (min)"), min_value=1, max_value=MAX_MINUTES)
    max_minutes = forms.IntegerField(label=_("Durée maximale (min)"), min_value=1, max_value=MAX_MINUTES)
    mode = forms.ChoiceField(label=_("Qui a la parole"), choices=list(MODE_LABELS.items()))
    speakers = forms.MultipleChoiceField(
        label=_("Rôles qui parlent (aucun coché : tout le monde)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prompts = forms.CharField(
        label=_("Questions proposées (une par ligne)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    advances_by_itself = forms.BooleanField(
        label=_("L'étape se termine seule à la fin de son temps (lecture, écriture en silence)"), required=False
    )

    def __init__(self, *args: Any, roles: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        speakers = self.fields["speakers"]
        assert isinstance(speakers, forms.MultipleChoiceField)
        speakers.choices = roles or []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, default, high = data.get("min_minutes"), data.get("minutes"), data.get("max_minutes")
        if None not in (low, default, high) and not low <= default <= high:  # type: ignore[operator]
            self.add_error(
                "minutes",
                _("La durée par défaut doit être comprise entre la durée minimale et la durée maximale."),
            )
        return data

    def phase_input(self) -> PhaseInput:
        data = self.cleaned_data
        return PhaseInput(
            key=data["key"],
            name=data["name"],
            instructions=data["instructions"],
            minutes=data["minutes"],
            min_minutes=data["min_minutes"],
            max_minutes=data["max_minutes"],
            mode=data["mode"],
            speakers=tuple(data["speakers"]),
            prompts=tuple(line.strip() for line in data["prompts"].splitlines() if line.strip()),
            advances_by_itself=data["advances_by_itself"],
        )


class BasePhaseFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, roles: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        self.roles = roles or []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "roles": self.roles}

    def kept_forms(self) -> list[PhaseForm]:
        """The phases to save, in the order asked (deleted ones left out)."""
        return [form for form in self.ordered_forms if not self._should_delete_form(form)]  # type: ignore[attr-defined,misc]

    def clean(self) -> None:
        super().clean()
        if not any(self.errors) and not self.kept_forms():
            raise forms.ValidationError(_("Une variante garde au moins une étape."))


PhaseFormSet: type[BasePhaseFormSet] = forms.formset_factory(  # type: ignore[assignment]
    PhaseForm, formset=BasePhaseFormSet, extra=1, can_delete=True, can_order=True, max_num=40, validate_max=True
)


def phase_initial(protocol: Protocol) -> list[dict[str, Any]]:
    return [
        {
            "key": phase.key,
            "name": phase.name,
            "instructions": phase.instructions,
            "min_minutes": phase.min_minutes,
            "minutes": phase.minutes,
            "max_minutes": phase.max_minutes,
            "mode": phase.mode.value,
            "speakers": list(phase.speakers),
            "prompts": "\n".join(phase.prompts),
            "advances_by_itself": phase.advances_by_itself,
            "ORDER": index + 1,
        }
        for index, phase in enumerate(protocol.phases)
    ]


def role_choices(method: Method) -> list[tuple[str, str]]:
    return [(role.key, role.name) for role in method.roles]


def protocol_post_data(method: Method, protocol: Protocol, *, version: int) -> dict[str, Any]:
    """What the coordinators' form posts when nothing is changed (tests and the permission matrix)."""
    data: dict[str, Any] = {
        "version": version,
        "name": protocol.name,
        "when": protocol.when,
        "form-TOTAL_FORMS": len(protocol.phases),
        "form-INITIAL_FORMS": len(protocol.phases),
    }
    for index, initial in enumerate(phase_initial(protocol)):
        for name, value in initial.items():
            if name == "advances_by_itself" and not value:
                continue
            data[f"form-{index}-{name}"] = value
    return data


class AdaptationForm(forms.Form):
    """One count and one duration per phase of the variant, each duration within the phase's range."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, protocol: Protocol, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        for phase in protocol.phases:
            self.fields[f"count_{phase.key}"] = forms.TypedChoiceField(
                label=_("« %(phase)s » : combien de fois") % {"phase": phase.name},
                choices=COUNT_CHOICES,
                coerce=int,
            )
            self.fields[f"minutes_{phase.key}"] = forms.IntegerField(
                label=_("« %(phase)s » : durée (de %(low)s à %(high)s min)")
                % {"phase": phase.name, "low": phase.min_minutes, "high": phase.max_minutes},
                min_value=phase.min_minutes,
                max_value=phase.max_minutes,
            )

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(phase, self[f"count_{phase.key}"], self[f"minutes_{phase.key}"]) for phase in self.protocol.phases]

    @staticmethod
    def initial_for(protocol: Protocol, steps: list[Any], version: int) -> dict[str, Any]:
        initial: dict[str, Any] = {"version": version}
        for phase in protocol.phases:
            mine = [step for step in steps if step.phase.key == phase.key]
            initial[f"count_{phase.key}"] = len(mine)
            initial[f"minutes_{phase.key}"] = mine[0].minutes if mine else phase.minutes
        return initial

    def choices(self) -> list[StepChoice]:
        data = self.cleaned_data
        return [
            StepChoice(phase=phase.key, count=data[f"count_{phase.key}"], minutes=data[f"minutes_{phase.key}"])
            for phase in self.protocol.phases
        ]
