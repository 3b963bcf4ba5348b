"""Reasons a message was not sent, as shown on the coordination page "Messages en échec"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EXPIRED_BEFORE_SENDING = _("Expiré avant l'envoi.")
TOO_MANY_ATTEMPTS = _("Abandonné après trop de tentatives.")
