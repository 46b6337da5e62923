#!/usr/bin/python3
"""A real SMTP server for smtp_transport_test.cc, on aiosmtpd.

Usage: smtp_server.py MODE [DIR]

Listens on 127.0.0.1 on a free port, prints that port on one line of stdout, and serves
until killed. MODE:
  accept        accept every message; save each as DIR/<n>-<client port>.eml (the client
                port shows which messages shared one connection)
  replyNNN      answer RCPT TO with NNN (421, 450, 452, 550, 554); 421 then hangs up
  replyNNN-data accept RCPT, answer the end of DATA with NNN
  stall         accept TCP connections and never say anything
  greet554      greet every connection with 554 (no service for this client)
  starttls      like accept, but requires STARTTLS (self-signed certificate made in DIR)
  auth          like accept, but requires AUTH PLAIN/LOGIN as makler / geheim (no TLS)
(aiosmtpd's Controller probes its configured port before it reports readiness, so it
cannot take port 0; the server is built on asyncio directly instead.)
"""

import asyncio
import itertools
import logging
import os
import re
import ssl
import subprocess
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLIES = {
    "421": "421 4.3.2 Service shutting down (test)",
    "450": "450 4.2.1 Mailbox busy, try later (test)",
    "452": "452 4.3.1 Insufficient storage (test)",
    "550": "550 5.1.1 Mailbox unavailable (test)",
    "554": "554 5.7.1 Rejected (test)",
}


class Handler:
    def __init__(self, mode, directory):
        match = re.fullmatch(r"reply(\d{3})(-data)?", mode)
        self.mode = mode
        self.reply = REPLIES[match.group(1)] if match else None
        self.at_data = bool(match and match.group(2))
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reply and not self.at_data:
            if self.reply.startswith("421"):  # a real 421 closes the connection
                asyncio.get_running_loop().call_soon(server.transport.close)
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        name = "%04d-%d.eml" % (next(self.counter), session.peer[1])
        temp = os.path.join(self.directory, "." + name)
        with open(temp, "wb") as f:
            f.write(envelope.original_content)
        os.replace(temp, os.path.join(self.directory, name))
        return "250 2.0.0 Ok: queued as %s" % name


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"makler"
          and auth_data.password == b"geheim")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def self_signed_context(directory):
    cert, key = os.path.join(directory, ".cert.pem"), os.path.join(directory, ".key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=smtp.test", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def smtp_factory(mode, directory):
    handler = Handler(mode, directory)
    options = {"hostname": "smtp.test"}
    if mode == "starttls":
        options.update(tls_context=self_signed_context(directory), require_starttls=True)
    if mode == "auth":
        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=False)
    return lambda: SMTP(handler, **options)


async def stall(reader, writer):
    await reader.read()  # until the client gives up
    writer.close()


async def greet554(reader, writer):
    writer.write(b"554 5.7.1 No SMTP service for you (test)\r\n")
    await reader.read()
    writer.close()


async def main():
    warnings.simplefilter("ignore")  # AUTH without TLS is what the test wants
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    mode = sys.argv[1]
    directory = sys.argv[2] if len(sys.argv) > 2 else None
    loop = asyncio.get_running_loop()
    raw_servers = {"stall": stall, "greet554": greet554}
    if mode in raw_servers:
        server = await asyncio.start_server(raw_servers[mode], "127.0.0.1", 0)
    else:
        server = await loop.create_server(smtp_factory(mode, directory), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
