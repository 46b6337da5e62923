#include "http/pages.h"

#include <cstdio>
#include <cstdlib>
#include <kainjow/mustache.hpp>

namespace consentd::http {

extern const std::map<std::string_view, std::string_view> kWebFiles;

namespace {

namespace mustache = kainjow::mustache;

constexpr std::string_view kPagePrefix = "templates/pages/";
// Admin UI templates are named "admin/<file>" and drawn inside "admin/layout".
constexpr std::string_view kAdminPrefix = "templates/admin/";
constexpr std::string_view kSuffix = ".mustache";

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "consentd: %s\n", what.c_str());
  std::abort();
}

// kainjow's data copies what it is given (set, push_back, and a vector that grows copies
// every element: the move is not noexcept), deeply: a page of contacts was copied three to
// five times over. The members and elements are moved into place instead, through the
// containers kainjow hands out as const but owns as mutable.
mustache::data ToMustache(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mustache::data d{mustache::data::type::object};
      for (const auto& [key, value] : j.items()) {
        d.set(key, mustache::data{false});
        *const_cast<mustache::data*>(d.get(key)) = ToMustache(value);
      }
      return d;
    }
    case nlohmann::json::value_t::array: {
      mustache::data d{mustache::data::type::list};
      auto& elements = const_cast<mustache::list&>(d.list_value());
      elements.reserve(j.size());
      for (const auto& value : j) elements.push_back(ToMustache(value));
      return d;
    }
    case nlohmann::json::value_t::boolean:
      return mustache::data{j.get<bool>()};
    case nlohmann::json::value_t::string:
      return mustache::data{j.get<std::string>()};
    case nlohmann::json::value_t::null:
      return mustache::data{false};
    default:
      return mustache::data{j.dump()};
  }
}

std::string_view StripAffixes(std::string_view path, std::string_view prefix) {
  path.remove_prefix(prefix.size());
  path.remove_suffix(kSuffix.size());
  return path;
}

bool IsTemplate(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix && path.size() > prefix.size() + kSuffix.size() &&
         path.substr(path.size() - kSuffix.size()) == kSuffix;
}

// "i18n/de.json" and "i18n/admin_contacts.de.json" both hold German texts: the language is
// the last dotted part before ".json".
std::string LanguageOfTexts(std::string_view path) {
  path.remove_prefix(5);
  path.remove_suffix(5);
  auto dot = path.rfind('.');
  return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

std::string_view LayoutOf(std::string_view page) {
  return page.substr(0, 6) == "admin/" ? "admin/layout" : "layout";
}

}  // namespace

struct PageRenderer::Impl {
  std::map<std::string, std::unique_ptr<mustache::mustache>, std::less<>> pages;
  std::map<std::string, nlohmann::json, std::less<>> texts;  // language -> {key: text}
  // Per language, converted once: {"t": texts, "lang": language}; the bottom of every
  // render context, so the texts are never copied per request.
  std::map<std::string, mustache::data, std::less<>> language_data;
};

PageRenderer::PageRenderer() : impl_(std::make_unique<Impl>()) {
  for (const auto& [path, content] : kWebFiles) {
    if (IsTemplate(path, kPagePrefix)) {
      auto tmpl = std::make_unique<mustache::mustache>(std::string(content));
      if (!tmpl->is_valid()) Die(std::string(path) + ": " + tmpl->error_message());
      impl_->pages.emplace(std::string(StripAffixes(path, kPagePrefix)), std::move(tmpl));
    } else if (IsTemplate(path, kAdminPrefix)) {
      auto tmpl = std::make_unique<mustache::mustache>(std::string(content));
      if (!tmpl->is_valid()) Die(std::string(path) + ": " + tmpl->error_message());
      impl_->pages.emplace("admin/" + std::string(StripAffixes(path, kAdminPrefix)),
                           std::move(tmpl));
    } else if (path.substr(0, 5) == "i18n/" && path.ends_with(".json")) {
      auto parsed = nlohmann::json::parse(content, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) Die(std::string(path) + ": invalid JSON");
      auto& texts = impl_->texts[LanguageOfTexts(path)];
      if (texts.is_null()) texts = nlohmann::json::object();
      for (auto& [key, value] : parsed.items()) {
        if (texts.contains(key)) Die(std::string(path) + ": text '" + key + "' defined twice");
        texts[key] = std::move(value);
      }
    }
  }
  for (const auto& [language, texts] : impl_->texts) {
    mustache::data d{mustache::data::type::object};
    d.set("t", ToMustache(texts));
    d.set("lang", language);
    impl_->language_data.emplace(language, std::move(d));
  }
}

PageRenderer::~PageRenderer() = default;

std::string PageRenderer::Render(std::string_view name, const nlohmann::json& data,
                                 std::string_view language) const {
  return Render(name, data, language, true);
}

std::string PageRenderer::Render(std::string_view name, const nlohmann::json& data,
                                 std::string_view language, bool with_layout) const {
  auto page = impl_->pages.find(name);
  if (page == impl_->pages.end()) Die("no page template " + std::string(name));
  auto texts = impl_->language_data.find(language);
  if (texts == impl_->language_data.end()) texts = impl_->language_data.find("de");
  mustache::context<std::string> context{&texts->second};
  mustache::data page_data = ToMustache(data);
  context.push(&page_data);
  std::string body = page->second->render(context);
  auto layout = impl_->pages.find(LayoutOf(name));
  if (!with_layout || layout == impl_->pages.end()) return body;
  mustache::data content{mustache::data::type::object};
  content.set("content", std::move(body));
  context.push(&content);
  return layout->second->render(context);
}

std::string PageRenderer::RenderFragment(std::string_view name, const nlohmann::json& data,
                                         std::string_view language) const {
  return Render(name, data, language, false);
}

std::string PageRenderer::Text(std::string_view language, std::string_view key) const {
  auto texts = impl_->texts.find(language);
  if (texts == impl_->texts.end()) return std::string(key);
  auto it = texts->second.find(std::string(key));
  return it == texts->second.end() ? std::string(key) : it->get<std::string>();
}

const std::string_view* PageRenderer::StaticFile(std::string_view path) {
  auto it = kWebFiles.find(path);
  return it == kWebFiles.end() ? nullptr : &it->second;
}

}  // namespace consentd::http
