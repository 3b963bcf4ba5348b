"""The room's system check refuses the in-memory channel layer when room events would cross processes."""

from __future__ import annotations

from django.test import override_settings

from cercles.rooms.checks import check_room_events_reach_every_socket

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://x"]}}}


@override_settings(CHANNEL_LAYERS=IN_MEMORY, WEB_PROCESSES=1)
def test_one_process_serving_with_the_in_memory_layer_is_fine() -> None:
    assert check_room_events_reach_every_socket(None, argv=["manage.py", "serve"]) == []
    assert check_room_events_reach_every_socket(None, argv=["uvicorn", "config.asgi:application"]) == []


@override_settings(CHANNEL_LAYERS=IN_MEMORY, WEB_PROCESSES=1)
def test_a_db_worker_beside_the_in_memory_layer_is_refused() -> None:
    errors = check_room_events_reach_every_socket(None, argv=["manage.py", "db_worker"])
    assert [error.id for error in errors] == ["cercles.rooms.E001"]
    assert "db_worker" in errors[0].msg


@override_settings(CHANNEL_LAYERS=IN_MEMORY, WEB_PROCESSES=2)
def test_several_web_processes_with_the_in_memory_layer_are_refused() -> None:
    assert [e.id for e in check_room_events_reach_every_socket(None, argv=["manage.py", "serve"])] == [
        "cercles.rooms.E001"
    ]


@override_settings(CHANNEL_LAYERS=REDIS, WEB_PROCESSES=4)
def test_the_redis_layer_serves_any_number_of_processes() -> None:
    assert check_room_events_reach_every_socket(None, argv=["manage.py", "db_worker"]) == []
