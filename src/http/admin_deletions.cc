#include "http/admin_deletions.h"

#include <algorithm>

#include "app/deletion_inbox.h"
#include "core/time.h"
#include "http/form_fields.h"

namespace consentd::http {

namespace {

using nlohmann::json;

constexpr std::string_view kBase = "/admin/deletions";
constexpr std::array<std::string_view, 4> kDecidedStatuses = {"erased", "retained", "rejected",
                                                              "withdrawn"};

// Texts of this area ("del_" keys).
constexpr std::string_view kTexts = "del_";

std::string NameOf(const core::DeletionCase& c, const AreaTexts& t) {
  if (c.contact_erased) return t("erased_contact");
  return c.contact_name.empty() ? t("unnamed") : c.contact_name;
}

json StatusJson(const app::InboxEntry& e, const AreaTexts& t) {
  if (e.hold_ended) return {{"label", t("hold_ended")}, {"badge", "badge-overdue"}};
  if (e.overdue) return {{"label", t("overdue")}, {"badge", "badge-overdue"}};
  const std::string& s = e.c.request.status;
  return {{"label", t("status_" + s)},
          {"badge", s == "open"     ? "badge-deletion"
                    : s == "erased" ? "badge-none"
                                    : "badge-withdrawn"}};
}

json RowJson(const app::InboxEntry& e, const AreaTexts& t, std::string_view lang) {
  const auto& c = e.c;
  return {{"id", c.request.id},
          {"href", std::string(kBase) + "/" + std::to_string(c.request.id)},
          {"name", NameOf(c, t)},
          {"received", AdminDate(c.request.received_at, lang)},
          {"due", AdminDate(c.request.due_at, lang)},
          {"retain_until", AdminDate(c.retain_until, lang)},
          {"decided", AdminDate(c.decided_at, lang)},
          {"extended", c.extended_months > 0},
          {"extended_months", c.extended_months},
          {"attention", e.overdue || e.hold_ended},
          {"status", StatusJson(e, t)}};
}

// One input of a decision form: ids "del-<decision>-<name>".
json InputJson(std::string_view decision, std::string_view name, const std::string& value,
               const core::FieldErrors& errors, std::string_view lang) {
  std::string message = ErrorFor(errors, name, lang);
  return {{"id", "del-" + std::string(decision) + "-" + std::string(name)},
          {"value", value},
          {"error", message},
          {"invalid", !message.empty()}};
}

// The fields of every decision form; only the submitted one shows its values and errors.
json FormsJson(const core::Form& form, const core::FieldErrors& errors, std::string_view lang) {
  const std::string submitted = FormValue(form, "decision");
  json out = json::object();
  for (std::string_view d : {"erase", "retain", "reject", "extend"}) {
    const bool mine = submitted == d;
    const core::FieldErrors none;
    const core::FieldErrors& e = mine ? errors : none;
    auto value = [&](std::string_view name) { return mine ? FormValue(form, name) : ""; };
    json f = {{"reason", InputJson(d, "reason", value("reason"), e, lang)},
              {"confirm", InputJson(d, "confirm", value("confirm"), e, lang)},
              {"rule_id", InputJson(d, "rule_id", value("rule_id"), e, lang)},
              {"retain_until", InputJson(d, "retain_until", value("retain_until"), e, lang)},
              {"months", InputJson(d, "months", value("months"), e, lang)},
              {"decision_error", ErrorFor(e, "decision", lang)}};
    out[std::string(d)] = f;
  }
  return out;
}

json RulesJson(const std::vector<core::RetentionRule>& rules, const std::string& selected,
               const AreaTexts& t) {
  json out = json::array();
  for (const auto& r : rules) {
    std::string label = r.name;
    if (!r.legal_reference.empty()) label += " (" + r.legal_reference + ")";
    label += ": " + std::to_string(r.months) + " " + t("months_unit");
    out.push_back({{"value", std::to_string(r.id)},
                   {"label", label},
                   {"selected", std::to_string(r.id) == selected}});
  }
  return out;
}

json ContactJson(const app::DeletionDetail& d, const AreaTexts& t, std::string_view lang) {
  const auto& c = d.contact;
  std::string consent = t("consent_none");
  if (d.consent && d.consent->revoked_at) {
    consent = t("consent_withdrawn") + " " + AdminDate(*d.consent->revoked_at, lang);
  } else if (d.consent && d.consent->granted_at) {
    consent = t("consent_granted") + " " + AdminDate(*d.consent->granted_at, lang);
  }
  return {{"erased", c.erased},
          {"name", c.erased ? t("erased_contact") : core::DisplayName(c.data)},
          {"email", c.data.email},
          {"place", core::Trim(c.data.plz + " " + c.data.ort)},
          {"href", "/admin/contacts/" + std::to_string(c.id)},
          {"consent", consent},
          {"search_profiles", d.search_profiles},
          {"activities", d.activities}};
}

}  // namespace

std::optional<Response> AdminDeletionsArea::Handle(const AdminContext& ctx) {
  const auto parts = PathBelow(ctx.request.path, kBase);
  if (!parts) return std::nullopt;
  if (parts->empty()) {
    if (ctx.IsPost()) return services_.pages.NotFound(ctx);
    return List(ctx);
  }
  const auto id = parts->size() == 1 ? ParseRowId(parts->front()) : std::nullopt;
  if (!id) return services_.pages.NotFound(ctx);
  if (ctx.IsPost()) return Decide(ctx, *id);
  return Detail(ctx, *id, {}, {}, 200);
}

Response AdminDeletionsArea::List(const AdminContext& ctx) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  const bool decided = ctx.request.Query("view") == "decided";
  std::string status = ctx.request.Query("status");
  if (std::find(kDecidedStatuses.begin(), kDecidedStatuses.end(), status) ==
      kDecidedStatuses.end()) {
    status.clear();
  }
  core::DeletionQuery q;
  q.filter = decided ? core::DeletionFilter::kDecided : core::DeletionFilter::kOpen;
  q.status = status;
  q.now = services_.clock.Now();
  auto entries = app::ListInbox(services_.store, ctx.tenant.id, q);
  if (!entries) return services_.pages.NotFound(ctx);
  json rows = json::array();
  int overdue = 0;
  for (const auto& e : *entries) {
    rows.push_back(RowJson(e, t, ctx.lang));
    overdue += e.overdue || e.hold_ended ? 1 : 0;
  }
  json statuses = json::array();
  for (auto s : kDecidedStatuses) {
    statuses.push_back(
        {{"value", s}, {"label", t("status_" + std::string(s))}, {"selected", s == status}});
  }
  json data = {{"title", t("title")},      {"rows", rows},
               {"empty", rows.empty()},    {"decided_view", decided},
               {"open_view", !decided},    {"statuses", statuses},
               {"overdue_count", overdue}, {"any_overdue", overdue > 0}};
  return services_.pages.Page(ctx, "admin/deletion_list", std::move(data));
}

