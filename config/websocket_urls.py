"""WebSocket routes: the live room of a meeting (docs/rooms.md)."""

from django.urls import URLPattern, path

from cercles.rooms.consumers import RoomConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/salles/<int:meeting_id>/", RoomConsumer.as_asgi()),  # type: ignore[arg-type]
]
