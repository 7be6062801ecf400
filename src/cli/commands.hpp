#pragma once
// Shared plumbing of the sub-commands: each registers itself on the CLI11 app and leaves the
// work to do in Context::action, run after parsing.
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

#include "config/config.hpp"

namespace tessera::cli {

struct Context {
  config::Sources sources;
  std::function<void()> collect_flags;  // moves the setting flags given into sources.flags
  std::function<int()> action;          // what the chosen sub-command does

  // Loads the configuration from flags, environment and file; on a bad value prints one line
  // naming the setting and the fix to stderr and returns nullopt (exit 2).
  std::optional<config::Config> load();
};

void register_commands(CLI::App& app, Context& ctx);

void register_version(CLI::App& app, Context& ctx);
void register_serve(CLI::App& app, Context& ctx);
void register_migrate(CLI::App& app, Context& ctx);

}  // namespace tessera::cli
