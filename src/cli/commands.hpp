#pragma once
// Shared plumbing of the sub-commands: each registers itself on the CLI11 app and leaves the
// work to do in Context::action, run after parsing.
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

#include "app/runtime.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/open.hpp"

namespace tessera::cli {

struct Context {
  config::Sources sources;
  std::function<void()> collect_flags;  // moves the setting flags given into sources.flags
  std::function<int()> action;          // what the chosen sub-command does

  // Loads the configuration from flags, environment and file; on a bad value prints one line
  // naming the setting and the fix to stderr and returns nullopt (exit 2).
  std::optional<config::Config> load();

  // What a sub-command that works on the database gets: the configuration and the store,
  // whose schema is current.
  struct Opened {
    config::Config config;
    std::unique_ptr<domain::Store> store;
    std::unique_ptr<domain::Migrator> migrator;
    SystemClock clock;
  };
  // Loads the configuration and opens the database; prints one line and returns null on
  // failure (then exit 2 for configuration, which is what a wrong TESSERA_DATABASE is).
  std::unique_ptr<Opened> open();
  // The whole runtime (keys, services) over a current schema, for commands that act as the
  // server would; prints one line and returns null on failure.
  std::unique_ptr<app::Runtime> runtime();

 private:
  std::optional<config::Config> config_;  // kept alive for the runtime, which refers to it
};

// Prints an error to stderr and returns its exit code: 1 when the thing does not exist or the
// action is refused, 2 for bad usage.
int report(const Error& error);

void register_commands(CLI::App& app, Context& ctx);

void register_version(CLI::App& app, Context& ctx);
void register_serve(CLI::App& app, Context& ctx);
void register_migrate(CLI::App& app, Context& ctx);
void register_outbox(CLI::App& app, Context& ctx);
void register_user(CLI::App& app, Context& ctx);
// `user import` and `user export`, under the `user` command.
void register_user_transfer(CLI::App* user, Context& ctx);
void register_keys(CLI::App& app, Context& ctx);

}  // namespace tessera::cli
