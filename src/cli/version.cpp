#include <iostream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"

#ifndef TESSERA_VERSION
#define TESSERA_VERSION "unknown"
#endif

namespace tessera::cli {

void register_version(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("version", "Print the version and exit");
  static bool json = false;
  cmd->add_flag("--json", json, "Print as JSON");
  cmd->callback([&ctx] {
    ctx.action = [] {
      if (json) {
        std::cout << "{\"version\":\"" << TESSERA_VERSION << "\"}\n";
      } else {
        std::cout << "tessera " << TESSERA_VERSION << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace tessera::cli
