#include "mail/mime_builder.h"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "mail/gobject_ptr.h"

namespace consentd::mail {
namespace {

// Both parts are quoted-printable, and "=_" never occurs in quoted-printable text, so a
// fixed boundary cannot collide with content (RFC 2045 §6.7 and §5.1) and keeps the output
// deterministic for golden files.
constexpr char kBoundary[] = "=_consentd_alternative_=";

struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* options) const { g_mime_format_options_free(options); }
};
using FormatOptionsPtr = std::unique_ptr<GMimeFormatOptions, FormatOptionsFree>;

void InitGMimeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

bool IsValidUtf8(std::string_view s) {
  // With an explicit length, g_utf8_validate also rejects NUL bytes.
  return g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr);
}

// Valid UTF-8 without control characters (C0, DEL, C1) or Unicode line/paragraph separators.
bool IsSafeHeaderText(std::string_view s) {
  if (!IsValidUtf8(s)) return false;
  for (const char* p = s.data(); p < s.data() + s.size(); p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029) return false;
  }
  return true;
}

bool IsPrintableAscii(char c) { return c > 0x20 && c < 0x7f; }

// "<local@domain>" or "local@domain": printable ASCII, no brackets inside, one '@' at least.
std::string_view StripAngleBrackets(std::string_view id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') return id.substr(1, id.size() - 2);
  return id;
}

bool IsValidMessageId(std::string_view id) {
  std::string_view bare = StripAngleBrackets(id);
  if (bare.empty() || bare.find('@') == std::string_view::npos) return false;
  for (char c : bare) {
    if (!IsPrintableAscii(c) || c == '<' || c == '>') return false;
  }
  return true;
}

bool IsValidUnsubscribeUrl(std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) return false;
  for (char c : url) {
    if (!IsPrintableAscii(c) || c == '<' || c == '>' || c == '"') return false;
  }
  return true;
}

core::Status CheckText(std::string_view field, std::string_view value) {
  if (IsSafeHeaderText(value)) return {};
  return core::InvalidArgument(std::string(field) +
                               " contains a control character or is not valid UTF-8");
}

core::Status CheckAddress(std::string_view field, std::string_view value) {
  if (IsPlainAddrSpec(value)) return {};
  return core::InvalidArgument(std::string(field) + " is not a plain e-mail address");
}

core::Status CheckBody(std::string_view field, std::string_view value) {
  if (IsValidUtf8(value)) return {};
  return core::InvalidArgument(std::string(field) + " is not valid UTF-8");
}

core::Status CheckOptionalParts(const core::OutgoingMail& mail) {
  if (!mail.reply_to.empty()) CONSENTD_RETURN_IF_ERROR(CheckAddress("reply_to", mail.reply_to));
  if (!mail.list_unsubscribe_url.empty() && !IsValidUnsubscribeUrl(mail.list_unsubscribe_url)) {
    return core::InvalidArgument("list_unsubscribe_url is not a plain http(s) URL");
  }
  return {};
}

core::Status Validate(const core::OutgoingMail& mail) {
  CONSENTD_RETURN_IF_ERROR(CheckText("from_name", mail.from_name));
  CONSENTD_RETURN_IF_ERROR(CheckAddress("from_address", mail.from_address));
  CONSENTD_RETURN_IF_ERROR(CheckText("to_name", mail.to_name));
  CONSENTD_RETURN_IF_ERROR(CheckAddress("to_address", mail.to_address));
  CONSENTD_RETURN_IF_ERROR(CheckText("subject", mail.subject));
  if (!IsValidMessageId(mail.message_id)) {
    return core::InvalidArgument("message_id is not of the form <local@domain>");
  }
  CONSENTD_RETURN_IF_ERROR(CheckOptionalParts(mail));
  CONSENTD_RETURN_IF_ERROR(CheckBody("text_body", mail.text_body));
  return CheckBody("html_body", mail.html_body);
}

// GMime keeps content with LF line ends and writes them as CRLF for DOS output.
std::string ToUnixNewlines(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\r') {
      out += body[i];
    } else if (i + 1 >= body.size() || body[i + 1] != '\n') {
      out += '\n';  // a lone CR ends a line too
    }
  }
  return out;
}

