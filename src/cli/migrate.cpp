#include <iostream>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "crypto/random_source.hpp"
#include "store/open.hpp"

namespace tessera::cli {

void register_migrate(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("migrate", "Apply pending database schema migrations, then exit");
  cmd->fallthrough();
  static bool json = false;
  cmd->add_flag("--json", json, "Print the result as JSON");
  cmd->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto config = ctx.load();
      if (!config) return kExitUsage;
      auto opened = store::open_store(config->database, {});
      if (!opened) {
        std::cerr << "tessera: TESSERA_DATABASE: cannot open the database: " << opened.error().detail << " "
                  << opened.error().reason << "\n";
        return kExitUsage;  // configuration, as for every other command (Context::open)
      }
      auto& m = *opened->migrator;
      auto before = m.current_version();
      if (!before) {
        std::cerr << "tessera: cannot read the schema version: " << before.error().detail << " "
                  << before.error().reason << "\n";
        return kExitRefused;
      }
      auto ran = m.migrate();
      if (!ran) {
        std::cerr << "tessera: migration failed: " << ran.error().detail << " " << ran.error().reason << "\n";
        return kExitRefused;
      }
      if (json) {
        std::cout << "{\"from\":" << *before << ",\"to\":" << m.latest_version() << ",\"applied\":" << *ran << "}\n";
      } else if (*ran == 0) {
        std::cout << "schema is up to date (version " << m.latest_version() << ")\n";
      } else {
        std::cout << "applied " << *ran << " migration(s): version " << *before << " -> " << m.latest_version() << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace tessera::cli
