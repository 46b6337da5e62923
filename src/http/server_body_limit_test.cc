#include <gtest/gtest.h>

#include "http/server.h"

namespace consentd::http {
namespace {

TEST(ServerBodyLimitTest, OnlyTheImportPathsGetTheLargeLimit) {
  ServerOptions options;
  const std::size_t small = options.max_body_bytes;
  EXPECT_EQ(small, 256u * 1024);
  EXPECT_GT(MaxBodyBytesFor(options, "/admin/contacts/import"), 20u * 1024 * 1024);
  EXPECT_GT(MaxBodyBytesFor(options, "/admin/contacts/import/7"), 20u * 1024 * 1024);
  EXPECT_EQ(MaxBodyBytesFor(options, "/admin/contacts/importer"), small);
  EXPECT_EQ(MaxBodyBytesFor(options, "/admin/contacts/7"), small);
  EXPECT_EQ(MaxBodyBytesFor(options, "/c/token"), small);
  EXPECT_EQ(MaxBodyBytesFor(options, "/admin/contacts/impor"), small);
}

}  // namespace
}  // namespace consentd::http
