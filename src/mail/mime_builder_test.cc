#include "mail/mime_builder.h"

#include <gmime/gmime.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"
#include "mail/gobject_ptr.h"

namespace consentd::mail {
namespace {

core::OutgoingMail SampleMail() {
  core::OutgoingMail mail;
  mail.from_address = "info@mueller-immobilien.example";
  mail.from_name = "Müller Immobilien GmbH & Co. KG";
  mail.to_address = "juergen.weiss@example.org";
  mail.to_name = "Jürgen Weiß";
  mail.subject = "Ihre Kontakt- und Gesuchsdaten – bitte bestätigen Sie Ihre Einwilligung";
  mail.text_body =
      "Sehr geehrter Herr Weiß,\n\nbitte prüfen Sie Ihre Daten:\n"
      "https://makler.example/c/abc\n\nMüller Immobilien GmbH & Co. KG\n";
  mail.html_body = "<p>Sehr geehrter Herr Weiß,</p><p>Müller Immobilien GmbH &amp; Co. KG</p>\n";
  mail.message_id = "<m1.k7@makler.example>";
  mail.list_unsubscribe_url = "https://makler.example/u/abc";
  mail.date = core::ParseIso("2026-11-30T14:05:09Z").value();
  return mail;
}

std::string Build(const core::OutgoingMail& mail) {
  core::Result<std::string> mime = BuildMime(mail);
  EXPECT_TRUE(mime.has_value()) << mime.error().message;
  return mime.has_value() ? *mime : std::string();
}

GObjectPtr<GMimeMessage> Parse(const std::string& mime) {
  GObjectPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(mime.data(), mime.size()));
  GObjectPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GObjectPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  EXPECT_NE(message, nullptr);
  return message;
}

std::string FirstName(GMimeMessage* message, GMimeAddressType type) {
  InternetAddressList* list = g_mime_message_get_addresses(message, type);
  if (internet_address_list_length(list) != 1) return "<not one address>";
  const char* name = internet_address_get_name(internet_address_list_get_address(list, 0));
  return name ? name : "";
}

std::string FirstAddress(GMimeMessage* message, GMimeAddressType type) {
  InternetAddressList* list = g_mime_message_get_addresses(message, type);
  if (internet_address_list_length(list) != 1) return "<not one address>";
  auto* mailbox = INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(list, 0));
  return internet_address_mailbox_get_addr(mailbox);
}

std::string Header(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  return value ? value : "<absent>";
}

std::string DecodedText(GMimeObject* part) {
  GCharPtr text(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
  std::string out;
  for (const char* p = text.get(); *p != '\0'; ++p) {
    if (*p != '\r') out += *p;
  }
  return out;
}

std::string HeaderBlock(const std::string& mime) { return mime.substr(0, mime.find("\r\n\r\n")); }

TEST(MimeBuilderTest, EncodesUmlautsAndCompanyNameInHeaders) {
  core::OutgoingMail mail = SampleMail();
  std::string mime = Build(mail);
  GObjectPtr<GMimeMessage> message = Parse(mime);
  ASSERT_NE(message, nullptr);

  EXPECT_EQ(g_mime_message_get_subject(message.get()), mail.subject);
  EXPECT_EQ(FirstName(message.get(), GMIME_ADDRESS_TYPE_FROM), mail.from_name);
  EXPECT_EQ(FirstAddress(message.get(), GMIME_ADDRESS_TYPE_FROM), mail.from_address);
  EXPECT_EQ(FirstName(message.get(), GMIME_ADDRESS_TYPE_TO), mail.to_name);
  EXPECT_EQ(FirstAddress(message.get(), GMIME_ADDRESS_TYPE_TO), mail.to_address);
  EXPECT_STREQ(g_mime_message_get_message_id(message.get()), "m1.k7@makler.example");
  EXPECT_EQ(g_date_time_to_unix(g_mime_message_get_date(message.get())),
            mail.date.time_since_epoch().count());
  EXPECT_EQ(Header(GMIME_OBJECT(message.get()), "MIME-Version"), "1.0");

  std::string headers = HeaderBlock(mime);
  EXPECT_NE(headers.find("=?UTF-8?"), std::string::npos) << headers;
  for (unsigned char c : headers) ASSERT_LT(c, 0x80) << headers;
}

TEST(MimeBuilderTest, HasTextAndHtmlPartsInUtf8QuotedPrintable) {
  core::OutgoingMail mail = SampleMail();
  GObjectPtr<GMimeMessage> message = Parse(Build(mail));
  ASSERT_NE(message, nullptr);
  GMimeObject* body = g_mime_message_get_mime_part(message.get());
  ASSERT_TRUE(GMIME_IS_MULTIPART(body));
  EXPECT_STREQ(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(body)),
               "alternative");
  ASSERT_EQ(g_mime_multipart_get_count(GMIME_MULTIPART(body)), 2);

  const char* subtypes[] = {"plain", "html"};
  const std::string* texts[] = {&mail.text_body, &mail.html_body};
  for (int i = 0; i < 2; ++i) {
    GMimeObject* part = g_mime_multipart_get_part(GMIME_MULTIPART(body), i);
    ASSERT_TRUE(GMIME_IS_TEXT_PART(part));
    GMimeContentType* type = g_mime_object_get_content_type(part);
    EXPECT_STREQ(g_mime_content_type_get_media_subtype(type), subtypes[i]);
    EXPECT_STREQ(g_mime_content_type_get_parameter(type, "charset"), "utf-8");
    EXPECT_EQ(g_mime_part_get_content_encoding(GMIME_PART(part)),
              GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    EXPECT_EQ(DecodedText(part), *texts[i]);
  }
}

TEST(MimeBuilderTest, IsTextPlainOnlyWithoutHtml) {
  core::OutgoingMail mail = SampleMail();
  mail.html_body.clear();
  GObjectPtr<GMimeMessage> message = Parse(Build(mail));
  ASSERT_NE(message, nullptr);
  GMimeObject* body = g_mime_message_get_mime_part(message.get());
  ASSERT_TRUE(GMIME_IS_TEXT_PART(body));
  EXPECT_STREQ(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(body)),
               "plain");
  EXPECT_EQ(DecodedText(body), mail.text_body);
}

