#include <iostream>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "api/views.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"

namespace tessera::cli {
namespace {

const domain::Actor kCli{"cli", {"", "tessera-cli"}};

void print_user(const domain::User& u, bool json) {
  if (json) {
    std::cout << boost::json::serialize(api::user_json(u)) << "\n";
    return;
  }
  std::string roles;
  for (const auto& r : u.roles) roles += (roles.empty() ? "" : ",") + r;
  std::cout << u.id.str() << "\t" << (u.email.empty() ? "-" : u.email) << "\t"
            << (u.username.empty() ? "-" : u.username) << "\t" << (u.email_verified ? "verified" : "unverified") << "\t"
            << (u.disabled ? "disabled" : "enabled") << "\t" << (roles.empty() ? "-" : roles) << "\t"
            << format_rfc3339(u.created_at) << "\n";
}

// Registers `tessera user NAME TARGET` commands that change one user and print it.
struct Change {
  const char* name;
  const char* help;
  bool takes_role;
  std::function<Result<domain::User>(app::Runtime&, const domain::User&, const std::string& role)> apply;
};

}  // namespace

void register_user(CLI::App& app, Context& ctx) {
  auto* user = app.add_subcommand("user", "Manage accounts (against the configured database)");
  user->require_subcommand(1);
  static bool json = false;

  // user create
  auto* create = user->add_subcommand("create", "Create an account");
  static std::string email, username, password;
  static bool password_stdin = false, verified = false;
  static std::vector<std::string> roles;
  create->add_option("EMAIL", email, "The email address (may be empty: \"\" with --username)")->required();
  create->add_option("--username", username, "A username as well");
  auto* pw =
      create->add_option("--password", password, "The password (visible in the process list: prefer --password-stdin)");
  auto* pw_stdin =
      create->add_flag("--password-stdin", password_stdin, "Read the password from the first line of stdin");
  pw->excludes(pw_stdin);
  create->add_flag("--verified", verified, "Mark the email as verified");
  create->add_option("--role", roles, "A role to give (repeatable)");
  create->add_flag("--json", json, "Print the user as JSON");
  create->footer("Without a password the account can only log in after a password reset.");
  create->callback([&ctx, pw] {
    ctx.action = [&ctx, pw]() -> int {
      auto rt = ctx.runtime();
      if (!rt) return kExitUsage;
      domain::NewUser input;
      input.email = email;
      input.username = username;
      input.email_verified = verified;
      input.roles = roles;
      if (password_stdin) {
        std::string line;
        std::getline(std::cin, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        input.password = line;
      } else if (pw->count() > 0) {
        input.password = password;
      }
      auto created = rt->admin->create_user(kCli, input);
      if (!created) return report(created.error());
      print_user(*created, json);
      return kExitOk;
    };
  });

  // user list
  auto* list = user->add_subcommand("list", "List accounts, oldest first");
  static std::string query;
  static std::size_t limit = 1000;
  list->add_option("--query", query, "Only emails or usernames containing this text");
  list->add_option("--limit", limit, "At most this many (default 1000)")->check(CLI::Range(1, 1000000));
  list->add_flag("--json", json, "One JSON object per line");
  list->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto rt = ctx.runtime();
      if (!rt) return kExitUsage;
      domain::UserQuery q;
      q.text = query;
      q.limit = limit;
      auto page = rt->admin->list_users(q);
      if (!page) return report(page.error());
      if (!json) std::cout << "ID\tEMAIL\tUSERNAME\tEMAIL STATE\tSTATE\tROLES\tCREATED\n";
      for (const auto& u : page->users) print_user(u, json);
      return kExitOk;
    };
  });

  // The commands that change one user.
  static const std::vector<Change> changes = {
      {"set-role", "Give a user a role (the first admin is made this way)", true,
       [](app::Runtime& rt, const domain::User& u, const std::string& role) {
         domain::UserChanges c;
         c.roles = u.roles;
         c.roles->push_back(role);
         return rt.admin->update_user(kCli, u.id, c);
       }},
      {"unset-role", "Take a role from a user", true,
       [](app::Runtime& rt, const domain::User& u, const std::string& role) -> Result<domain::User> {
         auto normalized = domain::normalize_role(role);
         if (!normalized) return std::move(normalized).error();
         domain::UserChanges c;
         c.roles = u.roles;
         std::erase(*c.roles, *normalized);
         return rt.admin->update_user(kCli, u.id, c);
       }},
      {"verify", "Mark a user's email as verified", false,
       [](app::Runtime& rt, const domain::User& u, const std::string&) -> Result<domain::User> {
         // Refused (exit 1), not bad usage: the command is right, the account has no address.
         if (u.email.empty())
           return make_error(errc::forbidden, "the account " + u.id.str() + " has no email to verify");
         domain::UserChanges c;
         c.email_verified = true;
         return rt.admin->update_user(kCli, u.id, c);
       }},
      {"disable", "Disable a user: their sessions and tokens stop at once", false,
       [](app::Runtime& rt, const domain::User& u, const std::string&) {
         domain::UserChanges c;
         c.disabled = true;
         return rt.admin->update_user(kCli, u.id, c);
       }},
      {"enable", "Enable a disabled user", false,
       [](app::Runtime& rt, const domain::User& u, const std::string&) {
         domain::UserChanges c;
         c.disabled = false;
         return rt.admin->update_user(kCli, u.id, c);
       }},
  };
  static std::string target, role;
  for (const auto& change : changes) {
    auto* cmd = user->add_subcommand(change.name, change.help);
    cmd->add_option("USER", target, "Email, username or id")->required();
    if (change.takes_role) cmd->add_option("ROLE", role, "The role")->required();
    cmd->add_flag("--json", json, "Print the user as JSON");
    const Change* c = &change;
    cmd->callback([&ctx, c] {
      ctx.action = [&ctx, c]() -> int {
        auto rt = ctx.runtime();
        if (!rt) return kExitUsage;
        auto found = rt->admin->find_user(target);
        if (!found) return report(found.error());
        auto updated = c->apply(*rt, *found, role);
        if (!updated) return report(updated.error());
        print_user(*updated, json);
        return kExitOk;
      };
    });
  }

  register_user_transfer(user, ctx);

  // An account whose owner lost the authenticator and the recovery codes. The operator must
  // have checked who is asking by other means first (docs/security.md).
  auto* reset_mfa = user->add_subcommand(
      "reset-mfa", "Remove a user's second factor and recovery codes; every session ends and the user is mailed");
  reset_mfa->add_option("USER", target, "Email, username or id")->required();
  reset_mfa->add_flag("--json", json, "Print the result as JSON");
  reset_mfa->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto rt = ctx.runtime();
      if (!rt) return kExitUsage;
      auto found = rt->admin->find_user(target);
      if (!found) return report(found.error());
      auto removed = rt->mfa->reset(found->id, kCli);
      if (!removed) return report(removed.error());
      if (json) {
        std::cout << boost::json::serialize(boost::json::object{{"user", found->id.str()}, {"removed", *removed}})
                  << "\n";
      } else {
        std::cout << (*removed ? "second factor removed from " : "no second factor on ") << found->id.str()
                  << "; every session ended\n";
      }
      return kExitOk;
    };
  });

  auto* del = user->add_subcommand("delete", "Delete a user and everything of theirs; their tokens stop at once");
  del->add_option("USER", target, "Email, username or id")->required();
  del->add_flag("--json", json, "Print the result as JSON");
  del->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto rt = ctx.runtime();
      if (!rt) return kExitUsage;
      auto found = rt->admin->find_user(target);
      if (!found) return report(found.error());
      if (auto r = rt->admin->delete_user(kCli, found->id); !r) return report(r.error());
      if (json) {
        std::cout << boost::json::serialize(boost::json::object{{"deleted", found->id.str()}}) << "\n";
      } else {
        std::cout << "deleted " << found->id.str() << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace tessera::cli
