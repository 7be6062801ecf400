#include <iostream>

#include "app/serve.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"

namespace tessera::cli {

void register_serve(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("serve", "Run the authentication server until SIGTERM or SIGINT");
  cmd->fallthrough();  // settings flags may follow the sub-command: tessera serve --listen ...
  static bool print_config = false;
  cmd->add_flag("--print-config", print_config,
                "Print every setting and where its value came from (secrets masked), then exit");
  cmd->footer("Every setting of `tessera --help` may be given after `serve` too.");
  cmd->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto config = ctx.load();
      if (!config) return kExitUsage;
      if (print_config) {
        std::cout << config::describe(*config);
        return kExitOk;
      }
      return app::serve(*config);
    };
  });
}

}  // namespace tessera::cli
