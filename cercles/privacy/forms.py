from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cercles.privacy.exceptions import ERASE_CONFIRMATION_REQUIRED


class EraseConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je comprends que cette suppression est définitive."),
        error_messages={"required": ERASE_CONFIRMATION_REQUIRED},
    )
