#include "cli/commands.hpp"

#include <iostream>

#include "cli/cli.hpp"
#include "core/log.hpp"
#include "crypto/random_source.hpp"

namespace tessera::cli {

std::optional<config::Config> Context::load() {
  if (collect_flags) collect_flags();
  sources.env = config::process_environment();
  auto c = config::load_config(sources);
  if (!c) {
    std::cerr << "tessera: " << c.error().detail << "\n";
    return std::nullopt;
  }
  return std::move(*c);
}

std::unique_ptr<Context::Opened> Context::open() {
  auto config = load();
  if (!config) return nullptr;
  auto opened = store::open_store(config->database, {});
  if (!opened) {
    std::cerr << "tessera: TESSERA_DATABASE: cannot open the database: " << opened.error().detail
              << (opened.error().reason.empty() ? "" : " (" + opened.error().reason + ")") << "\n";
    return nullptr;
  }
  auto version = opened->migrator->current_version();
  if (!version || *version != opened->migrator->latest_version()) {
    std::cerr << "tessera: the database schema is not current; run `tessera migrate` first\n";
    return nullptr;
  }
  auto out = std::make_unique<Opened>();
  out->config = std::move(*config);
  out->store = std::move(opened->store);
  out->migrator = std::move(opened->migrator);
  return out;
}

std::unique_ptr<app::Runtime> Context::runtime() {
  config_ = load();
  if (!config_) return nullptr;
  // Commands print for people; the log only speaks up for problems.
  if (config_->log_level < log::Level::warn) log::set_level(log::Level::warn);
  crypto::init();
  auto rt = app::build_runtime(*config_, app::Migrations::require, app::Keys::existing);
  if (!rt) {
    std::cerr << "tessera: " << rt.error().detail << "\n";
    return nullptr;
  }
  return std::move(*rt);
}

int report(const Error& error) {
  std::string text = error.detail.empty() ? std::string(to_string(error.code)) : error.detail;
  if (!error.reason.empty()) text += " (" + error.reason + ")";
  std::cerr << "tessera: " << text << "\n";
  switch (error.code) {
    case errc::invalid_request: return kExitUsage;
    default:  // not found, refused (forbidden, account_exists, weak_password, ...)
      return kExitRefused;
  }
}

void register_commands(CLI::App& app, Context& ctx) {
  register_serve(app, ctx);
  register_migrate(app, ctx);
  register_outbox(app, ctx);
  register_user(app, ctx);
  register_keys(app, ctx);
  register_version(app, ctx);
}

}  // namespace tessera::cli