Response AdminDeletionsArea::Detail(const AdminContext& ctx, std::int64_t id,
                                    const core::Form& form, const core::FieldErrors& errors,
                                    int status) {
  const AreaTexts t{services_.pages, ctx.lang, kTexts};
  auto d = app::LoadDetail(services_.store, ctx.tenant.id, id, services_.clock.Now());
  if (!d) return services_.pages.NotFound(ctx);
  const auto& c = d->entry.c;
  const bool open = c.request.status == "open";
  json data = {
      {"title", t("detail_title") + " " + std::to_string(id)},
      {"id", id},
      {"action", std::string(kBase) + "/" + std::to_string(id)},
      {"request", RowJson(d->entry, t, ctx.lang)},
      {"note", c.request.note},
      {"has_note", !c.request.note.empty()},
      {"decision_reason", c.decision_reason},
      {"retention_rule", c.retention_rule},
      {"extension_reason", c.extension_reason},
      {"contact", ContactJson(*d, t, ctx.lang)},
      {"can_decide", open},
      {"can_erase", open || d->entry.hold_ended},
      {"can_extend", open && c.extended_months < core::kMaxExtensionMonths},
      {"can_extend_two", open && c.extended_months == 0},
      {"rules", RulesJson(d->rules, FormValue(form, "rule_id"), t)},
      {"has_rules", !d->rules.empty()},
      {"forms", FormsJson(form, errors, ctx.lang)},
      {"has_errors", !errors.empty()},
      {"error_summary", ErrorSummary("del-" + FormValue(form, "decision"), errors, ctx.lang)}};
  return services_.pages.Page(ctx, "admin/deletion_detail", std::move(data), status);
}

Response AdminDeletionsArea::Decide(const AdminContext& ctx, std::int64_t id) {
  const std::string decision = FormValue(ctx.form, "decision");
  if (!app::ParseDecision(decision)) return Detail(ctx, id, {}, {}, 200);
  const app::DecisionInput input = app::DecisionFromForm(ctx.form);
  const app::Actor actor = ActorOf(ctx);
  auto outcome = app::Decide(services_.store, services_.clock, services_.crypto, actor, id, input);
  if (!outcome) {
    if (outcome.error().code == core::ErrorCode::kNotFound) return services_.pages.NotFound(ctx);
    core::FieldErrors failed = {{"decision",
                                 AreaTexts{services_.pages, ctx.lang, kTexts}("save_failed"),
                                 AreaTexts{services_.pages, ctx.lang, kTexts}("save_failed")}};
    return Detail(ctx, id, ctx.form, failed, 500);
  }
  if (!outcome->errors.empty()) return Detail(ctx, id, ctx.form, outcome->errors, 422);
  return AdminPages::SeeOther(std::string(kBase) + "/" + std::to_string(id),
                              "del_done_" + decision);
}

}  // namespace consentd::http
