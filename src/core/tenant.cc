#include "core/tenant.h"

namespace consentd::core {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kBroker:
      return "broker";
    case Role::kSystem:
      return "system";
  }
  return "broker";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "broker") return Role::kBroker;
  if (name == "system") return Role::kSystem;
  return std::nullopt;
}

}  // namespace consentd::core
