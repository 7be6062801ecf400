#include "cli/commands.hpp"

#include <iostream>

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

void register_commands(CLI::App& app, Context& ctx) {
  register_serve(app, ctx);
  register_migrate(app, ctx);
  register_version(app, ctx);
}

}  // namespace tessera::cli
