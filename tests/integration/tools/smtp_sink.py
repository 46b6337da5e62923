#!/usr/bin/python3
"""A recording SMTP sink for the mail integration tests, on aiosmtpd (Debian's
python3-aiosmtpd; run it with /usr/bin/python3).

Usage: smtp_sink.py --dir DIR [--port N] [--mode MODE] [--data-delay-ms MS]

Listens on 127.0.0.1:N (0, the default: a free port) and prints one JSON line per event
on stdout, the first being {"event": "ready", "port": N}. Every accepted message is saved
as DIR/NNNNN.eml (the bytes as received, dot-unstuffed) beside DIR/NNNNN.json holding the
envelope: {"mail_from", "rcpt_tos", "peer_port"}. Both are written atomically (temporary
name, then rename), the .json first, so a visible .eml always has its envelope.

MODE (default accept) can be changed at runtime by writing "mode MODE\\n" to stdin; the
sink answers {"event": "mode", "mode": MODE}. New connections and every later command use
the new mode. Modes:
  accept          accept every message
  replyNNN        answer RCPT TO with NNN (421, 450, 451, 452, 550, 553, 554); a 421
                  closes the connection, as a real server does
  replyNNN-data   accept RCPT, answer the end of DATA with NNN (nothing is saved)
  stall           new connections are accepted and never hear a word (no greeting)
Every RCPT is reported as {"event": "rcpt", "address", "reply"}, every saved message as
{"event": "message", "name", "rcpt_tos"}.

--data-delay-ms slows down each DATA answer (the message is saved first), to make a
delivery run last long enough to be interrupted.
"""

import argparse
import asyncio
import itertools
import json
import logging
import os
import re
import sys
import warnings

from aiosmtpd.smtp import SMTP

REPLIES = {
    "421": "421 4.3.2 Service shutting down (test)",
    "450": "450 4.2.1 Mailbox busy, try later (test)",
    "451": "451 4.3.0 Local error, try later (test)",
    "452": "452 4.3.1 Insufficient storage (test)",
    "550": "550 5.1.1 Mailbox unavailable (test)",
    "553": "553 5.1.3 Bad recipient address syntax (test)",
    "554": "554 5.7.1 Rejected (test)",
}

MODE_RE = re.compile(r"accept|stall|reply(\d{3})(-data)?")


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class State:
    def __init__(self, mode, directory, data_delay):
        self.set_mode(mode)
        self.directory = directory
        self.data_delay = data_delay
        self.counter = itertools.count(1)

    def set_mode(self, mode):
        match = MODE_RE.fullmatch(mode)
        if not match or (match.group(1) and match.group(1) not in REPLIES):
            raise ValueError("unknown mode %r" % mode)
        self.mode = mode
        self.reply = REPLIES[match.group(1)] if match.group(1) else None
        self.at_data = bool(match.group(2))


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        s = self.state
        if s.reply and not s.at_data:
            emit({"event": "rcpt", "address": address, "reply": s.reply})
            if s.reply.startswith("421"):
                asyncio.get_running_loop().call_soon(server.transport.close)
            return s.reply
        envelope.rcpt_tos.append(address)
        emit({"event": "rcpt", "address": address, "reply": "250"})
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        s = self.state
        if s.reply and s.at_data:
            emit({"event": "data", "reply": s.reply})
            return s.reply
        name = "%05d" % next(s.counter)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "peer_port": session.peer[1] if session.peer else None}
        for suffix, data in ((".json", json.dumps(meta).encode()), (".eml", envelope.original_content)):
            temp = os.path.join(s.directory, "." + name + suffix)
            with open(temp, "wb") as f:
                f.write(data)
            os.replace(temp, os.path.join(s.directory, name + suffix))
        emit({"event": "message", "name": name, "rcpt_tos": meta["rcpt_tos"]})
        if s.data_delay:
            await asyncio.sleep(s.data_delay)
        return "250 2.0.0 Ok: queued as %s" % name


class Stall(asyncio.Protocol):
    """Accepts the connection and says nothing, until the client hangs up."""

    def connection_made(self, transport):
        self.transport = transport
        emit({"event": "stalled"})

    def data_received(self, data):
        pass


async def read_commands(state):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return  # stdin closed: keep serving until killed
        words = line.decode().split()
        try:
            if len(words) == 2 and words[0] == "mode":
                state.set_mode(words[1])
                emit({"event": "mode", "mode": state.mode})
            else:
                raise ValueError("unknown command %r" % line.decode().strip())
        except ValueError as e:
            emit({"event": "error", "message": str(e)})


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", default="accept")
    parser.add_argument("--data-delay-ms", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(args.dir, exist_ok=True)
    state = State(args.mode, args.dir, args.data_delay_ms / 1000.0)
    handler = Handler(state)

    def factory():
        if state.mode == "stall":
            return Stall()
        return SMTP(handler, hostname="sink.test", data_size_limit=10 * 1024 * 1024)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", args.port, reuse_address=True)
    emit({"event": "ready", "port": server.sockets[0].getsockname()[1]})
    commands = asyncio.ensure_future(read_commands(state))
    async with server:
        await server.serve_forever()
    commands.cancel()


if __name__ == "__main__":
    asyncio.run(main())
