// Server-side pages: logic-less Mustache templates embedded in the binary, parsed once.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace consentd::http {

// Thread-safe after construction (rendering only reads the parsed templates).
class PageRenderer {
 public:
  // Parses every embedded `templates/pages/*.mustache` and the texts in `i18n/*.json`.
  // Aborts with a clear message if a template does not parse (a build defect).
  PageRenderer();
  ~PageRenderer();

  // Renders page `name` ("consent") with `data` inside the page "layout" (which gets the
  // page as {{{content}}}); the texts for `language` are available as {{t.key}}.
  std::string Render(std::string_view name, const nlohmann::json& data,
                     std::string_view language) const;

  // Renders template `name` alone, without the layout (a fragment of a page).
  std::string RenderFragment(std::string_view name, const nlohmann::json& data,
                             std::string_view language) const;

  // The UI text `key` in `language` ("de" | "en").
  std::string Text(std::string_view language, std::string_view key) const;

  // An embedded static file (e.g. "static/style.css"); nullptr when none.
  static const std::string_view* StaticFile(std::string_view path);

 private:
  std::string Render(std::string_view name, const nlohmann::json& data, std::string_view language,
                     bool with_layout) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace consentd::http
