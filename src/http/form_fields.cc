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

std::string Number(const std::optional<core::Centi>& v) {
  return v ? core::FormatGermanNumber(*v) : "";
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The <optgroup>s of every Objektart with its Objekttypen, `selected` marked. Built as HTML
// here (our own labels, escaped) because this list of ~140 options is the largest part of
// the page; the unselected list is built once.
std::string BuildObjekttypOptions(std::string_view selected) {
  std::string html;
  for (const auto& art : core::Objektarten()) {
    html += "<optgroup label=\"" + HtmlEscape(art.label) + "\">";
    for (const auto& typ : core::Objekttypen(art.key)) {
      html += "<option value=\"" + HtmlEscape(typ.key) + "\"";
      if (typ.key == selected) html += " selected";
      html += ">" + HtmlEscape(typ.label) + "</option>";
    }
    html += "</optgroup>";
  }
  return html;
}

std::string ObjekttypOptions(const std::string& selected) {
  static const std::string kUnselected = BuildObjekttypOptions("");
  return selected.empty() ? kUnselected : BuildObjekttypOptions(selected);
}

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

core::Form ProfileAsForm(const core::SearchProfile& p) {
  return {{"vermarktungsart", p.vermarktungsart},
          {"nutzungsart", p.nutzungsart},
          {"objektart", p.objektart},
          {"objekttyp", p.objekttyp},
          {"plz", p.plz},
          {"ort", p.ort},
          {"radius_km", p.radius_km ? std::to_string(*p.radius_km) : ""},
          {"preis_von", Number(p.preis_von)},
          {"preis_bis", Number(p.preis_bis)},
          {"wohnflaeche_von", Number(p.wohnflaeche_von)},
          {"wohnflaeche_bis", Number(p.wohnflaeche_bis)},
          {"grundstuecksflaeche_von", Number(p.grundstuecksflaeche_von)},
          {"grundstuecksflaeche_bis", Number(p.grundstuecksflaeche_bis)},
          {"zimmer_von", Number(p.zimmer_von)},
          {"zimmer_bis", Number(p.zimmer_bis)},
          {"bemerkung", p.bemerkung}};
}

json ProfileForm(const PageRenderer& pages, std::string_view lang, const std::string& form_id,
                 const core::Form& v, const core::FieldErrors& errors) {
  std::string_view choose = "–";
  json selects = json::array();
  selects.push_back(SelectField(
      pages, lang, form_id, "vermarktungsart",
      Options(ChoicesOf(core::Vermarktungsarten(), choose), FormValue(v, "vermarktungsart")),
      errors));
  selects.push_back(SelectField(
      pages, lang, form_id, "nutzungsart",
      Options(ChoicesOf(core::Nutzungsarten(), choose), FormValue(v, "nutzungsart")), errors));
  selects.push_back(SelectField(
      pages, lang, form_id, "objektart",
      Options(ChoicesOf(core::Objektarten(), choose), FormValue(v, "objektart")), errors));
  json objekttyp = Field(pages, lang, form_id, "objekttyp", "", errors);
  objekttyp["options_html"] = ObjekttypOptions(FormValue(v, "objekttyp"));
  objekttyp["any_label"] = pages.Text(lang, "any_type");
  json region = json::array();
  for (std::string_view name : {"plz", "ort", "radius_km"}) {
    region.push_back(Field(pages, lang, form_id, name, FormValue(v, name), errors));
  }
  json ranges = json::array();
  for (std::string_view base : {"preis", "wohnflaeche", "grundstuecksflaeche", "zimmer"}) {
    std::string von = std::string(base) + "_von", bis = std::string(base) + "_bis";
    ranges.push_back({{"legend", pages.Text(lang, "r_" + std::string(base))},
                      {"von", Field(pages, lang, form_id, von, FormValue(v, von), errors)},
                      {"bis", Field(pages, lang, form_id, bis, FormValue(v, bis), errors)}});
  }
  json bemerkung = Field(pages, lang, form_id, "bemerkung", FormValue(v, "bemerkung"), errors);
  return {{"id", form_id},    {"selects", selects}, {"objekttyp", objekttyp},
          {"region", region}, {"ranges", ranges},   {"bemerkung", bemerkung}};
}

std::string ProfileSummary(const core::SearchProfile& p, std::string_view lang) {
  const bool en = lang == "en";
  std::string s = std::string(core::LabelOf(core::Objektarten(), p.objektart));
  if (!p.objekttyp.empty())
    s += " (" + std::string(core::LabelOf(core::Objekttypen(p.objektart), p.objekttyp)) + ")";
  s += " · " + std::string(core::LabelOf(core::Vermarktungsarten(), p.vermarktungsart));
  if (!p.plz.empty() || !p.ort.empty()) s += " · " + core::Trim(p.plz + " " + p.ort);
  if (p.radius_km) s += " +" + std::to_string(*p.radius_km) + " km";
  if (p.preis_bis)
    s += (en ? " · up to " : " · bis ") + core::FormatGermanNumber(*p.preis_bis) + " €";
  if (p.zimmer_von) {
    s += (en ? " · from " : " · ab ") + core::FormatGermanNumber(*p.zimmer_von) +
         (en ? " rooms" : " Zi.");
  }
  return s;
}

}  // namespace consentd::http
