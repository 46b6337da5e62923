// Calendar helpers on UTC seconds. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace consentd::core {

using Time = std::chrono::sys_seconds;

// "2026-11-30T14:05:09Z".
std::string FormatIso(Time t);
// Parses the FormatIso form; nullopt on anything else.
std::optional<Time> ParseIso(std::string_view s);
// "30.11.2026" (the date as a German reader writes it, in UTC).
std::string FormatGermanDate(Time t);
// "2026-11-30".
std::string FormatIsoDate(Time t);
// The same time `months` calendar months later; the day is clamped to the end of a
// shorter month (31 Jan + 1 month = 28/29 Feb), as Art. 12(3) deadlines are counted.
Time AddMonths(Time t, int months);

}  // namespace consentd::core
