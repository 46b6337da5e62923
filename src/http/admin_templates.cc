#include "http/admin_templates.h"

#include <algorithm>
#include <map>
#include <string>

#include "app/mail_templates.h"
#include "core/time.h"

namespace consentd::http {

namespace {

using nlohmann::json;

constexpr std::string_view kBase = "/admin/templates";

// Texts of this area ("tp_" keys).
struct Texts {
  const AdminPages& pages;
  const std::string& lang;
  std::string operator()(std::string_view key) const {
    return pages.Text(lang, "tp_" + std::string(key));
  }
};

bool IsKey(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string UrlOf(const core::MailTemplate& t) {
  return std::string(kBase) + "/" + t.key + "/" + t.language;
}

std::string DateOf(core::Time t, std::string_view lang) {
  const std::string iso = core::FormatIso(t);
  if (lang != "de") return iso.substr(0, 10) + " " + iso.substr(11, 5);
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4) + " " +
         iso.substr(11, 5);
}

core::MailTemplate DraftOf(const core::MailTemplate& current, const core::Form& form) {
  core::MailTemplate draft = current;
  draft.name = core::Trim(FormField(form, "name"));
  draft.subject = FormField(form, "subject");
  draft.body_text = TextareaField(form, "body_text");
  draft.body_html = TextareaField(form, "body_html");
  return draft;
}

// "Zeile 3: Unbekannter Platzhalter {{vornme}}." — or without the line when it is unknown.
std::string ProblemText(const core::TemplateProblem& p, const Texts& t, std::string_view lang) {
  std::string message = lang == "en" ? p.message_en : p.message_de;
  if (p.line <= 0) return message;
  return t("line") + " " + std::to_string(p.line) + ": " + message;
}

json ProblemsJson(const std::vector<core::TemplateProblem>& problems, const Texts& t,
                  std::string_view lang) {
  std::map<std::string, json> by_part;
  json summary = json::array();
  for (const auto& p : problems) {
    std::string text = ProblemText(p, t, lang);
    by_part[p.part].push_back({{"message", text}});
    summary.push_back({{"message", t("part_" + p.part) + " – " + text}, {"field", "tp-" + p.part}});
  }
  json by_field = json::object();
  json invalid = json::object();
  for (auto& [part, list] : by_part) {
    invalid[part] = true;
    by_field[part] = std::move(list);
  }
  return {{"any", !problems.empty()},
          {"by_field", by_field},
          {"invalid", invalid},
          {"summary", summary}};
}

json PreviewJson(const app::TemplatePreview& p, const Texts& t, std::string_view lang) {
  json out = {{"has_mail", p.mail.has_value()}, {"problems", ProblemsJson(p.problems, t, lang)}};
  if (p.mail) {
    out["subject"] = p.mail->subject;
    out["text"] = p.mail->text;
    out["html"] = p.mail->html;
    out["has_html"] = !p.mail->html.empty();
  }
  return out;
}

json PlaceholdersJson() {
  json list = json::array();
  for (const auto& p : core::TemplatePlaceholders()) {
    list.push_back({{"name", "{{" + std::string(p.name) + "}}"}, {"description", p.description}});
  }
  return list;
}

}  // namespace

std::optional<Response> AdminTemplatesArea::Handle(const AdminContext& ctx) {
  const std::string& path = ctx.request.path;
  if (path.rfind(kBase, 0) != 0) return std::nullopt;
  std::string_view rest = std::string_view(path).substr(kBase.size());
  if (!rest.empty() && rest.front() != '/') return std::nullopt;
  if (rest.empty() || rest == "/") {
    if (ctx.IsPost()) return services_.pages.NotFound(ctx);
    return List(ctx);
  }
  rest.remove_prefix(1);  // key/lang[/preview]
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return services_.pages.NotFound(ctx);
  const std::string_view key = rest.substr(0, slash);
  std::string_view tail = rest.substr(slash + 1);
  const bool preview = tail.ends_with("/preview");
  if (preview) tail.remove_suffix(8);
  const std::string_view lang = tail;
  if (!IsKey(key) || (lang != "de" && lang != "en")) return services_.pages.NotFound(ctx);
  std::optional<core::MailTemplate> current;
  auto status = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto found = tx.FindTemplate(ctx.tenant.id, key, lang);
    if (!found) return found.error();
    current = std::move(*found);
    return {};
  });
  if (!status) return services_.pages.NotFound(ctx);
  if (preview) return Preview(ctx, *current);
  return Edit(ctx, *current);
}

