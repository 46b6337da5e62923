#!/usr/bin/python3
"""Parses mails strictly and prints what a mail client would show, as JSON.

Usage: check_mail.py PATH...   (each PATH an .eml file or a directory of them)

For each message (sorted by path) prints one object of a JSON array:
  file, envelope         the sink's envelope (NNNNN.json beside NNNNN.eml), or null
  strict_error           the error Python's email.policy.strict raised, or null
  defects                every defect found by the default policy: the message's, each
                         part's and each header's (as "where: DefectClass: text")
  header_names           header names in order (repeats kept)
  headers                {lowercased name: [decoded values]}
  raw_headers            {lowercased name: [values as on the wire, folded]}
  from, to, cc, bcc, reply_to   [{"name", "address"}] as parsed from the header
  subject, message_id, date, list_unsubscribe, list_unsubscribe_post   decoded, or null
  content_type           of the message; parts: [{content_type, charset, cte}] of leaves
  text, html             the decoded text/plain and text/html bodies (LF line ends)
  raw: {ascii, bare_lf, bare_cr, max_line}   about the bytes on the wire
"""

import email
import email.policy
import json
import os
import sys
from email.parser import BytesParser


def parsed_headers(msg, where, defects):
    """[(name, parsed header or None)]; a header the default policy cannot parse (e.g. a
    display name that decodes to CR/LF) is reported in `defects` and kept as None."""
    result = []
    for name, raw in msg.raw_items():
        try:
            value = msg.policy.header_fetch_parse(name, raw)
        except Exception as e:  # noqa: BLE001
            defects.append("%s header %s: cannot parse %r: %s: %s" % (where, name, raw, type(e).__name__, e))
            value = None
        for d in getattr(value, "defects", ()):
            defects.append("%s header %s: %s: %s" % (where, name, type(d).__name__, d))
        result.append((name, value))
    return result


def addresses(headers, name):
    values = [v for n, v in headers if n.lower() == name.lower()]
    if not values:
        return None
    out = []
    for value in values:
        if value is None:
            out.append({"name": None, "address": None, "unparseable": True})
            continue
        out += [{"name": a.display_name, "address": a.addr_spec} for a in value.addresses]
    return out


def raw_facts(data):
    lines = data.split(b"\r\n")
    return {
        "ascii": all(b < 0x80 for b in data),
        "bare_lf": any(b"\n" in line for line in lines),
        "bare_cr": any(b"\r" in line for line in lines),
        "max_line": max((len(line) for line in lines), default=0),
    }


def text_of(part):
    content = part.get_content()
    return content.replace("\r\n", "\n")


def check(path):
    with open(path, "rb") as f:
        data = f.read()
    result = {"file": path, "envelope": None, "strict_error": None}
    meta = os.path.splitext(path)[0] + ".json"
    if os.path.exists(meta):
        with open(meta) as f:
            result["envelope"] = json.load(f)
    try:
        BytesParser(policy=email.policy.strict).parsebytes(data)
    except Exception as e:  # noqa: BLE001 - any failure is what the test reports
        result["strict_error"] = "%s: %s" % (type(e).__name__, e)

    msg = BytesParser(policy=email.policy.default).parsebytes(data)
    defects = ["message: %s: %s" % (type(d).__name__, d) for d in msg.defects]
    top = parsed_headers(msg, "message", defects)
    parts, text, html = [], None, None
    for i, part in enumerate(msg.walk()):
        if i > 0:
            defects += ["part %d: %s: %s" % (i, type(d).__name__, d) for d in part.defects]
            parsed_headers(part, "part %d" % i, defects)
        if part.is_multipart():
            continue
        parts.append({"content_type": part.get_content_type(),
                      "charset": part.get_content_charset(),
                      "cte": part.get("Content-Transfer-Encoding")})
        try:
            if part.get_content_type() == "text/plain" and text is None:
                text = text_of(part)
            elif part.get_content_type() == "text/html" and html is None:
                html = text_of(part)
        except Exception as e:  # noqa: BLE001
            defects.append("part %d: cannot decode: %s" % (i, e))

    headers, raw_headers = {}, {}
    for (name, raw), (_, value) in zip(msg.raw_items(), top):
        headers.setdefault(name.lower(), []).append(str(value) if value is not None else raw)
        raw_headers.setdefault(name.lower(), []).append(raw)

    def one(name):
        values = headers.get(name.lower())
        return values[0] if values else None

    result.update({
        "defects": defects,
        "header_names": list(msg.keys()),
        "headers": headers,
        "raw_headers": raw_headers,
        "from": addresses(top, "From"),
        "to": addresses(top, "To"),
        "cc": addresses(top, "Cc"),
        "bcc": addresses(top, "Bcc"),
        "reply_to": addresses(top, "Reply-To"),
        "subject": one("Subject"),
        "message_id": one("Message-ID"),
        "date": one("Date"),
        "list_unsubscribe": one("List-Unsubscribe"),
        "list_unsubscribe_post": one("List-Unsubscribe-Post"),
        "content_type": msg.get_content_type(),
        "parts": parts,
        "text": text,
        "html": html,
        "raw": raw_facts(data),
    })
    return result


def main():
    paths = []
    for arg in sys.argv[1:]:
        if os.path.isdir(arg):
            paths += [os.path.join(arg, n) for n in os.listdir(arg)
                      if n.endswith(".eml") and not n.startswith(".")]
        else:
            paths.append(arg)
    json.dump([check(p) for p in sorted(paths)], sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
