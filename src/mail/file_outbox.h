// MailTransport that writes messages into a folder instead of sending them: the default
// when no SMTP account is configured, and a mail catcher for development and tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/mail.h"

namespace consentd::mail {

// Each message becomes one file <dir>/<name>.eml, where <name> is the message's
// Message-ID without angle brackets, with every character other than ASCII letters,
// digits and . _ @ + - = replaced by '_' (so '/' cannot leave the folder), cut to 200
// bytes. A message without a Message-ID header is named "no-message-id-<content hash>".
// Sending the same message again replaces its file, so a retry leaves one file.
//
// The file appears atomically: written to a hidden temp file in `dir`, fsynced, renamed,
// and the folder fsynced; a failure removes the temp file. Files are mode 0600 (they hold
// personal data). The envelope is not stored.
//
// Thread-safe: Send keeps no state between calls, so several threads may share one outbox.
class FileOutbox final : public core::MailTransport {
 public:
  // `dir` is created on the first Send when missing.
  explicit FileOutbox(std::filesystem::path dir);

  // kSent with reply "written to <path>"; any I/O error is kTransient with its reason.
  core::SendResult Send(const core::Envelope& envelope, std::string_view mime) override;

 private:
  std::filesystem::path dir_;
};

}  // namespace consentd::mail
