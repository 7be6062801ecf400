#pragma once
// The backends the store contract suite runs on. Each test gets a fresh, empty database from
// its backend's factory; adding PostgreSQL is one more entry in backends() (backends.cpp).
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace tessera::store_contract {

// One fresh, empty database, private to one test, removed when the fixture goes away.
class Fixture {
 public:
  virtual ~Fixture() = default;
  // The TESSERA_DATABASE URL that opens it.
  virtual std::string url() const = 0;
  // Runs SQL on it outside the store (plain SQL that both backends accept), for the few tests
  // that must tamper with it. Fails the test on error.
  virtual void exec(const std::string& sql) = 0;
};

struct Backend {
  std::string name;  // "sqlite", "postgres": becomes the test name's suffix
  std::function<std::unique_ptr<Fixture>()> make;
};

// Every backend this build can test.
std::vector<Backend> backends();

// GoogleTest prints a parameter with this.
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

}  // namespace tessera::store_contract
