#include "http/admin_templates.h"

#include <algorithm>
#include <map>
#include <string>

#include "app/mail_templates.h"
#include "core/time.h"
#include "http/form.h"

namespace consentd::http {

namespace {

using nlohmann::json;

constexpr std::string_view kBase = "/admin/templates";

// Texts of this area ("tp_" keys).
constexpr std::string_view kTexts = "tp_";

bool IsKey(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string UrlOf(const core::MailTemplate& t) {
  return std::string(kBase) + "/" + t.key + "/" + t.language;
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
std::string ProblemText(const core::TemplateProblem& p, const AreaTexts& t, std::string_view lang) {
  std::string message = lang == "en" ? p.message_en : p.message_de;
  if (p.line <= 0) return message;
  return t("line") + " " + std::to_string(p.line) + ": " + message;
}

json ProblemsJson(const std::vector<core::TemplateProblem>& problems, const AreaTexts& t,
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

// Longer frame addresses are not built: they could exceed what the server takes in a request
// line; the page then asks to save first.
constexpr std::size_t kMaxMailPreviewUrl = 8000;

// The HTML view of `draft` on the sample contact: GET .../mail-preview, with the draft's HTML
// in the query when it differs from the saved one (`current`).
std::string MailPreviewUrl(const core::MailTemplate& current, const core::MailTemplate& draft) {
  std::string url = UrlOf(current) + "/mail-preview";
  if (draft.body_html != current.body_html) url += "?body_html=" + PercentEncode(draft.body_html);
  return url;
}

json PreviewJson(const app::TemplatePreview& p, const AreaTexts& t, std::string_view lang,
                 const std::string& html_src) {
  json out = {{"has_mail", p.mail.has_value()}, {"problems", ProblemsJson(p.problems, t, lang)}};
  if (p.mail) {
    const bool has_html = !p.mail->html.empty();
    const bool too_long = html_src.size() > kMaxMailPreviewUrl;
    out["subject"] = p.mail->subject;
    out["text"] = p.mail->text;
    out["has_html"] = has_html && !too_long;
    out["html_too_long"] = has_html && too_long;
    out["html_src"] = html_src;
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
  const auto parts = PathBelow(ctx.request.path, kBase);
  if (!parts) return std::nullopt;
  const auto& p = *parts;  // {key, lang[, "preview" | "mail-preview"]}
  if (p.empty()) {
    if (ctx.IsPost()) return services_.pages.NotFound(ctx);
    return List(ctx);
  }
  if (p.size() < 2 || p.size() > 3) return services_.pages.NotFound(ctx);
  const std::string_view key = p[0];
  const std::string_view lang = p[1];
  const std::string_view view = p.size() == 3 ? p[2] : "";
  if (!IsKey(key) || (lang != "de" && lang != "en") ||
      (p.size() == 3 && view != "preview" && view != "mail-preview")) {
    return services_.pages.NotFound(ctx);
  }
  std::optional<core::MailTemplate> current;
  auto status = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto found = tx.FindTemplate(ctx.tenant.id, key, lang);
    if (!found) return found.error();
    current = std::move(*found);
    return {};
  });
  if (!status) return services_.pages.NotFound(ctx);
  if (view == "preview") return Preview(ctx, *current);
  if (view == "mail-preview") return MailPreview(ctx, *current);
  return Edit(ctx, *current);
}

Response AdminTemplatesArea::List(const AdminContext& ctx) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  json rows = json::array();
  auto status = services_.store.Read([&](core::ReadTx& tx) -> core::Status {
    auto list = tx.ListTemplates(ctx.tenant.id);
    if (!list) return list.error();
    for (const auto& tmpl : *list) {
      rows.push_back({{"key", tmpl.key},
                      {"language", tmpl.language == "de" ? "Deutsch" : "English"},
                      {"name", tmpl.name},
                      {"subject", tmpl.subject},
                      {"updated", AdminDateTime(tmpl.updated_at, ctx.lang)},
                      {"href", UrlOf(tmpl)}});
    }
    return {};
  });
  if (!status) return services_.pages.NotFound(ctx);
  json data = {{"title", t("list_title")}, {"rows", rows}, {"can_save", ctx.IsAdmin()}};
  return services_.pages.Page(ctx, "admin/template_list", std::move(data));
}

namespace {

json EditData(const AdminContext& ctx, const AreaTexts& t, const core::MailTemplate& current,
              const core::MailTemplate& draft, const app::TemplatePreview& preview,
              const std::vector<core::TemplateProblem>& shown) {
  // The preview is drawn by the same template as the live preview's fragment.
  std::string preview_html = t.pages.renderer().RenderFragment(
      "admin/template_preview",
      {{"preview", PreviewJson(preview, t, ctx.lang, MailPreviewUrl(current, draft))}}, ctx.lang);
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
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const core::Time now = services_.clock.Now();
  if (!ctx.IsPost()) {
    auto preview = app::PreviewTemplate(ctx.tenant, current, services_.base_url, now);
    return services_.pages.Page(ctx, "admin/template_edit",
                                EditData(ctx, t, current, current, preview, preview.problems));
  }
  const core::MailTemplate draft = DraftOf(current, ctx.form);
  auto preview = app::PreviewTemplate(ctx.tenant, draft, services_.base_url, now);
  if (FormField(ctx.form, "action") != "save") {
    return services_.pages.Page(ctx, "admin/template_edit",
                                EditData(ctx, t, current, draft, preview, preview.problems));
  }
  if (!ctx.IsAdmin()) return services_.pages.Forbidden(ctx);
  auto saved = app::SaveTemplateDraft(services_.store, services_.clock, ActorOf(ctx), draft);
  if (saved && saved->empty()) return AdminPages::SeeOther(UrlOf(draft), "tp_saved");
  std::vector<core::TemplateProblem> problems =
      saved ? *saved
            : std::vector<core::TemplateProblem>{{"name", 0, t("save_failed"), t("save_failed")}};
  return services_.pages.Page(ctx, "admin/template_edit",
                              EditData(ctx, t, current, draft, preview, problems), 422);
}

Response AdminTemplatesArea::Preview(const AdminContext& ctx, const core::MailTemplate& current) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const core::MailTemplate draft = ctx.IsPost() ? DraftOf(current, ctx.form) : current;
  auto preview = app::PreviewTemplate(ctx.tenant, draft, services_.base_url, services_.clock.Now());
  return services_.pages.Fragment(
      ctx, "admin/template_preview",
      {{"preview", PreviewJson(preview, t, ctx.lang, MailPreviewUrl(current, draft))}});
}

Response AdminTemplatesArea::MailPreview(const AdminContext& ctx,
                                         const core::MailTemplate& current) {
  if (ctx.IsPost()) return services_.pages.NotFound(ctx);
  core::MailTemplate draft = current;
  if (ctx.request.query.contains("body_html")) {
    draft.body_html = ctx.request.Query("body_html");
    std::erase(draft.body_html, '\r');
  }
  auto preview = app::PreviewTemplate(ctx.tenant, draft, services_.base_url, services_.clock.Now());
  if (!preview.mail || preview.mail->html.empty()) return services_.pages.NotFound(ctx);
  return AdminPages::MailPreview(std::move(preview.mail->html));
}

}  // namespace consentd::http
