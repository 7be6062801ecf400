#include "domain/password_policy.hpp"

#include <utf8proc.h>
#include <zxcvbn.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/ascii.hpp"
#include "core/utf8.hpp"

namespace tessera::domain {

// The bundled list of common passwords (data/common-passwords.txt, compiled in by CMake).
extern const std::string_view kCommonPasswordsText;

namespace {

// utf8proc_map's output, wiped and freed when it dies: it may hold a password.
class MappedText {
 public:
  MappedText() = default;
  MappedText(const MappedText&) = delete;
  MappedText& operator=(const MappedText&) = delete;
  ~MappedText() {
    if (data_ != nullptr) {
      explicit_bzero(data_, static_cast<std::size_t>(size_));
      std::free(data_);
    }
  }
  // Maps `text` (well-formed UTF-8) with `options`; false on failure. The length is explicit
  // and UTF8PROC_NULLTERM is never set, so an embedded NUL is an ordinary code point.
  bool map(std::string_view text, int options) {
    size_ = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                         static_cast<utf8proc_ssize_t>(text.size()), &data_, static_cast<utf8proc_option_t>(options));
    return size_ >= 0;
  }
  std::string_view view() const {
    return size_ > 0 ? std::string_view(reinterpret_cast<const char*>(data_), static_cast<std::size_t>(size_))
                     : std::string_view();
  }

 private:
  utf8proc_uint8_t* data_ = nullptr;
  utf8proc_ssize_t size_ = 0;
};

constexpr int kNfkc = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
constexpr int kNfkcCasefold = kNfkc | UTF8PROC_CASEFOLD;

// Identifiers this short are too likely to occur by chance to refuse a password containing them.
constexpr std::size_t kMinContainedIdentifier = 4;

// The case-insensitive comparison form of UTF-8 text (NFKC case folding), or nothing when it
// cannot be mapped.
bool casefold_into(std::string_view text, MappedText& out) { return out.map(text, kNfkcCasefold); }

// Hashes std::string and std::string_view alike, so a lookup makes no copy of the password.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using WordSet = std::unordered_set<std::string, TextHash, std::equal_to<>>;

// The lower-cased bundled list, built once (thread-safe static initialisation).
const WordSet& common_passwords() {
  static const WordSet set = [] {
    WordSet words;
    std::string_view text = kCommonPasswordsText;
    while (!text.empty()) {
      const std::size_t eol = text.find('\n');
      std::string_view line = text.substr(0, eol);
      text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
        line.remove_suffix(1);
      }
      if (line.empty() || line.front() == '#') continue;
      words.insert(ascii_lower(line));
    }
    return words;
  }();
  return set;
}

// The email's local part ("" when there is no '@').
std::string_view local_part(std::string_view email) {
  const std::size_t at = email.rfind('@');
  return at == std::string_view::npos ? std::string_view() : email.substr(0, at);
}

// The user's own words for zxcvbn: the email's local part, the labels of its domain other than
// the top-level one, and the username, lower-cased.
std::vector<std::string> user_words(std::string_view email, std::string_view username) {
  std::vector<std::string> words;
  const std::size_t at = email.rfind('@');
  if (at != std::string_view::npos) {
    if (at > 0) words.push_back(ascii_lower(email.substr(0, at)));
    std::string_view domain = email.substr(at + 1);
    const std::size_t last_dot = domain.rfind('.');
    if (last_dot != std::string_view::npos) domain = domain.substr(0, last_dot);
    while (!domain.empty()) {
      const std::size_t dot = domain.find('.');
      const std::string_view label = domain.substr(0, dot);
      if (label.size() >= 3) words.push_back(ascii_lower(label));
      domain.remove_prefix(dot == std::string_view::npos ? domain.size() : dot + 1);
    }
  }
  if (!username.empty()) words.push_back(ascii_lower(username));
  return words;
}

// The windows the estimator scores, in order. A window runs from its start for at most
// kMaxScoredCodePoints code points and kMaxScoredWindowBytes bytes (cut at a code point
// boundary); the next one starts at the middle of the previous one, so every run of text half
// a window long lies whole inside some window, wherever it sits in the password. A NUL byte
// ends a window and belongs to none (zxcvbn-c reads C strings).
std::vector<std::string_view> scored_windows(std::string_view password) {
  const auto next = [&](std::size_t i) {  // the index after the code point at i
    const std::size_t n = utf8::sequence_length(password, i);
    return i + (n == 0 ? 1 : n);
  };
  std::vector<std::string_view> windows;
  std::size_t start = 0;
  while (start < password.size()) {
    if (password[start] == '\0') {
      ++start;
      continue;
    }
    std::size_t end = start;
    std::size_t middle = start;  // advances one code point for every two the window takes
    std::size_t code_points = 0;
    while (end < password.size() && password[end] != '\0' && code_points < kMaxScoredCodePoints &&
           next(end) - start <= kMaxScoredWindowBytes) {
      end = next(end);
      if (++code_points % 2 == 0) middle = next(middle);
    }
    windows.push_back(password.substr(start, end - start));
    const bool last = end >= password.size() || password[end] == '\0';
    start = last || middle == start ? end : middle;
  }
  return windows;
}

