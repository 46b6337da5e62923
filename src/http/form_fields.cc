#include "http/form_fields.h"

#include "core/contact.h"

namespace consentd::http {

using nlohmann::json;

namespace {

struct FieldSpec {
  std::string_view name;
  std::string_view input_type;  // "text", "tel", "number-de", "textarea"
  std::string_view autocomplete;
};

FieldSpec SpecOf(std::string_view name) {
  if (name == "telefon") return {name, "tel", "tel"};
  if (name == "mobil") return {name, "tel", "mobile tel"};
  if (name == "vorname") return {name, "text", "given-name"};
  if (name == "nachname") return {name, "text", "family-name"};
  if (name == "firma") return {name, "text", "organization"};
  if (name == "strasse") return {name, "text", "address-line1"};
  if (name == "plz") return {name, "text", "postal-code"};
  if (name == "ort") return {name, "text", "address-level2"};
  if (name == "land") return {name, "text", "country"};
  if (name == "titel") return {name, "text", "honorific-prefix"};
  if (name == "email") return {name, "email", "email"};
  return {name, "text", "off"};
}

}  // namespace

std::string ErrorFor(const core::FieldErrors& errors, std::string_view field,
                     std::string_view lang) {
  for (const auto& e : errors) {
    if (e.field == field) return lang == "en" ? e.message_en : e.message_de;
  }
  return "";
}

json Options(const Choices& choices, const std::string& selected) {
  json list = json::array();
  for (const auto& [value, label] : choices) {
    list.push_back({{"value", value}, {"label", label}, {"selected", value == selected}});
  }
  return list;
}

Choices ChoicesOf(std::span<const core::Choice> choices, std::string_view empty_label) {
  Choices out;
  out.emplace_back("", std::string(empty_label));
  for (const auto& c : choices) out.emplace_back(std::string(c.key), std::string(c.label));
  return out;
}

json Field(const PageRenderer& pages, std::string_view lang, std::string_view form_id,
           std::string_view name, const std::string& value, const core::FieldErrors& errors) {
  FieldSpec spec = SpecOf(name);
  std::string error = ErrorFor(errors, name, lang);
  return {{"id", std::string(form_id) + "-" + std::string(name)},
          {"name", name},
          {"label", pages.Text(lang, "f_" + std::string(name))},
          {"value", value},
          {"error", error},
          {"invalid", !error.empty()},
          {"is_tel", spec.input_type == "tel"},
          {"is_email", spec.input_type == "email"},
          {"autocomplete", spec.autocomplete}};
}

json SelectField(const PageRenderer& pages, std::string_view lang, std::string_view form_id,
                 std::string_view name, json options, const core::FieldErrors& errors) {
  json f = Field(pages, lang, form_id, name, "", errors);
  f["is_select"] = true;
  f["options"] = std::move(options);
  return f;
}

std::string FormValue(const core::Form& form, std::string_view name) {
  auto it = form.find(name);
  return it == form.end() ? "" : core::SanitizeForDisplay(it->second);
}

Choices AnredeChoices(const PageRenderer& pages, std::string_view lang) {
  return {{"", pages.Text(lang, "choose")},
          {"Frau", pages.Text(lang, "anrede_frau")},
          {"Herr", pages.Text(lang, "anrede_herr")},
          {"Divers", pages.Text(lang, "anrede_divers")}};
}

json ContactFields(const PageRenderer& pages, std::string_view lang, const core::Form& values,
                   const core::FieldErrors& errors) {
  json fields = json::array();
  for (std::string_view name : core::kSelfServiceFields) {
    std::string value = FormValue(values, name);
    if (name == "anrede") {
      fields.push_back(SelectField(pages, lang, "contact", name,
                                   Options(AnredeChoices(pages, lang), value), errors));
    } else {
      fields.push_back(Field(pages, lang, "contact", name, value, errors));
    }
    if (name == "firma") {
      json email = Field(pages, lang, "contact", "email", FormValue(values, "email"), errors);
      email["hint"] = pages.Text(lang, "email_note");
      fields.push_back(email);
    }
  }
  return fields;
}

core::Form ContactAsForm(const core::ContactData& data) {
  core::Form form;
  for (const auto& f : core::kContactFields) form[std::string(f.name)] = data.*f.member;
  return form;
}

json ErrorSummary(const std::string& form_id, const core::FieldErrors& errors,
                  std::string_view lang) {
  json list = json::array();
  for (const auto& e : errors) {
    list.push_back({{"href", "#" + form_id + "-" + e.field},
                    {"message", lang == "en" ? e.message_en : e.message_de}});
  }
  return list;
}

}  // namespace consentd::http
