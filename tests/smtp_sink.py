"""A small real SMTP server for tests: plain, STARTTLS or implicit TLS; it keeps what it receives.

Speaks enough of RFC 5321 for :mod:`smtplib` (EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT,
DATA, RSET, NOOP, QUIT) on a free port of 127.0.0.1, one thread per connection.
"""

from __future__ import annotations

import base64
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    data: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class SinkOptions:
    starttls: ssl.SSLContext | None = None  # offer STARTTLS with this server context
    implicit_tls: ssl.SSLContext | None = None  # TLS from the first byte (smtps)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def setup(self) -> None:
        options = self.server.options
        self.tls = False
        if options.implicit_tls is not None:
            self.request = options.implicit_tls.wrap_socket(self.request, server_side=True)
            self.tls = True
        super().setup()

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        options = self.server.options
        sender, recipients, login = "", [], None
        self.reply("220 sink ESMTP ready")
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _space, argument = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                lines = ["sink", "8BITMIME", "AUTH PLAIN"]
                if options.starttls is not None and not self.tls:
                    lines.append("STARTTLS")
                for extension in lines[:-1]:
                    self.reply(f"250-{extension}")
                self.reply(f"250 {lines[-1]}")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "STARTTLS" and options.starttls is not None and not self.tls:
                self.reply("220 go ahead")
                self.request = options.starttls.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
                self.tls = True
            elif verb == "AUTH":
                mechanism, _space, initial = argument.partition(" ")
                if mechanism.upper() != "PLAIN":
                    self.reply("504 unsupported mechanism")
                    continue
                if not initial:
                    self.reply("334 ")
                    initial = self.rfile.readline().decode().strip()
                _authzid, user, password = base64.b64decode(initial).decode().split("\0")
                if (user, password) == self.server.credentials or self.server.credentials is None:
                    login = user
                    self.reply("235 authenticated")
                else:
                    self.reply("535 authentication failed")
            elif verb == "MAIL":
                sender, recipients = argument.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipient = argument.split(":", 1)[1].strip().strip("<>")
                if recipient in options.refuse:
                    self.reply("550 no such mailbox")
                else:
                    recipients.append(recipient)
                    self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    data_line = self.rfile.readline()
                    if data_line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                data = b"".join(lines).replace(b"\r\n", b"\n")  # stored as a mailbox would: LF line ends
                with self.server.lock:
                    self.server.received.append(ReceivedMail(sender, list(recipients), data, self.tls, login))
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                sender, recipients = ("", []) if verb == "RSET" else (sender, recipients)
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, options: SinkOptions, credentials: tuple[str, str] | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.options, self.credentials = options, credentials
        self.received: list[ReceivedMail] = []
        self.lock = threading.Lock()


class SmtpSink:
    """``with SmtpSink() as sink:`` a running server at ``sink.port``; ``sink.received`` fills up."""

    def __init__(self, *, options: SinkOptions | None = None, credentials: tuple[str, str] | None = None) -> None:
        self._server = _Server(options or SinkOptions(), credentials)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def received(self) -> list[ReceivedMail]:
        with self._server.lock:
            return list(self._server.received)

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
