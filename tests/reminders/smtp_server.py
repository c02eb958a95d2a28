"""A real SMTP server for the worker tests: it stores each message, then answers.

It listens on 127.0.0.1, on a port chosen at run time. Each message is stored (kept in
`messages`) as soon as its data ends, before the server answers; `answer_delay` makes that
answer slow, `refusing` makes the server turn every connection away (421, as a server that is
down for maintenance does), and `on_stored` runs between storing and answering. While a
message waits for its answer it is "held": a sender killed then is the one case no SMTP
client can know the outcome of (RFC 1047).
"""

import email
import email.policy
import socketserver
import threading
import time
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredMessage:
    message_id: str
    to: str
    subject: str
    text: str


class _Session(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        server: SMTPServer = self.server.owner
        if server.refusing:
            self.reply("421 4.3.2 Service not available, try later")
            return
        self.reply("220 test.localhost ESMTP")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test.localhost")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self._data(server)
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _data(self, server: "SMTPServer") -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        if not line:
            return  # the sender went away before the end of the data: nothing to store
        stored = server.store(b"".join(lines))
        server.on_stored(stored)
        time.sleep(server.answer_delay)
        server.answering.wait()
        with server.lock:
            server.answered.append(stored.message_id)
        self.reply("250 2.0.0 Stored")


class _ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPServer:
    def __init__(self):
        self.messages: list[StoredMessage] = []
        self.answered: list[str] = []
        self.lock = threading.Lock()
        self.answer_delay = 0.0
        self.refusing = False
        self.on_stored = lambda message: None
        self.answering = threading.Event()
        self.answering.set()
        self._server = _ThreadingServer(("127.0.0.1", 0), _Session)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def store(self, raw: bytes) -> StoredMessage:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        stored = StoredMessage(
            message_id=str(message["Message-ID"]),
            to=str(message["To"]),
            subject=str(message["Subject"]),
            text=body.get_content() if body else "",
        )
        with self.lock:
            self.messages.append(stored)
        return stored

    def counts(self) -> Counter:
        with self.lock:
            return Counter(message.message_id for message in self.messages)

    def held(self) -> set[str]:
        """Messages stored and not yet answered: their outcome is unknown to the sender."""
        with self.lock:
            return set(Counter(m.message_id for m in self.messages) - Counter(self.answered))

    def hold_answers(self) -> None:
        """Answer nothing until `release_answers`: a kill now finds every stored message
        either answered and recorded by its sender, or held."""
        self.answering.clear()

    def release_answers(self) -> None:
        self.answering.set()

    def close(self) -> None:
        self.release_answers()
        self._server.shutdown()
        self._server.server_close()
