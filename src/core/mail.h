// Outgoing e-mail: what the app hands to the mail adapters, and the transport port.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace consentd::core {

// One message to one recipient. All strings are UTF-8 as the user typed them; the MIME
// builder encodes them (RFC 2047 for headers, quoted-printable for bodies).
struct OutgoingMail {
  std::string from_address;
  std::string from_name;
  std::string to_address;
  std::string to_name;
  std::string reply_to;  // may be empty
  std::string subject;
  std::string text_body;
  std::string html_body;             // may be empty: then the mail is text/plain only
  std::string message_id;            // "<local@domain>"
  std::string list_unsubscribe_url;  // https URL for RFC 8058; may be empty
  Time date{};
};

// Envelope for SMTP: who the server should bounce to and deliver to.
struct Envelope {
  std::string mail_from;
  std::string rcpt_to;
};

enum class SendOutcome {
  kSent,       // 2xx after DATA
  kTransient,  // 4xx, connection failure, timeout: retry later
  kPermanent,  // 5xx: do not retry
};

struct SendResult {
  SendOutcome outcome = SendOutcome::kTransient;
  std::string reply;  // the server's last reply line, or what went wrong
};

// Delivers finished MIME messages. One instance is used by one thread at a time; a
// transport may keep its connection open between messages.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  virtual SendResult Send(const Envelope& envelope, std::string_view mime) = 0;
};

// Builds the MIME message of an OutgoingMail and delivers it. One instance is used by one
// thread at a time (it may hold an open SMTP connection).
class MailSender {
 public:
  virtual ~MailSender() = default;
  virtual SendResult Send(const OutgoingMail& mail) = 0;
};

struct SmtpAccount;

// Creates senders for a tenant's SMTP account (an empty url: the installation's default
// transport). Thread-safe.
class MailSenderFactory {
 public:
  virtual ~MailSenderFactory() = default;
  virtual std::unique_ptr<MailSender> Create(const SmtpAccount& account) = 0;
};

}  // namespace consentd::core
