"""The room's WebSocket: it only says "version N exists" (ids and numbers, never content).

Commands travel as HTTP POSTs and content as the snapshot (docs/rooms.md): the socket is a doorbell.
On connect the person must be an active member or facilitator of the meeting's circle (else the socket
is accepted then closed with 4403, so that the client knows not to retry); the connection counts as
presence (two tabs are one person). Client messages are tiny: ``{"type": "ping"}`` answers
``{"type": "pong", "server_now"}``; anything else, an oversized or malformed frame is answered with
``{"type": "error", "code"}`` and logged, and the socket stays open. Someone who is no longer in the
circle is closed with 4403 on their next message, or at once when the circles' services remove them
(a ``room.leave`` message to their personal group).
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from cercles.core.exceptions import DomainError
from cercles.rooms import selectors, services

logger = logging.getLogger("cercles.rooms")

CLOSE_NOT_ALLOWED = 4403
MAX_FRAME_BYTES = 1024


class RoomConsumer(AsyncWebsocketConsumer):
    meeting_id: int
    circle_id: int | None = None
    user_id: int | None = None  # set once joined: until then nothing is sent to the socket
    version_heard_before_joining = 0
    version_sent = 0  # the socket's own join is announced to it too: never the same version twice

    async def connect(self) -> None:
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        user = self.scope.get("user")
        # Accepted first: a close before acceptance is an HTTP 403 that browsers report as a network
        # error, and the client would retry forever; 4403 says "not for you".
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        # In the groups before joining: a change committed between the join and the subscription would
        # otherwise never be heard, and the client would stay on an old version.
        groups = (services.room_group(self.meeting_id), services.user_group(user.pk))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        try:
            circle_id, version = await database_sync_to_async(services.room_presence_join)(
                self.meeting_id, user, self.channel_name
            )
        except (DomainError, Http404):  # PolicyDenied (not in the circle), no such meeting
            for group in groups:
                await self.channel_layer.group_discard(group, self.channel_name)
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.user_id, self.circle_id = user.pk, circle_id
        await self._send_version(max(version, self.version_heard_before_joining))

    async def disconnect(self, code: int) -> None:
        await self._leave_room()

    async def _leave_room(self) -> None:
        """Out of the groups and of the room's presence (once, whichever of close or disconnect comes first)."""
        if self.user_id is None:
            return
        user_id, self.user_id = self.user_id, None
        await self.channel_layer.group_discard(services.room_group(self.meeting_id), self.channel_name)
        await self.channel_layer.group_discard(services.user_group(user_id), self.channel_name)
        await database_sync_to_async(services.room_presence_leave)(self.meeting_id, user_id, self.channel_name)

    async def _shut_out(self) -> None:
        await self._leave_room()
        await self.close(code=CLOSE_NOT_ALLOWED)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.user_id is None:
            return
        if bytes_data is not None or text_data is None:
            await self._error("binary_frame")
            return
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            await self._error("too_large")
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._error("malformed")
            return
        if not await database_sync_to_async(selectors.room_may_enter)(
            meeting_id=self.meeting_id, user=self.scope["user"]
        ):
            logger.info("room %s: closing the socket of %s, no longer in the circle", self.meeting_id, self.user_id)
            await self._shut_out()
            return
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self._error("unknown_type")
            return
        # A ping is also the moment to let tabs that stopped polling leave the room (a read, rarely a write).
        try:
            await database_sync_to_async(services.room_presence_poll)(self.meeting_id, self.scope["user"])
        except (DomainError, Http404):  # left the circle between the check and the write
            await self._shut_out()
            return
        await self.send_json({"type": "pong", "server_now": datetime.datetime.now(datetime.UTC).isoformat()})

    # --- group messages -------------------------------------------------------------------------

    async def room_version(self, event: dict[str, Any]) -> None:
        if self.user_id is None:  # not (yet) let in: remembered, never sent
            self.version_heard_before_joining = max(self.version_heard_before_joining, int(event["version"]))
            return
        await self._send_version(int(event["version"]))

    async def room_leave(self, event: dict[str, Any]) -> None:
        if self.user_id is not None and event.get("circle") == self.circle_id:
            await self._shut_out()

    # --- helpers --------------------------------------------------------------------------------

    async def _send_version(self, version: int) -> None:
        if version > self.version_sent:
            self.version_sent = version
            await self.send_json({"type": "version", "version": version})

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def _error(self, code: str) -> None:
        logger.warning("room %s: refused a frame from %s (%s)", self.meeting_id, self.user_id, code)
        await self.send_json({"type": "error", "code": code})
