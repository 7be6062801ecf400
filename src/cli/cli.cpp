#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "config/config.hpp"

namespace tessera::cli {

int main(int argc, char** argv) {
  CLI::App app{
      "Tessera: a self-hosted authentication server (accounts, JWT access tokens, rotating refresh tokens, email "
      "verification).",
      "tessera"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every sub-command");
  app.footer(
      "Exit status: 0 success; 1 the thing asked for does not exist or the action is refused (message on "
      "stderr); 2 bad usage or configuration. Every command reads the same configuration as `serve` "
      "(TESSERA_DATABASE selects the database).");

  Context ctx;
  app.add_option("--config", ctx.sources.config_file,
                 "TOML file with settings (flags and TESSERA_* variables override it)")
      ->check(CLI::ExistingFile);

  // Every setting is also a flag; flags beat TESSERA_* variables, which beat the TOML file.
  std::map<std::string, std::pair<CLI::Option*, std::unique_ptr<std::string>>> setting_flags;
  for (const auto& s : config::settings()) {
    auto value = std::make_unique<std::string>();
    CLI::Option* opt = app.add_option(s.flag, *value, s.help + " [env " + s.env + ", default " + s.default_text + "]")
                           ->group("Settings (each also TESSERA_<NAME> or a key in --config)");
    setting_flags.emplace(s.name, std::make_pair(opt, std::move(value)));
  }
  ctx.collect_flags = [&setting_flags, &ctx] {
    for (auto& [name, pair] : setting_flags) {
      if (pair.first->count() > 0) ctx.sources.flags[name] = *pair.second;
    }
  };

  register_commands(app, ctx);
  // Settings flags belong to the top level but may follow any sub-command:
  // `tessera outbox list --database sqlite://x.db`.
  const std::function<void(CLI::App*)> fall_through = [&](CLI::App* a) {
    for (CLI::App* sub : a->get_subcommands({})) {
      sub->fallthrough();
      fall_through(sub);
    }
  };
  fall_through(&app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!ctx.action) return kExitUsage;
  return ctx.action();
}

}  // namespace tessera::cli
