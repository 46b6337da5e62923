#include "core/time.h"

#include <gtest/gtest.h>

namespace consentd::core {
namespace {

Time At(const char* iso) { return ParseIso(iso).value(); }

TEST(TimeTest, FormatsAndParsesIso) {
  Time t = At("2026-11-30T14:05:09Z");
  EXPECT_EQ(FormatIso(t), "2026-11-30T14:05:09Z");
  EXPECT_EQ(FormatGermanDate(t), "30.11.2026");
  EXPECT_EQ(FormatIsoDate(t), "2026-11-30");
}

TEST(TimeTest, RejectsMalformedIso) {
  EXPECT_FALSE(ParseIso("2026-11-30 14:05:09"));
  EXPECT_FALSE(ParseIso("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseIso("2026-11-30T24:00:00Z"));
  EXPECT_FALSE(ParseIso(""));
}

TEST(TimeTest, AddMonthsClampsToMonthEnd) {
  EXPECT_EQ(FormatIso(AddMonths(At("2026-01-31T10:00:00Z"), 1)), "2026-02-28T10:00:00Z");
  EXPECT_EQ(FormatIso(AddMonths(At("2028-01-31T10:00:00Z"), 1)), "2028-02-29T10:00:00Z");
  EXPECT_EQ(FormatIso(AddMonths(At("2026-11-30T10:00:00Z"), 1)), "2026-12-30T10:00:00Z");
  EXPECT_EQ(FormatIso(AddMonths(At("2026-12-15T00:00:00Z"), 1)), "2027-01-15T00:00:00Z");
  EXPECT_EQ(FormatIso(AddMonths(At("2026-03-31T00:00:00Z"), 3)), "2026-06-30T00:00:00Z");
}

}  // namespace
}  // namespace consentd::core
