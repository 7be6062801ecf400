#pragma once
// Result<T>: a value or an expected failure (DESIGN rule 3). Our own small std::expected,
// because clang 14 (used for fuzzing) cannot compile libstdc++ 12's <expected>.
#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/errc.hpp"

namespace tessera {

// An expected failure. `detail` is safe to show the client; `reason` is for the log only
// (DESIGN rule 4: the client sees `invalid_token`, the log sees "expired").
struct Error {
  errc code = errc::internal_error;
  std::string detail;
  std::string reason;
  // Extra members for the problem body, e.g. the list of weak-password reasons.
  std::vector<std::string> reasons;
  // Seconds to wait, for rate_limited and overloaded (becomes Retry-After).
  int retry_after_s = 0;
  // More members for the problem body: each name with its value already as JSON text (the
  // second-step ticket of mfa_required and its methods).
  std::vector<std::pair<std::string, std::string>> members;
};

inline Error make_error(errc code, std::string detail = {}, std::string reason = {}) {
  return Error{code, std::move(detail), std::move(reason), {}, 0, {}};
}

template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(errc code) : v_(std::in_place_index<1>, make_error(code)) {}    // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }
  errc code() const { return error().code; }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT
  Result(errc code) : e_(make_error(code)) {}    // NOLINT

  bool has_value() const noexcept { return !e_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  const Error& error() const& {
    assert(!has_value());
    return *e_;
  }
  Error&& error() && {
    assert(!has_value());
    return std::move(*e_);
  }
  errc code() const { return error().code; }

 private:
  std::optional<Error> e_;
};

// The success value of Result<void>.
inline Result<void> ok() { return {}; }

}  // namespace tessera