// zxcvbn's score from its guess count: 2^bits guesses, thresholds 1e3, 1e6, 1e8, 1e10.
int score_from_bits(double bits) {
  const double log10_guesses = bits * std::log10(2.0);
  if (log10_guesses < 3) return 0;
  if (log10_guesses < 6) return 1;
  if (log10_guesses < 8) return 2;
  if (log10_guesses < 10) return 3;
  return 4;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Whether the casefolded password equals or is built from the user's identifiers.
bool built_from_identifiers(std::string_view folded_password, std::string_view email, std::string_view username) {
  MappedText folded_email, folded_local, folded_username;
  if (!email.empty() && casefold_into(email, folded_email)) {
    if (folded_password == folded_email.view()) return true;
    const std::string_view local = local_part(folded_email.view());
    if (utf8::code_points(local) >= kMinContainedIdentifier && contains(folded_password, local)) {
      return true;
    }
  }
  if (!username.empty() && casefold_into(username, folded_username)) {
    const std::string_view name = folded_username.view();
    if (folded_password == name) return true;
    if (utf8::code_points(name) >= kMinContainedIdentifier && contains(folded_password, name)) {
      return true;
    }
  }
  return false;
}

std::string join_problems(const std::vector<std::string>& parts) {
  std::string out = "The password ";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += (i + 1 == parts.size()) ? " and " : ", ";
    out += parts[i];
  }
  out += '.';
  return out;
}

}  // namespace

Result<SecretString> normalize_password(std::string_view raw) {
  if (raw.size() > kMaxPasswordBytes) {
    return make_error(errc::invalid_request, "password: at most 256 bytes", "password over 256 bytes");
  }
  if (!utf8::valid(raw)) {
    return make_error(errc::invalid_request, "password: not valid UTF-8", "password not UTF-8");
  }
  MappedText nfkc;
  if (!nfkc.map(raw, kNfkc)) {
    return make_error(errc::invalid_request, "password: cannot be normalised", "utf8proc NFKC failed");
  }
  return SecretString(nfkc.view());
}

int password_score(const SecretString& normalized, std::string_view email, std::string_view username) {
  const std::vector<std::string> words = user_words(email, username);
  std::vector<const char*> dict;
  dict.reserve(words.size() + 1);
  for (const std::string& w : words) dict.push_back(w.c_str());
  dict.push_back(nullptr);
  const std::vector<std::string_view> windows = scored_windows(normalized.reveal());
  double best = 0;
  std::string window;  // NUL-terminated copy for zxcvbn-c, wiped after each use
  window.reserve(kMaxScoredWindowBytes);
  for (auto it = windows.begin(); it != windows.end(); ++it) {
    // A repeated window scores what it scored before (and a long run of one character,
    // zxcvbn's slowest input, is estimated once).
    if (std::find(windows.begin(), it, *it) != it) continue;
    window.assign(*it);
    best = std::max(best, ZxcvbnMatch(window.c_str(), dict.data(), nullptr));
    explicit_bzero(window.data(), window.size());
  }
  return score_from_bits(best);
}

Result<void> check_new_password(const SecretString& normalized, const PasswordRules& rules, std::string_view email,
                                std::string_view username) {
  std::vector<std::string> reasons;
  std::vector<std::string> problems;
  const std::string_view password = normalized.reveal();

  if (utf8::code_points(password) < static_cast<std::size_t>(std::max(rules.min_length, 0))) {
    reasons.emplace_back("too_short");
    problems.push_back("is shorter than " + std::to_string(rules.min_length) + " characters");
  }
  MappedText folded;
  const bool have_folded = casefold_into(password, folded);
  // Case folding only fails on malformed input, which normalize_password already refused;
  // fall back to ASCII lower case so the list is still consulted.
  std::string lowered;
  if (!have_folded) lowered = ascii_lower(password);
  const std::string_view comparable = have_folded ? folded.view() : std::string_view(lowered);

  if (common_passwords().contains(comparable)) {
    reasons.emplace_back("too_common");
    problems.emplace_back("is on the list of common passwords");
  }
  if (password_score(normalized, email, username) < rules.min_score) {
    reasons.emplace_back("too_guessable");
    problems.emplace_back("is too easy to guess");
  }
  if (built_from_identifiers(comparable, email, username)) {
    reasons.emplace_back("contains_identifier");
    problems.emplace_back("is built from the email or username");
  }
  if (!lowered.empty()) explicit_bzero(lowered.data(), lowered.size());
  if (reasons.empty()) return ok();

  Error error = make_error(errc::weak_password, join_problems(problems));
  error.reasons = std::move(reasons);
  return error;
}

}  // namespace tessera::domain