void AddMailbox(GMimeMessage* message, GMimeAddressType type, const std::string& name,
                const std::string& address) {
  GObjectPtr<InternetAddress> mailbox(
      internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), address.c_str()));
  internet_address_set_charset(mailbox.get(), "utf-8");
  internet_address_list_add(g_mime_message_get_addresses(message, type), mailbox.get());
}

core::Status SetDate(GMimeMessage* message, core::Time date) {
  GDateTimePtr gdate(g_date_time_new_from_unix_utc(date.time_since_epoch().count()));
  if (!gdate) return core::InvalidArgument("date is out of range");
  g_mime_message_set_date(message, gdate.get());
  return {};
}

void SetListUnsubscribe(GMimeObject* message, const std::string& url) {
  if (url.empty()) return;
  std::string value = "<" + url + ">";
  g_mime_object_set_header(message, "List-Unsubscribe", value.c_str(), nullptr);
  g_mime_object_set_header(message, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click", nullptr);
}

core::Status SetHeaders(GMimeMessage* message, const core::OutgoingMail& mail) {
  CONSENTD_RETURN_IF_ERROR(SetDate(message, mail.date));
  AddMailbox(message, GMIME_ADDRESS_TYPE_FROM, mail.from_name, mail.from_address);
  AddMailbox(message, GMIME_ADDRESS_TYPE_TO, mail.to_name, mail.to_address);
  if (!mail.reply_to.empty()) {
    AddMailbox(message, GMIME_ADDRESS_TYPE_REPLY_TO, "", mail.reply_to);
  }
  g_mime_message_set_subject(message, mail.subject.c_str(), "utf-8");
  std::string id(StripAngleBrackets(mail.message_id));  // GMime adds the brackets
  g_mime_message_set_message_id(message, id.c_str());
  SetListUnsubscribe(GMIME_OBJECT(message), mail.list_unsubscribe_url);
  return {};
}

// A text/<subtype>; charset=utf-8 part, quoted-printable.
GObjectPtr<GMimeObject> MakeTextPart(const char* subtype, std::string_view body) {
  std::string text = ToUnixNewlines(body);
  GObjectPtr<GMimePart> part(g_mime_part_new_with_type("text", subtype));
  GObjectPtr<GMimeStream> stream(
      g_mime_stream_mem_new_with_buffer(text.data(), text.size()));  // copies `text`
  GObjectPtr<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), content.get());
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return GObjectPtr<GMimeObject>(GMIME_OBJECT(part.release()));
}

GObjectPtr<GMimeObject> MakeBody(const core::OutgoingMail& mail) {
  GObjectPtr<GMimeObject> text = MakeTextPart("plain", mail.text_body);
  if (mail.html_body.empty()) return text;
  GObjectPtr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
  g_mime_multipart_set_boundary(alternative.get(), kBoundary);
  g_mime_multipart_add(alternative.get(), text.get());  // takes its own reference
  g_mime_multipart_add(alternative.get(), MakeTextPart("html", mail.html_body).get());
  return GObjectPtr<GMimeObject>(GMIME_OBJECT(alternative.release()));
}

core::Result<std::string> Serialize(GMimeMessage* message) {
  FormatOptionsPtr options(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  GCharPtr text(g_mime_object_to_string(GMIME_OBJECT(message), options.get()));
  if (!text) return core::Internal("GMime could not serialise the message");
  return std::string(text.get());
}

}  // namespace

bool IsPlainAddrSpec(std::string_view address) {
  std::size_t at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : address) {
    if (!IsPrintableAscii(c)) return false;
    if (std::string_view("<>()[],;:\\\"").find(c) != std::string_view::npos) return false;
  }
  return true;
}

core::Result<std::string> BuildMime(const core::OutgoingMail& mail) {
  CONSENTD_RETURN_IF_ERROR(Validate(mail));
  InitGMimeOnce();
  GObjectPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  CONSENTD_RETURN_IF_ERROR(SetHeaders(message.get(), mail));
  g_mime_message_set_mime_part(message.get(), MakeBody(mail).get());  // takes a reference
  return Serialize(message.get());
}

}  // namespace consentd::mail
