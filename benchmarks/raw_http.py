"""A load generator that costs next to nothing: HTTP/1.1 keep-alive requests written as bytes on an
asyncio stream, the answer read by its Content-Length.

Why not httpx: the benchmark's clients share this machine's two cores with the server they
measure, and httpx spent about 2.5 ms of CPU per request (measured: as much as the server's
own work), so the figures timed the load generator as much as the app. This client does only
what the benchmark needs: one connection per client, cookies set up front, GET and form POST,
answers with a Content-Length (Starlette gives every page, redirect and error one).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode, urlsplit


class RawHttpError(RuntimeError):
    pass


class RawClient:
    """One keep-alive connection per server address; ``request`` returns (status, body)."""

    def __init__(self, cookies: dict[str, str]) -> None:
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.connections: dict[tuple[str, int], tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}

    async def get(self, url: str) -> tuple[int, bytes]:
        return await self.request("GET", url)

    async def post(self, url: str, data: dict[str, str]) -> tuple[int, bytes]:
        return await self.request("POST", url, urlencode(data).encode())

    async def request(self, method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        head = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", f"Cookie: {self.cookie}"]
        if body is not None:
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        reader, writer = await self._connection(host, port)
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        status_line, headers = await self._head(reader)
        length = headers.get("content-length")
        if length is None:
            raise RawHttpError(f"{method} {target}: answer without Content-Length ({status_line!r})")
        payload = await reader.readexactly(int(length))
        if headers.get("connection", "").lower() == "close":
            await self._drop(host, port)
        return int(status_line.split()[1]), payload

    async def _connection(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if (host, port) not in self.connections:
            self.connections[host, port] = await asyncio.open_connection(host, port)
        return self.connections[host, port]

    @staticmethod
    async def _head(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
        raw = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        return status_line, headers

    async def _drop(self, host: str, port: int) -> None:
        _, writer = self.connections.pop((host, port))
        writer.close()
        await writer.wait_closed()

    async def close(self) -> None:
        for host, port in list(self.connections):
            await self._drop(host, port)

    async def __aenter__(self) -> RawClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
