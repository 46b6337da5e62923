#include "mail/sender.h"

#include "mail/file_outbox.h"
#include "mail/mime_builder.h"
#include "mail/smtp_transport.h"

namespace consentd::mail {

core::SendResult ComposingSender::Send(const core::OutgoingMail& mail) {
  auto mime = BuildMime(mail);
  if (!mime) return {core::SendOutcome::kPermanent, "not sent: " + mime.error().message};
  return transport_->Send({mail.from_address, mail.to_address}, *mime);
}

bool IsLoopbackSmtpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "smtp://";
  if (url.rfind(kScheme, 0) != 0) return false;
  std::string host = url.substr(kScheme.size());
  auto at = host.rfind('@');
  if (at != std::string::npos) host = host.substr(at + 1);
  if (host.rfind("[::1]", 0) == 0) return true;
  host = host.substr(0, host.find_first_of(":/"));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

std::unique_ptr<core::MailSender> SenderFactory::Create(const core::SmtpAccount& account) {
  SmtpSettings settings;
  if (!account.url.empty()) {
    settings.url = account.url;
    settings.username = account.username;
    settings.password = account.password;
  } else if (!defaults_.smtp_url.empty()) {
    settings.url = defaults_.smtp_url;
    settings.username = defaults_.smtp_username;
    settings.password = defaults_.smtp_password;
  } else {
    return std::make_unique<ComposingSender>(std::make_unique<FileOutbox>(defaults_.outbox_dir));
  }
  settings.timeout_seconds = defaults_.timeout_seconds;
  settings.starttls = settings.url.rfind("smtp://", 0) == 0 && !IsLoopbackSmtpUrl(settings.url);
  return std::make_unique<ComposingSender>(std::make_unique<SmtpTransport>(std::move(settings)));
}

}  // namespace consentd::mail
