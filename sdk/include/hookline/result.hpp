#pragma once
/// @file
/// Errors as values: a Result holds either the value asked for or the reason it could not be had.

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace hookline {

/// Wraps an error so that a Result<T, E> can be built from it even when T and E convert alike.
template <class E>
struct Failure {
  E error;
};

/// Builds a Failure, the error side of a Result: `return fail(ParseError{...});`.
template <class E>
[[nodiscard]] Failure<std::decay_t<E>> fail(E&& error) {
  return {std::forward<E>(error)};
}

/// Either a value of type T or an error of type E; test it with `if (result)` before `*result`. Its
/// names are std::expected's (C++23), so that moving to it is a change of alias.
template <class T, class E>
class [[nodiscard]] Result {
 public:
  /// A successful result.
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A successful result whose value is built in place from `args`, so that a large T is filled
  /// where it will be returned instead of being moved there.
  template <class... Args>
  explicit Result(std::in_place_t, Args&&... args) : state_(std::in_place_index<0>, std::forward<Args>(args)...) {}
  /// A failed result.
  template <class F>
  Result(Failure<F> failure)  // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<1>, E(std::move(failure.error))) {}

  /// True when the result holds a value.
  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
  /// True when the result holds a value.
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; only valid when has_value().
  [[nodiscard]] T& value() & { assert(has_value()); return std::get<0>(state_); }
  /// The value; only valid when has_value().
  [[nodiscard]] const T& value() const& { assert(has_value()); return std::get<0>(state_); }
  /// The value, moved out; only valid when has_value().
  [[nodiscard]] T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
  /// The value, or `otherwise` when there is none.
  template <class U>
  [[nodiscard]] T value_or(U&& otherwise) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(otherwise));
  }
  /// The value moved out, or `otherwise` when there is none.
  template <class U>
  [[nodiscard]] T value_or(U&& otherwise) && {
    return has_value() ? std::move(*this).value() : static_cast<T>(std::forward<U>(otherwise));
  }
  /// The error; only valid when !has_value().
  [[nodiscard]] E& error() & { assert(!has_value()); return std::get<1>(state_); }
  /// The error; only valid when !has_value().
  [[nodiscard]] const E& error() const& { assert(!has_value()); return std::get<1>(state_); }
  /// The error, moved out; only valid when !has_value().
  [[nodiscard]] E&& error() && { assert(!has_value()); return std::get<1>(std::move(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> state_;
};

/// The outcome of an operation that yields nothing but may fail with an E.
template <class E>
class [[nodiscard]] Status {
 public:
  /// Success.
  Status() = default;
  /// Failure.
  template <class F>
  Status(Failure<F> failure) : error_(E(std::move(failure.error))), failed_(true) {}  // NOLINT

  /// True on success.
  [[nodiscard]] bool has_value() const noexcept { return !failed_; }
  /// True on success.
  explicit operator bool() const noexcept { return has_value(); }
  /// The error; only valid when !has_value().
  [[nodiscard]] const E& error() const& { assert(failed_); return error_; }
  /// The error, moved out; only valid when !has_value().
  [[nodiscard]] E&& error() && { assert(failed_); return std::move(error_); }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace hookline
