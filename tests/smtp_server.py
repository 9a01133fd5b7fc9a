"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), which can be told to misbehave:
answer 451 or 550, take its time over each message, or drop the connection after accepting one."""

from __future__ import annotations

import asyncio
import email
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


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
    # Set: each message waits for it before being accepted, so a test can act mid-send without guessing a delay.
    hold: threading.Event | None = None

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
        if self.hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        # Accepted from here on, like a real mail server that has queued it, even if the client has gone.
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message, time.monotonic(), envelope.mail_from))
        if self.drop_after_accepting > 0:
            self.drop_after_accepting -= 1
            server.transport.close()
        return "250 2.0.0 Message accepted"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files; trust it with SSL_CERT_FILE."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


class SmtpServer:
    """``users``: AUTH is required, with these logins and passwords. ``certificate``: STARTTLS is
    offered and required (``security="starttls"``) or the connection is TLS from the start
    (``security="tls"``)."""

    def __init__(
        self, *, users: dict[str, str] | None = None, certificate: tuple[Path, Path] | None = None, security: str = "none"
    ) -> None:
        self.handler = MisbehavingHandler()
        self.port = free_port()
        self.controller: Controller | None = None
        self.users, self.certificate, self.security = users, certificate, security
        self.logins: list[str] = []  # who authenticated, in order

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        ok = self.users is not None and self.users.get(login) == password
        if ok:
            self.logins.append(login)
        return AuthResult(success=ok)

    def start(self) -> None:
        options: dict = {}
        if self.users is not None:
            options |= {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": self.certificate is not None}
        if self.certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            if self.security == "tls":
                options["ssl_context"] = context
            else:
                options |= {"tls_context": context, "require_starttls": True}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received
