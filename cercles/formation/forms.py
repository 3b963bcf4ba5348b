from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercles.circles.models import CircleKind, MeetingFormat
from cercles.formation.exceptions import (
    ANSWER_NOT_A_CHOICE,
    ANSWER_REQUIRED,
    QUESTION_CHOICES_COUNT,
    QUESTION_LABEL_INVALID,
    CallEditError,
)
from cercles.formation.models import Call, CallQuestion, CallSlot, Territory
from cercles.formation.services import (
    CHOICE_LENGTH,
    MAX_CHOICES,
    MAX_QUESTIONS,
    MAX_WEIGHT,
    MIN_CHOICES,
    QUESTION_LABEL_LENGTH,
    CallFields,
    QuestionFields,
    parse_slots,
)

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

    # The call's kind when the form edits a call (its kind field is then gone).
    kind_for_edit: CircleKind | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("opens_at", now.strftime("%Y-%m-%dT%H:%M"))
            self.initial.setdefault("closes_at", (now + datetime.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M"))
            self.initial.setdefault("cycle_starts_on", (now + datetime.timedelta(days=35)).date().isoformat())

    def clean_slots_text(self) -> str:
        # Read here too, so that an unreadable slot is named together with the form's other errors.
        text: str = self.cleaned_data["slots_text"]
        try:
            parse_slots(text)
        except CallEditError as error:
            raise forms.ValidationError(str(error.message)) from None
        return text

    def fields_for_service(self, questions: Sequence[QuestionFields] = ()) -> tuple[int, CallFields]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        kind = data.pop("kind", None) or self.kind_for_edit
        assert isinstance(kind, CircleKind)
        data["min_size"] = data["min_size"] or kind.min_size
        data["max_size"] = data["max_size"] or kind.max_size
        return kind.pk, CallFields(**data, questions=tuple(questions))


class CallEditForm(CallForm):
    """The call's form for editing: its kind stays; the version it was opened on goes with it."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(call))
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
        self.kind_for_edit = call.kind

    @staticmethod
    def initial_for(call: Call) -> dict[str, Any]:
        def local(moment: datetime.datetime) -> str:
            return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")

        names = [name for name in CallFields.__dataclass_fields__ if name not in ("slots_text", "questions")]
        initial = {name: getattr(call, name) for name in names}
        return initial | {
            "opens_at": local(call.opens_at),
            "closes_at": local(call.closes_at),
            "cycle_starts_on": call.cycle_starts_on.isoformat(),
            "slots_text": "\n".join(slot.label for slot in call.slots.all()),
            "version": call.version,
        }


def _choice_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(forms.Form):
    """One extra question of the application form; a form left blank asks nothing."""

    label = forms.CharField(
        label=_("Question"),
        max_length=QUESTION_LABEL_LENGTH,
        required=False,
        help_text=_("Par exemple « Ancienneté dans la fonction » ou « Taille de la collectivité »."),
    )
    choices_text = forms.CharField(
        label=_("Réponses proposées"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Une par ligne, de 2 à 12 réponses courtes (80 caractères au plus) ; une seule se choisit."),
    )
    required = forms.BooleanField(label=_("Réponse obligatoire"), required=False, initial=True)
    weight = forms.IntegerField(
        label=_("Poids"), min_value=0, max_value=MAX_WEIGHT, initial=1, required=False, help_text=WEIGHT_HELP
    )

    def __init__(self, *args: Any, frozen: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if frozen:
            # Applications exist: what was asked stays as it was; the weight remains a setting.
            for name in ("label", "choices_text", "required"):
                self.fields[name].disabled = True

    @staticmethod
    def initial_for(question: CallQuestion) -> dict[str, Any]:
        return {
            "label": question.label,
            "choices_text": "\n".join(question.choices),
            "required": question.required,
            "weight": question.weight,
        }

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("label") or "").strip() and not _choice_lines(data.get("choices_text", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank or data.get("DELETE"):
            return data
        label = (data.get("label") or "").strip()
        if not label:
            self.add_error("label", str(QUESTION_LABEL_INVALID))
        choices = _choice_lines(data.get("choices_text", ""))
        if label and not MIN_CHOICES <= len({c.casefold() for c in choices}) <= MAX_CHOICES:
            self.add_error("choices_text", str(QUESTION_CHOICES_COUNT).format(label=label))
        too_long = [c for c in choices if len(c) > CHOICE_LENGTH]
        if too_long:
            self.add_error("choices_text", _("« %(choice)s » dépasse 80 caractères.") % {"choice": too_long[0]})
        if data.get("weight") is None and "weight" not in self.errors:
            data["weight"] = 1  # left empty: the usual weight of a question
        return data

    def question(self) -> QuestionFields:
        data = self.cleaned_data
        return QuestionFields(
            label=data["label"],
            choices=tuple(_choice_lines(data["choices_text"])),
            required=data["required"],
            weight=data["weight"],
        )


class BaseQuestionFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, frozen: bool = False, **kwargs: Any) -> None:
        self.frozen = frozen
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "frozen": self.frozen}

    def questions(self) -> list[QuestionFields]:
        """The questions filled in, in their order (blank and deleted forms left out)."""
        return [form.question() for form in self.forms if not form.is_blank and not form.cleaned_data.get("DELETE")]


def question_formset(
    data: Any = None, *, questions: Sequence[CallQuestion] = (), frozen: bool = False
) -> BaseQuestionFormSet:
    """The call's questions: those it has, plus two blank ones to add more (none once frozen)."""
    extra = 0 if frozen else min(2, MAX_QUESTIONS - len(questions))
    factory = forms.formset_factory(
        QuestionForm,
        formset=BaseQuestionFormSet,
        extra=max(extra, 0),
        max_num=MAX_QUESTIONS,
        validate_max=True,
        absolute_max=MAX_QUESTIONS,
        can_delete=not frozen,
        can_delete_extra=False,
    )
    initial = [QuestionForm.initial_for(question) for question in questions]
    return cast(BaseQuestionFormSet, factory(data, initial=initial, prefix="questions", frozen=frozen))  # type: ignore[call-arg]


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
        self.questions = list(call.questions.all())
        for question in self.questions:
            choices = [(choice, choice) for choice in question.choices]
            if not question.required:
                choices = [("", _("Je préfère ne pas répondre")), *choices]
            self.fields[self.question_field(question)] = forms.ChoiceField(
                label=question.label,
                choices=choices,
                required=question.required,
                initial="",
                widget=forms.RadioSelect,
                error_messages={
                    "required": str(ANSWER_REQUIRED).format(label=question.label),
                    "invalid_choice": str(ANSWER_NOT_A_CHOICE).format(label=question.label),
                },
            )

    @staticmethod
    def question_field(question: CallQuestion) -> str:
        return f"question_{question.pk}"

    @property
    def question_names(self) -> str:
        """The questions' fields, for the template to leave them out of the rest of the form."""
        return ",".join(self.question_field(question) for question in self.questions)

    def question_bound_fields(self) -> list[forms.BoundField]:
        """Each question's field: the page shows each one as a group of radio buttons under its legend."""
        return [self[self.question_field(question)] for question in self.questions]

    def answers(self) -> dict[int, str]:
        return {question.pk: self.cleaned_data.get(self.question_field(question), "") for question in self.questions}


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
