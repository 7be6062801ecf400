#include <iostream>
#include <sstream>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"

namespace tessera::cli {
namespace {

boost::json::object mail_json(const domain::OutboxMail& m) {
  boost::json::object o{
      {"id", m.id},
      {"state", std::string(domain::to_string(m.state))},
      {"kind", m.kind},
      {"recipient", m.recipient},
      {"attempts", m.attempts},
      {"created_at", format_rfc3339(m.created_at)},
      {"next_attempt_at", format_rfc3339(m.next_attempt_at)},
      {"last_error", m.last_error},
  };
  o["sent_at"] = m.sent_at ? boost::json::value(format_rfc3339(*m.sent_at)) : boost::json::value(nullptr);
  return o;
}

}  // namespace

void register_outbox(CLI::App& app, Context& ctx) {
  auto* outbox = app.add_subcommand("outbox", "Inspect and retry the email outbox");
  outbox->require_subcommand(1);

  auto* list = outbox->add_subcommand("list", "List queued, sent and dead mails, newest first");
  list->fallthrough();
  static std::string state;
  static std::size_t limit = 100;
  static bool list_json = false;
  list->add_option("--state", state, "Only mails in this state")
      ->check(CLI::IsMember({"pending", "sending", "sent", "dead"}));
  list->add_option("--limit", limit, "At most this many (default 100)")->check(CLI::Range(1, 100000));
  list->add_flag("--json", list_json, "One JSON object per line");
  list->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      auto rt = ctx.open();
      if (!rt) return kExitUsage;
      std::optional<domain::MailState> filter;
      if (!state.empty()) filter = domain::parse_mail_state(state);
      auto mails = rt->store->read([&](domain::StoreTx& tx) { return tx.list_mail(filter, limit); });
      if (!mails) return report(mails.error());
      if (list_json) {
        for (const auto& m : *mails) std::cout << boost::json::serialize(mail_json(m)) << "\n";
        return kExitOk;
      }
      if (mails->empty()) {
        std::cout << "no mails\n";
        return kExitOk;
      }
      std::cout << "ID\tSTATE\tKIND\tRECIPIENT\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR\n";
      for (const auto& m : *mails) {
        std::cout << m.id << "\t" << domain::to_string(m.state) << "\t" << m.kind << "\t" << m.recipient << "\t"
                  << m.attempts << "\t"
                  << (m.state == domain::MailState::pending ? format_rfc3339(m.next_attempt_at) : "-") << "\t"
                  << (m.last_error.empty() ? "-" : m.last_error) << "\n";
      }
      return kExitOk;
    };
  });

  auto* retry =
      outbox->add_subcommand("retry", "Send a pending or dead mail again now (ID), or every dead mail (--dead)");
  retry->fallthrough();
  static std::int64_t id = 0;
  static bool all_dead = false;
  static bool retry_json = false;
  auto* id_opt = retry->add_option("ID", id, "The mail's id (see `tessera outbox list`)");
  auto* dead_opt = retry->add_flag("--dead", all_dead, "Every dead mail");
  id_opt->excludes(dead_opt);
  retry->add_flag("--json", retry_json, "Print the result as JSON");
  retry->callback([&ctx, id_opt, dead_opt] {
    ctx.action = [&ctx, id_opt, dead_opt]() -> int {
      if (id_opt->count() == 0 && dead_opt->count() == 0) {
        std::cerr << "tessera: outbox retry needs a mail ID or --dead\n";
        return kExitUsage;
      }
      auto rt = ctx.open();
      if (!rt) return kExitUsage;
      std::optional<std::int64_t> which;
      if (!all_dead) which = id;
      auto n = rt->store->write([&](domain::StoreTx& tx) { return tx.retry_mail(which, rt->clock.now()); });
      if (!n) {
        // A mail that was delivered already, or is being sent now, is a refusal (exit 1), not
        // bad usage: the command was well formed.
        if (n.code() == errc::invalid_request) {
          std::cerr << "tessera: " << n.error().detail << "\n";
          return kExitRefused;
        }
        return report(n.error());
      }
      if (retry_json) {
        std::cout << boost::json::serialize(boost::json::object{{"queued", *n}}) << "\n";
      } else {
        std::cout << (all_dead ? "queued " + std::to_string(*n) + " dead mail(s) again\n"
                               : "mail " + std::to_string(id) + " queued again\n");
      }
      return kExitOk;
    };
  });
}

}  // namespace tessera::cli