TEST(MimeBuilderTest, AddsOneClickUnsubscribeHeadersWhenUrlIsSet) {
  core::OutgoingMail mail = SampleMail();
  GObjectPtr<GMimeMessage> with = Parse(Build(mail));
  ASSERT_NE(with, nullptr);
  EXPECT_EQ(Header(GMIME_OBJECT(with.get()), "List-Unsubscribe"), "<https://makler.example/u/abc>");
  EXPECT_EQ(Header(GMIME_OBJECT(with.get()), "List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click");

  mail.list_unsubscribe_url.clear();
  GObjectPtr<GMimeMessage> without = Parse(Build(mail));
  ASSERT_NE(without, nullptr);
  EXPECT_EQ(Header(GMIME_OBJECT(without.get()), "List-Unsubscribe"), "<absent>");
  EXPECT_EQ(Header(GMIME_OBJECT(without.get()), "List-Unsubscribe-Post"), "<absent>");
}

TEST(MimeBuilderTest, AddsReplyToOnlyWhenSet) {
  core::OutgoingMail mail = SampleMail();
  GObjectPtr<GMimeMessage> without = Parse(Build(mail));
  ASSERT_NE(without, nullptr);
  EXPECT_EQ(Header(GMIME_OBJECT(without.get()), "Reply-To"), "<absent>");

  mail.reply_to = "makler@mueller-immobilien.example";
  GObjectPtr<GMimeMessage> with = Parse(Build(mail));
  ASSERT_NE(with, nullptr);
  EXPECT_EQ(FirstAddress(with.get(), GMIME_ADDRESS_TYPE_REPLY_TO), mail.reply_to);
}

TEST(MimeBuilderTest, UsesCrlfAndShortLinesThroughout) {
  core::OutgoingMail mail = SampleMail();
  mail.text_body = std::string(300, 'x') + "\r\nZeile mit CRLF\rnur CR\n.\nFrom here\n";
  std::string mime = Build(mail);
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < mime.size(); ++i) {
    if (mime[i] == '\r') {
      ASSERT_EQ(mime[i + 1], '\n') << "bare CR at " << i;
    }
    if (mime[i] != '\n') continue;
    ASSERT_GT(i, 0u);
    ASSERT_EQ(mime[i - 1], '\r') << "bare LF at " << i;
    EXPECT_LE(i - line_start, 78u + 1u);
    line_start = i + 1;
  }
  GObjectPtr<GMimeMessage> message = Parse(mime);
  ASSERT_NE(message, nullptr);
  GMimeObject* text =
      g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(message.get())), 0);
  EXPECT_EQ(DecodedText(text), std::string(300, 'x') + "\nZeile mit CRLF\nnur CR\n.\nFrom here\n");
}

TEST(MimeBuilderTest, FoldsLongSubjectAndDecodesItBack) {
  core::OutgoingMail mail = SampleMail();
  mail.subject.clear();
  for (int i = 0; i < 12; ++i) mail.subject += "Größere Wohnung in Köln-Sülz gesucht; ";
  mail.subject += "Ende";
  GObjectPtr<GMimeMessage> message = Parse(Build(mail));
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(g_mime_message_get_subject(message.get()), mail.subject);
}

TEST(MimeBuilderTest, IsDeterministic) { EXPECT_EQ(Build(SampleMail()), Build(SampleMail())); }

