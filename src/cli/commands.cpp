#include "cli/commands.hpp"

#include <iostream>

#include "cli/cli.hpp"

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

int report(const Error& error) {
  std::string text = error.detail.empty() ? std::string(to_string(error.code)) : error.detail;
  if (!error.reason.empty()) text += " (" + error.reason + ")";
  std::cerr << "tessera: " << text << "\n";
  switch (error.code) {
    case errc::invalid_request:
      return kExitUsage;
    default:
      return kExitRefused;
  }
}

void register_commands(CLI::App& app, Context& ctx) {
  register_serve(app, ctx);
  register_migrate(app, ctx);
  register_outbox(app, ctx);
  register_version(app, ctx);
}

}  // namespace tessera::cli
