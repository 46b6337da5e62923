#include "crypto/sodium_crypto.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace consentd::crypto {
namespace {

std::string ToHex(const unsigned char* bytes, std::size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();
  return hex;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SodiumCrypto::SodiumCrypto() {
  if (sodium_init() < 0) {
    std::fputs("consentd: libsodium could not be initialised\n", stderr);
    std::abort();
  }
}

std::string SodiumCrypto::Sha256Hex(std::string_view data) const {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, Bytes(data), data.size());
  return ToHex(out, sizeof out);
}

std::string SodiumCrypto::HmacSha256Hex(std::string_view key, std::string_view message) const {
  crypto_auth_hmacsha256_state state;
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, Bytes(key), key.size());
  crypto_auth_hmacsha256_update(&state, Bytes(message), message.size());
  crypto_auth_hmacsha256_final(&state, out);
  return ToHex(out, sizeof out);
}

std::string SodiumCrypto::RandomBytes(std::size_t n) const {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

bool SodiumCrypto::ConstantTimeEquals(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string SodiumCrypto::HashPassword(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    std::fputs("consentd: out of memory while hashing a password\n", stderr);
    std::abort();
  }
  return out;
}

bool SodiumCrypto::VerifyPassword(std::string_view hash, std::string_view password) const {
  std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace consentd::crypto