TEST(MimeBuilderTest, CanBeCalledFromManyThreadsAtOnce) {
  const std::string expected = Build(SampleMail());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &expected, &mismatches] {
      for (int i = 0; i < 50; ++i) {
        core::Result<std::string> mime = BuildMime(SampleMail());
        if (!mime || *mime != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

struct BadField {
  const char* field;
  void (*spoil)(core::OutgoingMail&);
};

void PrintTo(const BadField& bad, std::ostream* out) { *out << bad.field; }

class MimeBuilderInjectionTest : public ::testing::TestWithParam<BadField> {};

TEST_P(MimeBuilderInjectionTest, RefusesAndNamesTheField) {
  core::OutgoingMail mail = SampleMail();
  GetParam().spoil(mail);
  core::Result<std::string> mime = BuildMime(mail);
  ASSERT_FALSE(mime.has_value());
  EXPECT_EQ(mime.error().code, core::ErrorCode::kInvalidArgument);
  EXPECT_NE(mime.error().message.find(GetParam().field), std::string::npos) << mime.error().message;
  EXPECT_EQ(mime.error().message.find("evil"), std::string::npos) << "echoes user data";
}

INSTANTIATE_TEST_SUITE_P(
    Fields, MimeBuilderInjectionTest,
    ::testing::Values(
        BadField{"from_name", [](auto& m) { m.from_name = "Müller\r\nBcc: evil@x.example"; }},
        BadField{"from_name", [](auto& m) { m.from_name = "Müller\nBcc: evil@x.example"; }},
        BadField{"to_name", [](auto& m) { m.to_name = "Weiß\rBcc: evil@x.example"; }},
        BadField{"to_name", [](auto& m) { m.to_name = "Weiß\xC2\x85"; }},  // U+0085 NEL
        BadField{"to_name", [](auto& m) { m.to_name = "Wei\xDF"; }},       // Latin-1, not UTF-8
        BadField{"subject", [](auto& m) { m.subject = "Hallo\r\nBcc: evil@x.example"; }},
        BadField{"subject", [](auto& m) { m.subject = "Hallo\nevil"; }},
        BadField{"subject", [](auto& m) { m.subject = "Hallo\tevil"; }},
        BadField{"subject", [](auto& m) { m.subject = "Hallo\u2028evil"; }},
        BadField{"subject", [](auto& m) { m.subject = std::string("Hallo\0evil", 10); }},
        BadField{"from_address", [](auto& m) { m.from_address = "a@x.example\r\nBcc: evil"; }},
        BadField{"from_address", [](auto& m) { m.from_address = "Evil <a@x.example>"; }},
        BadField{"to_address", [](auto& m) { m.to_address = "a@x.example, evil@x.example"; }},
        BadField{"to_address", [](auto& m) { m.to_address = "<evil@x.example>"; }},
        BadField{"to_address", [](auto& m) { m.to_address = ""; }},
        BadField{"reply_to", [](auto& m) { m.reply_to = "r@x.example\nBcc: evil@x"; }},
        BadField{"message_id", [](auto& m) { m.message_id = "<a@b>\r\nBcc: evil@x"; }},
        BadField{"message_id", [](auto& m) { m.message_id = "<a b@c>"; }},
        BadField{"message_id", [](auto& m) { m.message_id = ""; }},
        BadField{"list_unsubscribe_url",
                 [](auto& m) { m.list_unsubscribe_url = "https://x/u\r\nBcc: evil"; }},
        BadField{"list_unsubscribe_url",
                 [](auto& m) { m.list_unsubscribe_url = "https://x/u>, <mailto:evil"; }},
        BadField{"list_unsubscribe_url",
                 [](auto& m) { m.list_unsubscribe_url = "javascript:evil"; }},
        BadField{"text_body", [](auto& m) { m.text_body = "Wei\xDF"; }},
        BadField{"html_body", [](auto& m) { m.html_body = "<p>Wei\xDF</p>"; }}),
    [](const ::testing::TestParamInfo<BadField>& param) {
      return std::string(param.param.field) + "_" + std::to_string(param.index);
    });

TEST(IsPlainAddrSpecTest, AcceptsOnlyABareAddress) {
  EXPECT_TRUE(IsPlainAddrSpec("max.mustermann+test@example.de"));
  EXPECT_FALSE(IsPlainAddrSpec("Max <max@example.de>"));
  EXPECT_FALSE(IsPlainAddrSpec("max@example.de,eva@example.de"));
  EXPECT_FALSE(IsPlainAddrSpec("max@@example.de"));
  EXPECT_FALSE(IsPlainAddrSpec("@example.de"));
  EXPECT_FALSE(IsPlainAddrSpec("max@"));
  EXPECT_FALSE(IsPlainAddrSpec("max @example.de"));
  EXPECT_FALSE(IsPlainAddrSpec("max@example.de\r\n"));
  EXPECT_FALSE(IsPlainAddrSpec("m\xC3\xBCller@example.de"));
}

}  // namespace
}  // namespace consentd::mail
