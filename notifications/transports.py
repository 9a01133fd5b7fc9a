"""Ways to hand a rendered message over: an .eml file in a folder, or SMTP via aiosmtplib."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import aiosmtplib


class TransientDeliveryError(Exception):
    """Try again later: a 4xx answer, a dropped connection, a timeout, a server that is down."""

    def __init__(self, code: int | None, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class PermanentDeliveryError(Exception):
    """Do not try again: a 5xx answer for the message or its only recipient."""

    def __init__(self, code: int | None, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass
class SendResult:
    code: int | None
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)  # recipients refused while others were accepted


class Transport(Protocol):
    async def send(self, sender: str, recipients: list[str], content: bytes, message_id: str) -> SendResult: ...


class FileTransport:
    """The embedded default: every message becomes ``<message id>.eml`` in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, sender: str, recipients: list[str], content: bytes, message_id: str) -> SendResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", message_id.strip("<>")) + ".eml"
        partial = self.folder / (name + ".partial")
        partial.write_bytes(content)
        partial.replace(self.folder / name)  # a reader never sees half a message
        return SendResult(code=None)


def _classify(code: int | None, detail: str) -> Exception:
    if code is not None and 500 <= code < 600:
        return PermanentDeliveryError(code, detail)
    return TransientDeliveryError(code, detail)


class SmtpTransport:
    def __init__(
        self, *, host: str, port: int, security: str = "none", user: str | None = None, password: str | None = None, timeout: float = 30.0
    ) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"PLANTRAIL_SMTP_SECURITY: must be none, starttls or tls, got {security!r}")
        self.host, self.port, self.security, self.user, self.password, self.timeout = host, port, security, user, password, timeout

    async def send(self, sender: str, recipients: list[str], content: bytes, message_id: str) -> SendResult:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            username=self.user or None,
            password=self.password or None,
        )
        try:
            await client.connect()
            errors, response = await client.sendmail(sender, recipients, content)
        except aiosmtplib.SMTPRecipientsRefused as error:
            # Every recipient refused: permanent only if some refusal is permanent and none is temporary.
            codes = [r.code for r in error.recipients]
            detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
            raise (_classify(max(codes), detail) if all(c >= 500 for c in codes) else TransientDeliveryError(min(codes), detail)) from None
        except aiosmtplib.SMTPResponseException as error:
            raise _classify(error.code, f"{error.code} {error.message}") from None
        except (
            TimeoutError,
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPTimeoutError,
            OSError,
            # The rest have no reply code: the settings and the server disagree (a login sent
            # where the server offers no AUTH without STARTTLS, say). The message waits, with
            # the reason in the outbox, for the operator to fix the settings; it once crashed
            # the relay with a traceback.
            aiosmtplib.SMTPException,
        ) as error:
            raise TransientDeliveryError(None, f"{type(error).__name__}: {error}") from None
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except aiosmtplib.SMTPException:
                    client.close()
        # A partial refusal raises nothing: the refused recipients are only in ``errors``.
        refused = {address: (reply.code, reply.message) for address, reply in errors.items()}
        code = int(response.split()[0]) if response[:3].isdigit() else 250
        return SendResult(code=code, refused=refused)
