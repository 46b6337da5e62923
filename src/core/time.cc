#include "core/time.h"

#include <cstdio>

namespace consentd::core {
namespace {

using std::chrono::days;
using std::chrono::floor;

struct Parts {
  int year;
  unsigned month, day;
  long hour, minute, second;
};

Parts Split(Time t) {
  auto day_start = floor<days>(t);
  std::chrono::year_month_day ymd{day_start};
  auto rest = (t - day_start).count();
  return {int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()),
          rest / 3600,     (rest / 60) % 60,      rest % 60};
}

}  // namespace

std::string FormatIso(Time t) {
  Parts p = Split(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", p.year, p.month, p.day,
                p.hour, p.minute, p.second);
  return buf;
}

std::optional<Time> ParseIso(std::string_view s) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z') {
    return std::nullopt;
  }
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, se = 0;
  std::string copy(s);
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2u:%2u:%2uZ", &y, &mo, &d, &h, &mi, &se) != 6) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{mo},
                                  std::chrono::day{d}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{se};
}

std::string FormatGermanDate(Time t) {
  Parts p = Split(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u.%02u.%04d", p.day, p.month, p.year);
  return buf;
}

std::string FormatIsoDate(Time t) { return FormatIso(t).substr(0, 10); }

Time AddMonths(Time t, int months) {
  auto day_start = floor<days>(t);
  std::chrono::year_month_day ymd{day_start};
  auto shifted = ymd.year() / ymd.month() / std::chrono::day{1} + std::chrono::months{months};
  auto last = std::chrono::year_month_day_last{shifted.year(), shifted.month() / std::chrono::last};
  auto day = std::min(ymd.day(), last.day());
  std::chrono::sys_days target{shifted.year() / shifted.month() / day};
  return target + (t - day_start);
}

}  // namespace consentd::core
