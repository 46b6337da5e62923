// Form fields for server-rendered pages: a field's label, value, error and how to draw it,
// as the templates (consent page, admin UI) expect them. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/search_profile.h"
#include "core/validation.h"
#include "http/pages.h"

namespace consentd::http {

using Choices = std::vector<std::pair<std::string, std::string>>;  // value, label

// The message of `field`'s first error in `lang`, or "".
std::string ErrorFor(const core::FieldErrors& errors, std::string_view field,
                     std::string_view lang);
// {value, label, selected} per choice.
nlohmann::json Options(const Choices& choices, const std::string& selected);
// An OpenImmo enumeration as choices, after an empty choice labelled `empty_label`.
Choices ChoicesOf(std::span<const core::Choice> choices, std::string_view empty_label);
// One input: id "<form_id>-<name>", label from the text "f_<name>", value, error, invalid,
// is_tel, is_email, autocomplete.
nlohmann::json Field(const PageRenderer& pages, std::string_view lang, std::string_view form_id,
                     std::string_view name, const std::string& value,
                     const core::FieldErrors& errors);
// As Field, drawn as a <select> with `options`.
nlohmann::json SelectField(const PageRenderer& pages, std::string_view lang,
                           std::string_view form_id, std::string_view name, nlohmann::json options,
                           const core::FieldErrors& errors);
// The form's value of `name`, made safe to show again; "" when absent.
std::string FormValue(const core::Form& form, std::string_view name);
// The consent page's contact fields (core::kSelfServiceFields, the e-mail address after
// "firma" with its hint), in form "contact".
nlohmann::json ContactFields(const PageRenderer& pages, std::string_view lang,
                             const core::Form& values, const core::FieldErrors& errors);
// The Anrede choices, after an empty "choose" choice.
Choices AnredeChoices(const PageRenderer& pages, std::string_view lang);
// Every contact field, as a form.
core::Form ContactAsForm(const core::ContactData& data);
// {href "#<form_id>-<field>", message} per error, for the error summary at the top.
nlohmann::json ErrorSummary(const std::string& form_id, const core::FieldErrors& errors,
                            std::string_view lang);

// A search profile as its form's values (amounts in German notation).
core::Form ProfileAsForm(const core::SearchProfile& profile);
// The search profile form's fields (templates/pages/profile_form), in form `form_id`; the
// caller adds "action", "csrf" and "submit_label".
nlohmann::json ProfileForm(const PageRenderer& pages, std::string_view lang,
                           const std::string& form_id, const core::Form& values,
                           const core::FieldErrors& errors);
// One line about a profile: Objektart (Objekttyp) · Vermarktungsart · place · price · rooms.
std::string ProfileSummary(const core::SearchProfile& profile, std::string_view lang);

}  // namespace consentd::http
