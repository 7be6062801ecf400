#include <iostream>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"
#include "domain/audit_entry.hpp"

namespace tessera::cli {
namespace {

const domain::Actor kCli{"cli", {"", "tessera-cli"}};

std::string_view state_name(domain::KeyRing::KeyState s) {
  switch (s) {
    case domain::KeyRing::KeyState::active: return "active";
    case domain::KeyRing::KeyState::verifying: return "verifying";
    case domain::KeyRing::KeyState::expired: return "expired";
    case domain::KeyRing::KeyState::retired: return "retired";
  }
  return "?";
}

std::string when(const std::optional<TimePoint>& t) { return t ? format_rfc3339(*t) : "-"; }

}  // namespace

void register_keys(CLI::App& app, Context& ctx) {
  auto* keys = app.add_subcommand("keys", "Manage the keys that sign access tokens");
  keys->require_subcommand(1);
  static bool json = false;

  auto* list = keys->add_subcommand("list", "List the signing keys and their states");
  list->add_flag("--json", json, "One JSON object per line");
  list->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto rt = ctx.runtime();
      if (!rt) return kExitUsage;
      auto infos = rt->keys->list(*rt->db.store);
      if (!infos) return report(infos.error());
      if (!json) std::cout << "KID\tALG\tSTATE\tCREATED\tSIGNS UNTIL\tRETIRED\n";
      for (const auto& i : *infos) {
        if (json) {
          std::cout << boost::json::serialize(boost::json::object{
                           {"kid", i.key.kid},
                           {"alg", i.key.alg},
                           {"state", std::string(state_name(i.state))},
                           {"created_at", format_rfc3339(i.key.created_at)},
                           {"signs_until", when(i.key.signs_until)},
                           {"retired_at", when(i.key.retired_at)},
                       })
                    << "\n";
        } else {
          std::cout << i.key.kid << "\t" << i.key.alg << "\t" << state_name(i.state) << "\t"
                    << format_rfc3339(i.key.created_at) << "\t" << when(i.key.signs_until) << "\t"
                    << when(i.key.retired_at) << "\n";
        }
      }
      return kExitOk;
    };
  });

  auto* rotate =
      keys->add_subcommand("rotate", "Make a new signing key; the old one keeps verifying until its tokens expire");
  static std::string alg;
  rotate->add_option("--alg", alg, "ES256, EdDSA or RS256 (default: the signing key's, or TESSERA_JWT_ALG when set)")
      ->check(CLI::IsMember({"EdDSA", "ES256", "RS256"}));
  rotate->add_flag("--json", json, "Print the new key as JSON");
  rotate->footer("A running server starts signing with the new key within a few seconds.");
  rotate->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto rt = ctx.runtime();
      if (!rt) return kExitUsage;
      if (rt->config.jwt_alg == "HS256") {
        std::cerr << "tessera: TESSERA_JWT_ALG is HS256: its key is TESSERA_JWT_SECRET; change the secret to rotate\n";
        return kExitRefused;
      }
      auto kid = rt->keys->rotate(*rt->db.store, alg);
      if (!kid) return report(kid.error());
      const std::string used = alg.empty() ? rt->keys->alg() : alg;
      rt->admin->record(kCli, domain::audit_event::kKeyRotated, "new key " + *kid + " (" + used + ")");
      if (json) {
        std::cout << boost::json::serialize(boost::json::object{{"kid", *kid}, {"alg", used}}) << "\n";
      } else {
        std::cout << "new signing key " << *kid << " (" << used << ")\n";
      }
      // Without TESSERA_JWT_ALG a server keeps whatever the stored signing key is; with it, a
      // server makes a key of that algorithm again.
      if (rt->config.origins.contains("jwt_alg") && used != rt->config.jwt_alg) {
        std::cerr << "tessera: note: TESSERA_JWT_ALG is " << rt->config.jwt_alg
                  << "; a server started with it makes a new " << rt->config.jwt_alg
                  << " key again. Set TESSERA_JWT_ALG=" << used << " to keep this one.\n";
      }
      return kExitOk;
    };
  });

  auto* retire = keys->add_subcommand("retire", "Stop publishing and trusting a key");
  static std::string kid;
  static bool force = false;
  retire->add_option("KID", kid, "The key id (see `tessera keys list`)")->required();
  retire->add_flag("--force", force, "Retire even if tokens it signed may still be alive (they stop verifying)");
  retire->add_flag("--json", json, "Print the result as JSON");
  retire->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto rt = ctx.runtime();
      if (!rt) return kExitUsage;
      if (auto r = rt->keys->retire(*rt->db.store, kid, force); !r) return report(r.error());
      rt->admin->record(kCli, domain::audit_event::kKeyRetired, "key " + kid + (force ? " (forced)" : ""));
      if (json) {
        std::cout << boost::json::serialize(boost::json::object{{"retired", kid}}) << "\n";
      } else {
        std::cout << "retired " << kid << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace tessera::cli
