#pragma once
// A string that holds a secret (password, token, key material): it is never formatted into a
// log by accident (there is no operator<<), and its bytes are wiped when it dies.
#include <string.h>  // explicit_bzero

#include <string>
#include <string_view>
#include <utility>

namespace tessera {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  explicit SecretString(std::string_view s) : s_(s) {}
  SecretString(const SecretString&) = default;
  SecretString(SecretString&& o) noexcept : s_(std::move(o.s_)) { o.wipe(); }
  SecretString& operator=(const SecretString& o) {
    if (this != &o) {
      wipe();
      s_ = o.s_;
    }
    return *this;
  }
  SecretString& operator=(SecretString&& o) noexcept {
    if (this != &o) {
      wipe();
      s_ = std::move(o.s_);
      o.wipe();
    }
    return *this;
  }
  ~SecretString() { wipe(); }

  // The secret itself; call sites that use it are easy to find by this name.
  std::string_view reveal() const noexcept { return s_; }
  bool empty() const noexcept { return s_.empty(); }
  std::size_t size() const noexcept { return s_.size(); }

 private:
  void wipe() noexcept {
    if (!s_.empty()) explicit_bzero(s_.data(), s_.size());
    s_.clear();
  }
  std::string s_;
};

}  // namespace tessera
