// Turns an OutgoingMail into an RFC 5322 message with GMime 3.
#pragma once

#include <string>
#include <string_view>

#include "core/mail.h"
#include "core/result.h"

namespace consentd::mail {

// The complete message for SMTP DATA: CRLF line endings, headers RFC 2047-encoded as UTF-8,
// bodies quoted-printable with charset=utf-8; multipart/alternative (text, then HTML) when
// `mail.html_body` is set, else a single text/plain part. Adds List-Unsubscribe and
// List-Unsubscribe-Post (RFC 8058) when `mail.list_unsubscribe_url` is set.
//
// Never passes a control character into a header: CR, LF or any other control character
// (or U+2028/U+2029) in a name, address, subject, reply-to, message id or unsubscribe URL
// yields kInvalidArgument naming the field, as does an address that is not a plain ASCII
// addr-spec, a message id that is not "<local@domain>" (the brackets may be omitted),
// an unsubscribe URL that is not http(s), or a body that is not valid UTF-8.
//
// The output is deterministic for equal input (fixed boundary; safe because both parts
// are quoted-printable, which can never contain "=_"). Thread-safe: initialises GMime once
// and uses only objects of its own, so several threads may call it at once.
core::Result<std::string> BuildMime(const core::OutgoingMail& mail);

// True when `address` is a bare addr-spec as SMTP and the headers take it: printable
// ASCII, exactly one '@' with text on both sides, no whitespace or control characters,
// and none of the characters < > ( ) [ ] , ; : \ " (so no display name, no list).
// Pure; thread-safe.
bool IsPlainAddrSpec(std::string_view address);

}  // namespace consentd::mail
