#!/usr/bin/python3
"""A password-only SSH server on loopback for the Connect tests (Debian's python3-asyncssh).

Usage: ssh_server.py HOST_KEY_FILE USER PASSWORD_FILE [AUTHORIZED_KEY_FILE] (the password is
read from a file, so that no process's arguments hold it; with AUTHORIZED_KEY_FILE, a public
key "TYPE BASE64 [COMMENT]", public-key authentication with that key is accepted too)
Creates the Ed25519 host key file when it does not exist. Listens on 127.0.0.1 on a free port
and prints, one per line, flushed:
  HOSTKEY <type> <base64>   the public host key
  PORT <n>                  once listening
  CONNECT <port>            a client connected from this port
  AUTH <user> ok|bad        each password attempt
  KEY <user> ok|bad         each public key offered or signed with (with AUTHORIZED_KEY_FILE)
  SESSION <command>         a session started
Commands: "exit N" exits with N; "wait-stdin" reads until end of input, then exits 0;
anything else prints "remote: <command>" and exits 0. A session with no command (a shell, as
the app's terminal opens) prints "remote shell" and stays until the line "end" comes on the
server's standard input, then exits 0. The server stops when its standard input closes (the
test holds it open).
"""
import asyncio
import os
import sys

import asyncssh

# Set by the line "end" on standard input: the open shell sessions end.
END = None


def say(line):
    print(line, flush=True)


class Server(asyncssh.SSHServer):
    def __init__(self, user, password, authorized):
        self.user = user
        self.password = password
        self.authorized = authorized

    def connection_made(self, conn):
        say(f"CONNECT {conn.get_extra_info('peername')[1]}")

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def kbdint_auth_supported(self):
        return False

    def public_key_auth_supported(self):
        return self.authorized is not None

    def validate_public_key(self, username, key):
        offered = key.export_public_key("openssh").decode().split()[:2]
        ok = username == self.user and offered == self.authorized
        say(f"KEY {username} {'ok' if ok else 'bad'}")
        return ok

    def validate_password(self, username, password):
        ok = username == self.user and password == self.password
        say(f"AUTH {username} {'ok' if ok else 'bad'}")
        return ok


async def handle(process):
    command = process.command or ""
    say(f"SESSION {command}")
    if command.startswith("exit "):
        process.exit(int(command.split()[1]))
        return
    if command == "wait-stdin":
        try:
            await process.stdin.read()
        except Exception:
            pass
        process.exit(0)
        return
    if not command:
        process.stdout.write("remote shell\n")
        await END.wait()
        process.exit(0)
        return
    process.stdout.write(f"remote: {command}\n")
    process.exit(0)


async def main():
    key_file, user, password_file = sys.argv[1:4]
    with open(password_file, encoding="utf-8") as f:
        password = f.read().rstrip("\n")
    authorized = None
    if len(sys.argv) > 4:
        with open(sys.argv[4], encoding="utf-8") as f:
            authorized = f.read().split()[:2]
    if not os.path.exists(key_file):
        asyncssh.generate_private_key("ssh-ed25519").write_private_key(key_file)
    key = asyncssh.read_private_key(key_file)
    public = key.export_public_key("openssh").decode().split()
    say(f"HOSTKEY {public[0]} {public[1]}")
    server = await asyncssh.create_server(
        lambda: Server(user, password, authorized),
        "127.0.0.1",
        0,
        server_host_keys=[key],
        process_factory=handle,
        encoding="utf-8",
    )
    port = server.sockets[0].getsockname()[1]
    say(f"PORT {port}")
    global END
    END = asyncio.Event()
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if line.strip() == "end":
            END.set()
    server.close()


asyncio.run(main())
