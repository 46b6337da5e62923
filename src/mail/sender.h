// core::MailSender and its factory: build the MIME message, hand it to a transport.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/mail.h"
#include "core/tenant.h"

namespace consentd::mail {

// Where mail goes when a tenant has no SMTP account of its own.
struct DefaultTransport {
  std::string smtp_url;  // empty: the file outbox
  std::string smtp_username;
  std::string smtp_password;
  std::filesystem::path outbox_dir = "var/outbox";
  long timeout_seconds = 30;
};

// Builds MIME with BuildMime and sends it through its transport. A mail that cannot be
// built (e.g. a control character in a header field) is kPermanent: retrying won't help.
// One instance per thread.
class ComposingSender final : public core::MailSender {
 public:
  explicit ComposingSender(std::unique_ptr<core::MailTransport> transport)
      : transport_(std::move(transport)) {}
  core::SendResult Send(const core::OutgoingMail& mail) override;

 private:
  std::unique_ptr<core::MailTransport> transport_;
};

// Thread-safe. smtp:// to a host other than loopback requires STARTTLS, so credentials
// and mail never cross a network in clear; smtps:// is TLS from the start.
class SenderFactory final : public core::MailSenderFactory {
 public:
  explicit SenderFactory(DefaultTransport defaults) : defaults_(std::move(defaults)) {}
  std::unique_ptr<core::MailSender> Create(const core::SmtpAccount& account) override;

 private:
  DefaultTransport defaults_;
};

// True for smtp:// URLs whose host is 127.0.0.0/8, ::1 or localhost.
bool IsLoopbackSmtpUrl(const std::string& url);

}  // namespace consentd::mail
