#include <gtest/gtest.h>

#include "http/server.h"

namespace consentd::http {
namespace {

Request To(std::string path, std::string csrf = "") {
  Request r;
  r.method = "POST";
  r.path = std::move(path);
  if (!csrf.empty()) r.query["csrf"] = csrf;
  return r;
}

TEST(ServerBodyLimitTest, OnlyTheImportPathsGetTheLargeLimit) {
  ServerOptions options;
  const std::size_t small = options.max_body_bytes;
  EXPECT_EQ(small, 256u * 1024);
  EXPECT_GT(MaxBodyBytesFor(options, To("/admin/contacts/import")), 20u * 1024 * 1024);
  EXPECT_GT(MaxBodyBytesFor(options, To("/admin/contacts/import/7")), 20u * 1024 * 1024);
  EXPECT_EQ(MaxBodyBytesFor(options, To("/admin/contacts/importer")), small);
  EXPECT_EQ(MaxBodyBytesFor(options, To("/admin/contacts/7")), small);
  EXPECT_EQ(MaxBodyBytesFor(options, To("/c/token")), small);
  EXPECT_EQ(MaxBodyBytesFor(options, To("/admin/contacts/impor")), small);
}

TEST(ServerBodyLimitTest, TheLargeLimitIsOnlyForRequestsTheLimitAdmits) {
  ServerOptions options;
  for (auto& limit : options.body_limits) {
    limit.admits = [](const Request& r) { return r.Query("csrf") == "gut"; };
  }
  EXPECT_GT(MaxBodyBytesFor(options, To("/admin/contacts/import", "gut")), 20u * 1024 * 1024);
  EXPECT_EQ(MaxBodyBytesFor(options, To("/admin/contacts/import", "falsch")),
            options.max_body_bytes);
  EXPECT_EQ(MaxBodyBytesFor(options, To("/admin/contacts/import")), options.max_body_bytes);
}

}  // namespace
}  // namespace consentd::http
