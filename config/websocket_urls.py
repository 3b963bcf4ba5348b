"""WebSocket routes. The live meeting room (a later capability) adds its consumers here."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
