// MailTransport over SMTP, built on libcurl.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/mail.h"

namespace consentd::mail {

// Where and how to deliver. `url` is "smtp://host:port" or "smtps://host:port" (implicit
// TLS); a path names the EHLO domain ("smtp://relay:587/makler.example"), else curl greets
// with its default.
struct SmtpSettings {
  std::string url;
  bool starttls = false;  // require STARTTLS on smtp:// (fail rather than send in clear)
  std::string username;   // AUTH only when non-empty
  std::string password;
  long timeout_seconds = 30;  // connect, each server reply, and a stalled upload
  bool verify_tls = true;     // check the server certificate and host name
};

// Sends each message with MAIL FROM / RCPT TO / DATA on one curl easy handle, so the SMTP
// connection stays open and is reused for the next message (curl notices a connection the
// server has closed and opens a new one).
//
// Outcomes: a 2xx after DATA is kSent with the server's reply line. A 5xx reply to MAIL,
// RCPT, DATA or the end of the data is kPermanent. A 4xx reply, a refused or lost
// connection, a timeout, and failures of the session rather than of the message (5xx
// greeting, EHLO or AUTH refused, STARTTLS missing, untrusted certificate) are kTransient,
// so the message waits until the operator fixes the account or the relay.
// `reply` holds the server's reply line and curl's error text, never message data.
//
// Not thread-safe: one instance per delivery thread (the curl handle is not shareable).
// Construction never fails; a failed curl_easy_init shows up as kTransient on Send.
class SmtpTransport final : public core::MailTransport {
 public:
  explicit SmtpTransport(SmtpSettings settings);
  ~SmtpTransport() override;
  SmtpTransport(const SmtpTransport&) = delete;
  SmtpTransport& operator=(const SmtpTransport&) = delete;

  // `mime` is a complete message with CRLF line ends (BuildMime's output); curl does
  // the dot-stuffing. An envelope address that is not a plain addr-spec is kPermanent
  // without contacting the server (an empty mail_from is the null sender "<>").
  core::SendResult Send(const core::Envelope& envelope, std::string_view mime) override;

 private:
  struct Session;  // the curl handle and what its callbacks write to; keeps curl out of here

  SmtpSettings settings_;
  std::unique_ptr<Session> session_;  // null while curl_easy_init fails
};

}  // namespace consentd::mail
