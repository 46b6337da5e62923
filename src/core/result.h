// Result<T>: a value or an Error, for failures the caller is expected to handle.
// Mirrors the member names of std::expected so it can be swapped for it later.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace consentd::core {

// Categories of expected failure. Each maps to one HTTP status in http/status.cc.
enum class ErrorCode {
  kInvalidArgument,  // input failed validation
  kNotFound,         // no such row in this tenant (also used for "not yours")
  kConflict,         // unique constraint or concurrent change
  kPermissionDenied,
  kUnavailable,  // storage or network down; retrying may help
  kInternal,
};

// An expected failure. `message` names ids, never personal data.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Error Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
inline Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
inline Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  // By value, so that `for (x : Make().value())` cannot dangle.
  T value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  const Error& error() const {
    assert(error_);
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace consentd::core

#define CONSENTD_CONCAT_INNER_(a, b) a##b
#define CONSENTD_CONCAT_(a, b) CONSENTD_CONCAT_INNER_(a, b)
#define CONSENTD_RETURN_IF_ERROR_IMPL_(var, expr) \
  do {                                            \
    auto var = (expr);                            \
    if (!var) return var.error();                 \
  } while (false)

// Returns the error of `expr` (a Result) from the enclosing function. May be nested (a
// lambda inside `expr` may use it too).
#define CONSENTD_RETURN_IF_ERROR(expr) \
  CONSENTD_RETURN_IF_ERROR_IMPL_(CONSENTD_CONCAT_(consentd_status_, __COUNTER__), expr)