Response AdminTemplatesArea::List(const AdminContext& ctx) {
  const Texts t{services_.pages, ctx.lang};
  json rows = json::array();
  auto status = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto list = tx.ListTemplates(ctx.tenant.id);
    if (!list) return list.error();
    for (const auto& tmpl : *list) {
      rows.push_back({{"key", tmpl.key},
                      {"language", tmpl.language == "de" ? "Deutsch" : "English"},
                      {"name", tmpl.name},
                      {"subject", tmpl.subject},
                      {"updated", DateOf(tmpl.updated_at, ctx.lang)},
                      {"href", UrlOf(tmpl)}});
    }
    return {};
  });
  if (!status) return services_.pages.NotFound(ctx);
  json data = {{"title", t("list_title")}, {"rows", rows}, {"can_save", ctx.IsAdmin()}};
  return services_.pages.Page(ctx, "admin/template_list", std::move(data));
}

namespace {

json EditData(const AdminContext& ctx, const Texts& t, const core::MailTemplate& draft,
              const app::TemplatePreview& preview,
              const std::vector<core::TemplateProblem>& shown) {
  // The preview is drawn by the same template as the live preview's fragment.
  std::string preview_html = t.pages.renderer().RenderFragment(
      "admin/template_preview", {{"preview", PreviewJson(preview, t, ctx.lang)}}, ctx.lang);
  return {{"title", t("edit_title") + ": " + draft.name},
          {"action", UrlOf(draft)},
          {"preview_url", UrlOf(draft) + "/preview"},
          {"key", draft.key},
          {"language", draft.language == "de" ? "Deutsch" : "English"},
          {"name", draft.name},
          {"subject", draft.subject},
          {"body_text", draft.body_text},
          {"body_html", draft.body_html},
          {"required_link", "{{" + std::string(core::RequiredLinkOf(draft.key)) + "}}"},
          {"can_save", ctx.IsAdmin()},
          {"errors", ProblemsJson(shown, t, ctx.lang)},
          {"preview_html", preview_html},
          {"placeholders", PlaceholdersJson()}};
}

}  // namespace

Response AdminTemplatesArea::Edit(const AdminContext& ctx, const core::MailTemplate& current) {
  const Texts t{services_.pages, ctx.lang};
  const core::Time now = services_.clock.Now();
  if (!ctx.IsPost()) {
    auto preview = app::PreviewTemplate(ctx.tenant, current, services_.base_url, now);
    return services_.pages.Page(ctx, "admin/template_edit",
                                EditData(ctx, t, current, preview, preview.problems));
  }
  const core::MailTemplate draft = DraftOf(current, ctx.form);
  auto preview = app::PreviewTemplate(ctx.tenant, draft, services_.base_url, now);
  if (FormField(ctx.form, "action") != "save") {
    return services_.pages.Page(ctx, "admin/template_edit",
                                EditData(ctx, t, draft, preview, preview.problems));
  }
  if (!ctx.IsAdmin()) return services_.pages.Forbidden(ctx);
  auto saved = app::SaveTemplateDraft(services_.store, services_.clock,
                                      {ctx.tenant.id, ctx.user.id, ctx.ip_prefix}, draft);
  if (saved && saved->empty()) return AdminPages::SeeOther(UrlOf(draft), "tp_saved");
  std::vector<core::TemplateProblem> problems =
      saved ? *saved
            : std::vector<core::TemplateProblem>{{"name", 0, t("save_failed"), t("save_failed")}};
  return services_.pages.Page(ctx, "admin/template_edit",
                              EditData(ctx, t, draft, preview, problems), 422);
}

Response AdminTemplatesArea::Preview(const AdminContext& ctx, const core::MailTemplate& current) {
  const Texts t{services_.pages, ctx.lang};
  const core::MailTemplate draft = ctx.IsPost() ? DraftOf(current, ctx.form) : current;
  auto preview = app::PreviewTemplate(ctx.tenant, draft, services_.base_url, services_.clock.Now());
  return services_.pages.Fragment(ctx, "admin/template_preview",
                                  {{"preview", PreviewJson(preview, t, ctx.lang)}});
}

}  // namespace consentd::http
