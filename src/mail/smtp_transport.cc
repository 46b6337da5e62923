#include "mail/smtp_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "mail/mime_builder.h"

namespace consentd::mail {
namespace {

using core::SendOutcome;
using core::SendResult;

constexpr std::size_t kMaxReplyLength = 400;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlCleanup {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;

// The message being uploaded; curl pulls it through ReadUpload.
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// curl hands every server reply line to the header callback. Keep the last few: after a
// failed command curl still sends QUIT, whose "221" must not hide the reply that failed.
constexpr std::size_t kKeptReplyLines = 8;

std::size_t KeepReplyLine(char* line, std::size_t size, std::size_t count, void* user) {
  std::string_view text(line, size * count);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto* lines = static_cast<std::deque<std::string>*>(user);
  lines->emplace_back(text.substr(0, kMaxReplyLength));
  if (lines->size() > kKeptReplyLines) lines->pop_front();
  return size * count;
}

// The last line of the reply that carried `smtp_code`, or "".
std::string ReplyLineFor(const std::deque<std::string>& lines, long smtp_code) {
  std::string code = std::to_string(smtp_code);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (it->starts_with(code) && (it->size() == 3 || (*it)[3] == ' ')) return *it;
  }
  return {};
}

std::size_t DiscardBody(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// Failures of the session rather than of this message (a 5xx greeting, EHLO refused,
// AUTH refused, STARTTLS unavailable): the next attempt may succeed once the operator
// fixes the account or the relay, so they never end as kPermanent. curl 7.88 reports a
// bad greeting and a bad reply after the data alike as CURLE_WEIRD_SERVER_REPLY; only
// the latter comes after an upload.
bool IsSessionFailure(CURLcode code, curl_off_t uploaded) {
  return code == CURLE_LOGIN_DENIED || code == CURLE_REMOTE_ACCESS_DENIED ||
         code == CURLE_USE_SSL_FAILED || (code == CURLE_WEIRD_SERVER_REPLY && uploaded == 0);
}

SendOutcome OutcomeOf(CURLcode code, long smtp_code, curl_off_t uploaded) {
  if (code == CURLE_OK) return SendOutcome::kSent;
  if (smtp_code >= 500 && smtp_code < 600 && !IsSessionFailure(code, uploaded)) {
    return SendOutcome::kPermanent;
  }
  return SendOutcome::kTransient;  // 4xx, connection, timeout, TLS, auth, anything else
}

std::string_view CheckEnvelope(const core::Envelope& envelope) {
  if (!envelope.mail_from.empty() && !IsPlainAddrSpec(envelope.mail_from)) return "mail_from";
  if (!IsPlainAddrSpec(envelope.rcpt_to)) return "rcpt_to";
  return {};
}

}  // namespace

// One curl easy handle and the buffers its callbacks write to. Heap-allocated so the
// pointers curl keeps stay valid.
struct SmtpTransport::Session {
  std::unique_ptr<CURL, CurlCleanup> curl;
  char error[CURL_ERROR_SIZE] = {};
  std::deque<std::string> reply_lines;  // the server's last reply lines, without CRLF

  // Null when curl_easy_init fails.
  static std::unique_ptr<Session> Open(const SmtpSettings& settings);
  void Configure(const SmtpSettings& settings);
  SendResult Deliver(const core::Envelope& envelope, std::string_view mime);
  std::string Describe(CURLcode code, long smtp_code) const;
};

std::unique_ptr<SmtpTransport::Session> SmtpTransport::Session::Open(const SmtpSettings& settings) {
  InitCurlOnce();
  auto session = std::make_unique<Session>();
  session->curl.reset(curl_easy_init());
  if (!session->curl) return nullptr;
  session->Configure(settings);
  return session;
}

void SmtpTransport::Session::Configure(const SmtpSettings& s) {
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, KeepReplyLine);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply_lines);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  // A stalled server ends in a timeout at every stage: the connect timeout covers the
  // greeting and EHLO, the response timeout every later reply, the speed limit the upload.
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, s.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, s.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_USE_SSL, s.starttls ? long{CURLUSESSL_ALL} : long{CURLUSESSL_NONE});
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, s.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, s.verify_tls ? 2L : 0L);
  if (!s.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, s.password.c_str());
  }
}

SendResult SmtpTransport::Session::Deliver(const core::Envelope& envelope, std::string_view mime) {
  CURL* c = curl.get();
  SlistPtr recipients(curl_slist_append(nullptr, envelope.rcpt_to.c_str()));
  if (!recipients) return {SendOutcome::kTransient, "out of memory"};
  Upload upload{mime};
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, envelope.mail_from.c_str());  // curl copies it
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
  error[0] = '\0';
  reply_lines.clear();
  CURLcode code = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);  // both die with this scope
  curl_easy_setopt(c, CURLOPT_READDATA, nullptr);
  long smtp_code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &smtp_code);
  curl_off_t uploaded = 0;
  curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  return {OutcomeOf(code, smtp_code, uploaded), Describe(code, smtp_code)};
}

// "250 2.0.0 Ok: queued" on success; on failure the server's 4xx/5xx line, if any,
// then curl's error text.
std::string SmtpTransport::Session::Describe(CURLcode code, long smtp_code) const {
  std::string line = smtp_code > 0 ? ReplyLineFor(reply_lines, smtp_code) : "";
  if (code == CURLE_OK) return line.empty() ? std::to_string(smtp_code) : line;
  std::string reply = smtp_code >= 400 && !line.empty() ? line + " " : "";
  reply += "(curl: ";
  reply += error[0] != '\0' ? error : curl_easy_strerror(code);
  reply += ")";
  return reply.substr(0, kMaxReplyLength);
}

SmtpTransport::SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {}

SmtpTransport::~SmtpTransport() = default;

SendResult SmtpTransport::Send(const core::Envelope& envelope, std::string_view mime) {
  if (std::string_view field = CheckEnvelope(envelope); !field.empty()) {
    return {SendOutcome::kPermanent, "invalid envelope address: " + std::string(field)};
  }
  if (!session_) session_ = Session::Open(settings_);
  if (!session_) return {SendOutcome::kTransient, "curl_easy_init failed"};
  return session_->Deliver(envelope, mime);
}

}  // namespace consentd::mail
