#pragma once
// A fresh SQLite database file in a temporary directory of its own.
#include <filesystem>
#include <string>

#include "store_contract/backend.hpp"

namespace tessera::store_contract {

class SqliteFixture final : public Fixture {
 public:
  SqliteFixture();
  ~SqliteFixture() override;

  std::string url() const override { return "sqlite://" + file_.string(); }
  void exec(const std::string& sql) override;

  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path file_;
};

}  // namespace tessera::store_contract
