// Interfaces to the outside world that core and app depend on. Implementations live in
// adapters (crypto/, text/, storage/); tests use fakes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace consentd::core {

// Current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// Hashes, MACs and randomness. Implementations are thread-safe.
class Crypto {
 public:
  virtual ~Crypto() = default;
  virtual std::string Sha256Hex(std::string_view data) const = 0;
  // Raw HMAC-SHA256 of `message` under `key`, hex-encoded.
  virtual std::string HmacSha256Hex(std::string_view key, std::string_view message) const = 0;
  // `n` bytes from a cryptographically secure source.
  virtual std::string RandomBytes(std::size_t n) const = 0;
  // Compares in time independent of where the strings differ.
  virtual bool ConstantTimeEquals(std::string_view a, std::string_view b) const = 0;
  // An Argon2id hash of `password` in the PHC string format. Slow on purpose (~0.1 s).
  virtual std::string HashPassword(std::string_view password) const = 0;
  virtual bool VerifyPassword(std::string_view hash, std::string_view password) const = 0;
};

// Validates and normalises phone numbers. Thread-safe.
class PhoneNormalizer {
 public:
  virtual ~PhoneNormalizer() = default;
  // The number in international format ("+49 171 1234567"), reading national numbers in
  // `region` (ISO 3166-1 alpha-2); nullopt when it is not a possible number.
  virtual std::optional<std::string> Normalize(std::string_view input,
                                               std::string_view region) const = 0;
};

}  // namespace consentd::core
