// What the areas of the admin UI share: texts, the actor, dates, paths.
#include "http/admin_area.h"

#include "core/time.h"
#include "http/form_fields.h"

namespace consentd::http {

std::string AreaTexts::operator()(std::string_view key) const {
  std::string full(prefix);
  full += key;
  return pages.Text(lang, full);
}

nlohmann::json AreaInput(const AreaTexts& t, std::string_view form, std::string_view name,
                         const std::string& value, const core::FieldErrors& errors) {
  std::string message = ErrorFor(errors, name, t.lang);
  return {{"id", std::string(form) + "-" + std::string(name)},
          {"name", name},
          {"label", t("f_" + std::string(name))},
          {"value", value},
          {"error", message},
          {"invalid", !message.empty()}};
}

app::Actor ActorOf(const AdminContext& ctx) {
  app::Actor actor;
  actor.tenant = ctx.tenant.id;
  actor.user = ctx.user.id;
  actor.ip_prefix = ctx.ip_prefix;
  return actor;
}

std::string AdminDate(core::Time t, std::string_view lang) {
  return lang == "en" ? core::FormatIsoDate(t) : core::FormatGermanDate(t);
}

std::string AdminDate(const std::optional<core::Time>& t, std::string_view lang) {
  return t ? AdminDate(*t, lang) : std::string();
}

std::string AdminDateTime(core::Time t, std::string_view lang) {
  const std::string iso = core::FormatIso(t);  // YYYY-MM-DDTHH:MM:SSZ
  return AdminDate(t, lang) + " " + iso.substr(11, 5) + " UTC";
}

std::optional<std::vector<std::string_view>> PathBelow(std::string_view path,
                                                       std::string_view base) {
  if (!path.starts_with(base)) return std::nullopt;
  std::string_view rest = path.substr(base.size());
  std::vector<std::string_view> segments;
  if (rest.empty() || rest == "/") return segments;
  if (rest.front() != '/') return std::nullopt;
  rest.remove_prefix(1);
  for (;;) {
    const auto slash = rest.find('/');
    segments.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace consentd::http
