#include "http/admin_contact_list.h"

#include <algorithm>
#include <string>

#include "app/contact_list.h"
#include "core/time.h"
#include "http/form.h"

namespace consentd::http {

namespace {

using nlohmann::json;

constexpr std::string_view kPath = "/admin/contacts";
constexpr std::array<std::string_view, 4> kStates = {"none", "granted", "withdrawn",
                                                     "deletion_requested"};
constexpr std::array<std::string_view, 4> kBases = {"none", "consent", "existing_customer",
                                                    "own_enquiry"};
constexpr std::array<std::string_view, 5> kSorts = {"name", "plz", "ort", "created", "state"};
constexpr std::array<std::string_view, 4> kBadges = {"badge-none", "badge-granted",
                                                     "badge-withdrawn", "badge-deletion"};

// Renders texts of this page.
struct Texts {
  const AdminPages& pages;
  const std::string& lang;
  std::string operator()(std::string_view key) const {
    return pages.Text(lang, "cl_" + std::string(key));
  }
};

// The filter fields of `q` as a query string (without page), for links that keep them.
std::string FilterQuery(const app::ContactQuery& q) {
  std::string out;
  auto add = [&out](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    out += (out.empty() ? "" : "&") + std::string(name) + "=" + PercentEncode(value);
  };
  add("q", q.text);
  add("state", q.state);
  add("basis", q.basis);
  add("kontaktart", q.kontaktart);
  return out;
}

std::string ListUrl(const app::ContactQuery& q, std::string_view sort, bool desc, int page) {
  std::string query = FilterQuery(q);
  if (sort != "name")
    query += (query.empty() ? "" : "&") + std::string("sort=") + std::string(sort);
  if (desc) query += (query.empty() ? "" : "&") + std::string("dir=desc");
  if (page > 1) query += (query.empty() ? "" : "&") + ("page=" + std::to_string(page));
  return std::string(kPath) + (query.empty() ? "" : "?" + query);
}

template <typename Keys>
json Options(const Keys& keys, const std::string& selected, const Texts& t,
             std::string_view prefix) {
  json out = json::array();
  for (std::string_view key : keys) {
    out.push_back({{"value", key},
                   {"label", t(std::string(prefix) + std::string(key))},
                   {"selected", key == selected}});
  }
  return out;
}

json KontaktartOptions(const std::string& selected, const Texts& t) {
  std::vector<std::string_view> keys;
  for (const auto& [key, label] : core::kKontaktarten) keys.push_back(key);
  return Options(keys, selected, t, "kontaktart_");
}

std::string DateOf(core::Time time, std::string_view lang) {
  const std::string iso = core::FormatIso(time);  // YYYY-MM-DDT...
  if (lang != "de") return iso.substr(0, 10);
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4);
}

json Row(const core::ContactListRow& row, const Texts& t, std::string_view lang) {
  const auto& c = row.contact;
  const auto state = static_cast<std::size_t>(row.state);
  const std::string id = std::to_string(c.id);
  std::string name = c.data.nachname.empty() && c.data.vorname.empty()
                         ? std::string()
                         : c.data.nachname +
                               (c.data.vorname.empty() || c.data.nachname.empty() ? "" : ", ") +
                               c.data.vorname;
  return {{"id", c.id},
          {"href", std::string(kPath) + "/" + id},
          {"select_name", "c" + id},
          {"name", name.empty() ? c.data.firma : name},
          {"firma", name.empty() ? "" : c.data.firma},
          {"has_firma", !name.empty() && !c.data.firma.empty()},
          {"email", c.data.email},
          {"plz", c.data.plz},
          {"ort", c.data.ort},
          {"kontaktart", c.data.kontaktart.empty() ? "" : t("kontaktart_" + c.data.kontaktart)},
          {"basis", t("basis_" + std::string(core::LegalBasisKey(c.legal_basis)))},
          {"state", t("state_" + std::string(kStates[state]))},
          {"badge", kBadges[state]},
          {"created", DateOf(c.created_at, lang)},
          {"has_email", !c.data.email.empty()},
          {"mail_href", "/admin/mailings/new?c" + id + "=1"}};
}

json Columns(const app::ContactQuery& q, const Texts& t) {
  json out = json::array();
  for (std::string_view sort : kSorts) {
    const bool current = q.sort == sort;
    const bool next_desc = current && !q.descending;
    out.push_back({{"key", sort},
                   {"label", t("col_" + std::string(sort))},
                   {"href", ListUrl(q, sort, next_desc, 1)},
                   {"current", current},
                   {"aria_sort", current ? (q.descending ? "descending" : "ascending") : "none"},
                   {"arrow", q.descending ? "▼" : "▲"}});
  }
  return out;
}

json Errors(const core::FieldErrors& errors, std::string_view lang) {
  json out = json::object();
  json list = json::array();
  for (const auto& e : errors) {
    const std::string& message = lang == "de" ? e.message_de : e.message_en;
    out[e.field] = {{"message", message}};
    list.push_back({{"field", e.field}, {"message", message}});
  }
  return {{"by_field", out}, {"list", list}, {"any", !errors.empty()}};
}

std::string CountText(const app::ContactListPage& page, const Texts& t, std::string_view lang) {
  if (page.total_capped) {
    return t(page.count_cap == app::kSearchCountCap ? "count_capped_search" : "count_capped");
  }
  std::string n = std::to_string(page.total);
  if (lang == "de") {
    for (int i = static_cast<int>(n.size()) - 3; i > 0; i -= 3)
      n.insert(static_cast<std::size_t>(i), ".");
  } else {
    for (int i = static_cast<int>(n.size()) - 3; i > 0; i -= 3)
      n.insert(static_cast<std::size_t>(i), ",");
  }
  return n + " " + (page.total == 1 ? t("count_one") : t("count_many"));
}

json Pager(const app::ContactQuery& q, const app::ContactListPage& page, const Texts& t) {
  json pager = {{"page", q.page}, {"label", t("page") + " " + std::to_string(q.page)}};
  if (!page.total_capped) {
    const auto pages = std::max<std::int64_t>(1, (page.total + q.per_page - 1) / q.per_page);
    pager["label"] =
        t("page") + " " + std::to_string(q.page) + " " + t("page_of") + " " + std::to_string(pages);
  }
  if (q.page > 1) pager["prev"] = ListUrl(q, q.sort, q.descending, q.page - 1);
  if (page.has_next) pager["next"] = ListUrl(q, q.sort, q.descending, q.page + 1);
  return pager;
}

json Filters(const app::ContactQuery& q, const Texts& t) {
  return {{"q", q.text},
          {"states", Options(kStates, q.state, t, "state_")},
          {"bases", Options(kBases, q.basis, t, "basis_")},
          {"kontaktarten", KontaktartOptions(q.kontaktart, t)},
          {"sorts", Options(kSorts, q.sort, t, "col_")},
          {"desc", q.descending},
          {"sort", q.sort},
          {"hidden", json::array({{{"name", "q"}, {"value", q.text}},
                                  {{"name", "state"}, {"value", q.state}},
                                  {{"name", "basis"}, {"value", q.basis}},
                                  {{"name", "kontaktart"}, {"value", q.kontaktart}}})}};
}

}  // namespace

std::optional<Response> AdminContactListArea::Handle(const AdminContext& ctx) {
  if (ctx.request.path != kPath || ctx.request.method != "GET") return std::nullopt;
  core::Form fields(ctx.request.query.begin(), ctx.request.query.end());
  const auto parsed = app::ParseContactQuery(fields);
  const auto& q = parsed.query;
  auto page = app::LoadContactList(services_.store, ctx.tenant.id, q);
  if (!page) throw std::runtime_error("address list: " + page.error().message);
  const Texts t{services_.pages, ctx.lang};
  json rows = json::array();
  for (const auto& row : page->rows) rows.push_back(Row(row, t, ctx.lang));
  json data = {{"title", t("title")},
               {"filter", Filters(q, t)},
               {"errors", Errors(parsed.errors, ctx.lang)},
               {"rows", rows},
               {"has_rows", !page->rows.empty()},
               {"columns", Columns(q, t)},
               {"count", CountText(*page, t, ctx.lang)},

               {"pager", Pager(q, *page, t)},
               {"reset_href", std::string(kPath)}};
  return services_.pages.Page(ctx, "admin/contact_list", std::move(data));
}

}  // namespace consentd::http
