"""A real SMTP server for the tests: aiosmtpd on loopback, with STARTTLS or TLS from the first
byte, and AUTH checked against one user. Each accepted message is written to MAILDIR as
<n>.eml, after two lines of its own: X-Envelope-To (the recipients) and X-Helo (the client's
EHLO name). Prints "READY <port>" once it listens.

    server.py --port 0 --maildir DIR [--starttls|--tls] --cert C --key K [--user U --password P]
"""

import argparse
import asyncio
import itertools
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Save:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.count)
        path = os.path.join(self.maildir, f"{n}.eml")
        with open(path + ".part", "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(b"X-Helo: " + (session.host_name or "").encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".part", path)
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    return check


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--maildir", required=True)
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()

    port = a.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]

    context = None
    if a.starttls or a.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    kwargs = {}
    if a.user:
        kwargs["authenticator"] = authenticator(a.user, a.password)
        # aiosmtpd only sees STARTTLS as TLS; with --tls every connection is TLS already.
        kwargs["auth_require_tls"] = not a.tls
    if a.starttls:
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True
    controller = Controller(
        Save(a.maildir),
        hostname="127.0.0.1",
        port=port,
        ssl_context=context if a.tls else None,
        server_hostname="localhost",
        ready_timeout=10,
        **kwargs,
    )
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        sys.stdin.read()  # until the test closes stdin or kills us
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
