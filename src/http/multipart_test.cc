#include "http/multipart.h"

#include <gtest/gtest.h>

namespace consentd::http {
namespace {

constexpr std::string_view kBoundary = "----WebKitFormBoundaryAbc123";

std::string Body(std::string_view file) {
  std::string b;
  b += "------WebKitFormBoundaryAbc123\r\n";
  b += "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n";
  b += "tok\r\n";
  b += "------WebKitFormBoundaryAbc123\r\n";
  b += "Content-Disposition: form-data; name=\"file\"; filename=\"Kontakte; 2026.csv\"\r\n";
  b += "Content-Type: text/csv\r\n\r\n";
  b += file;
  b += "\r\n------WebKitFormBoundaryAbc123--\r\n";
  return b;
}

TEST(MultipartTest, BoundaryFromContentType) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=abc").value(), "abc");
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").value(),
            "a b");
  EXPECT_FALSE(MultipartBoundary("application/x-www-form-urlencoded"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary="));
}

TEST(MultipartTest, FieldsAndFileKeepTheirBytes) {
  // CRLF, a lone boundary-like line and a NUL inside the file stay as they are.
  std::string file = "E-Mail;Name\r\na@b.de;M\xc3\xbcller\r\n--not-the-boundary\r\n";
  file += std::string(1, '\0');
  auto parts = ParseMultipart(Body(file), kBoundary).value();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "csrf");
  EXPECT_EQ(parts[0].body, "tok");
  EXPECT_FALSE(parts[0].filename);
  const MultipartPart* f = FindPart(parts, "file");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->filename.value(), "Kontakte; 2026.csv");
  EXPECT_EQ(f->content_type, "text/csv");
  EXPECT_EQ(f->body, file);
  EXPECT_EQ(FindPart(parts, "missing"), nullptr);
}

TEST(MultipartTest, EmptyFileIsAPartWithNoBytes) {
  auto parts = ParseMultipart(Body(""), kBoundary).value();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].body, "");
}

TEST(MultipartTest, MalformedBodiesAreRefused) {
  std::string full = Body("x");
  EXPECT_FALSE(ParseMultipart("garbage", kBoundary));
  EXPECT_FALSE(ParseMultipart(full.substr(0, full.size() - 30), kBoundary));  // cut off
  EXPECT_FALSE(ParseMultipart(full, "other-boundary"));
  std::string unnamed = "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n";
  EXPECT_FALSE(ParseMultipart(unnamed, "b"));
  std::string attachment =
      "--b\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--b--\r\n";
  EXPECT_FALSE(ParseMultipart(attachment, "b"));
  EXPECT_TRUE(ParseMultipart("--b--\r\n", "b").value().empty());
}

}  // namespace
}  // namespace consentd::http
