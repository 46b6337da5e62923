// A tenant is one broker company; its users, contacts and texts are invisible to others.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"

namespace consentd::core {

// The controller identity shown on every consent page (Art. 13(1)(a) GDPR).
struct ControllerIdentity {
  std::string company;
  std::string street;  // street and house number
  std::string postal_code;
  std::string city;
  std::string country = "DE";
  std::string email;
  std::string phone;
  std::string privacy_url;
  std::string imprint_url;
};

// The account a tenant's mails go out through; an empty url means the installation's
// default transport.
struct SmtpAccount {
  std::string url;  // smtp://host:587 or smtps://host:465
  std::string username;
  std::string password;
};

struct Tenant {
  TenantId id = 0;
  std::string slug;  // short unique name used on the command line
  ControllerIdentity controller;
  std::string sender_email;  // From: of the tenant's mails; defaults to controller.email
  std::string sender_name;   // defaults to controller.company
  std::string signature;     // plain text, used by the mail templates
  SmtpAccount smtp;
};

enum class Role { kAdmin, kBroker, kSystem };

std::string_view RoleName(Role role);  // "admin" | "broker" | "system"
std::optional<Role> ParseRole(std::string_view name);

// A person or technical account of a tenant. The system user ("portal") authors every
// write that comes from the public consent page; it has no password, cannot log in and is
// not a billable seat.
struct User {
  UserId id = 0;
  TenantId tenant_id = 0;
  std::string email;
  std::string name;
  Role role = Role::kBroker;
  std::string password_hash;  // empty for the system user
  bool active = true;
};

inline constexpr std::string_view kSystemUserName = "portal";

inline bool CanLogIn(const User& user) {
  return user.active && user.role != Role::kSystem && !user.password_hash.empty();
}
inline bool IsBillableSeat(const User& user) { return user.role != Role::kSystem; }

}  // namespace consentd::core
