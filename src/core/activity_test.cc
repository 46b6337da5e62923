#include "core/activity.h"

#include <gtest/gtest.h>

namespace consentd::core {
namespace {

Activity Sample() {
  Activity a;
  a.tenant_id = 1;
  a.seq = 5;
  a.contact_id = 9;
  a.type = ActivityType::kLoeschantrag;
  a.author_user_id = 2;
  a.created_at = ParseIso("2026-11-30T10:00:00Z").value();
  a.payload_sha256 = "digest";
  a.prev_hash = "prev";
  return a;
}

TEST(ActivityTest, ChainInputCoversEveryChainedField) {
  const std::string base = ChainInput(Sample());
  auto differs = [&](auto mutate) {
    Activity a = Sample();
    mutate(a);
    return ChainInput(a) != base;
  };
  EXPECT_TRUE(differs([](Activity& a) { a.tenant_id = 2; }));
  EXPECT_TRUE(differs([](Activity& a) { a.seq = 6; }));
  EXPECT_TRUE(differs([](Activity& a) { a.contact_id = 10; }));
  EXPECT_TRUE(differs([](Activity& a) { a.type = ActivityType::kWiderruf; }));
  EXPECT_TRUE(differs([](Activity& a) { a.author_user_id = 3; }));
  EXPECT_TRUE(differs([](Activity& a) { a.created_at += std::chrono::seconds(1); }));
  EXPECT_TRUE(differs([](Activity& a) { a.payload_sha256 = "other"; }));
  EXPECT_TRUE(differs([](Activity& a) { a.prev_hash = "other"; }));
  // The payload itself is not chained: erasure may delete it.
  EXPECT_FALSE(differs([](Activity& a) { a.payload = "{\"name\":\"Erika\"}"; }));
}

TEST(ActivityTest, TypeNamesRoundTrip) {
  for (auto t : {ActivityType::kEinwilligung, ActivityType::kDatenaenderung,
                 ActivityType::kSuchprofil, ActivityType::kWiderruf, ActivityType::kLoeschantrag}) {
    EXPECT_EQ(ParseActivityType(ActivityTypeName(t)), t);
  }
  EXPECT_EQ(ActivityTypeName(ActivityType::kDatenaenderung), "Datenänderung");
}

}  // namespace
}  // namespace consentd::core
