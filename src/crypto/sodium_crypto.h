// core::Crypto on libsodium.
#pragma once

#include "core/ports.h"

namespace consentd::crypto {

// Thread-safe once constructed. The constructor initialises libsodium and aborts the
// process if the system offers no secure randomness.
class SodiumCrypto final : public core::Crypto {
 public:
  SodiumCrypto();
  std::string Sha256Hex(std::string_view data) const override;
  std::string HmacSha256Hex(std::string_view key, std::string_view message) const override;
  std::string RandomBytes(std::size_t n) const override;
  bool ConstantTimeEquals(std::string_view a, std::string_view b) const override;
  std::string HashPassword(std::string_view password) const override;
  bool VerifyPassword(std::string_view hash, std::string_view password) const override;
};

}  // namespace consentd::crypto
