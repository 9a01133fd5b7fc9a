"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), which can be told to misbehave:
answer 451 or 550, take its time over each message, or drop the connection after accepting one."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    # aiosmtpd's Controller cannot take port 0: ask the OS for a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    accepted_at: float = 0.0  # time.monotonic() when the server accepted it
    mail_from: str = ""  # the envelope sender (MAIL FROM), where bounces would go

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class MisbehavingHandler:
    temporary_failures: int = 0  # answer 451 to this many DATA commands first
    refuse: set[str] = field(default_factory=set)  # answer 550 to RCPT for these addresses
    delay_seconds: float = 0.0  # a slow but healthy server: wait this long before accepting each message
    drop_after_accepting: int = 0  # accept this many messages, then close the connection instead of answering
    received: list[Received] = field(default_factory=list)
    data_started: threading.Event = field(default_factory=threading.Event)  # set when a message's data arrives

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            return "451 4.3.0 Try again later"
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        # Accepted from here on, like a real mail server that has queued it, even if the client has gone.
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message, time.monotonic(), envelope.mail_from))
        if self.drop_after_accepting > 0:
            self.drop_after_accepting -= 1
            server.transport.close()
        return "250 2.0.0 Message accepted"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = MisbehavingHandler()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received
