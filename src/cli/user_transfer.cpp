// `tessera user import` and `tessera user export`: moving accounts in and out in the JSON-lines
// format of api/user_lines.hpp (docs/operations.md).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <boost/json/serialize.hpp>

#include "api/user_lines.hpp"
#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"

namespace tessera::cli {
namespace {

const domain::Actor kCli{"cli", {"", "tessera-cli"}};

// Users read per page by export: one short read transaction each.
constexpr std::size_t kExportPage = 1000;

// Every refused line, then one summary line.
void print_report(const domain::ImportReport& r) {
  for (const auto& refused : r.refused) std::cout << "line " << refused.line << ": " << refused.reason << "\n";
  for (const auto& n : r.new_ids) std::cout << "line " << n.line << ": id " << n.given << " is now " << n.id << "\n";
  if (r.rolled_back) std::cout << "nothing written: --atomic, and " << r.refused.size() << " line(s) refused\n";
  std::cout << (r.dry_run ? "dry run: would import " : "imported ") << r.imported << ", "
            << (r.dry_run ? "would update " : "updated ") << r.updated << ", unchanged " << r.unchanged << ", skipped "
            << r.skipped << ", refused " << r.refused.size() << "\n";
}

}  // namespace

void register_user_transfer(CLI::App* user, Context& ctx) {
  auto* import = user->add_subcommand("import", "Import accounts with their password hashes from JSON lines");
  static std::string file;
  static bool dry_run = false, skip_existing = false, update_existing = false, atomic = false, json = false;
  import->add_option("FILE", file, "A JSON-lines file, or - for stdin")->required();
  import->add_flag("--dry-run", dry_run, "Check every line, write nothing");
  auto* skip = import->add_flag("--skip-existing", skip_existing,
                                "Leave an account that exists (same id, email or username) as it is");
  auto* update = import->add_flag("--update-existing", update_existing, "Update an account that exists from its line");
  skip->excludes(update);
  import->add_flag("--atomic", atomic,
                   "Write nothing at all if any line is refused (the whole file is held in memory)");
  import->add_flag("--json", json, "Print the report as JSON");
  import->footer(
      "By default a line naming an existing account is refused. Every refused line is reported with its\n"
      "number and reason; exit 1 if any was. Format: docs/operations.md.");
  import->callback([&ctx] {
    ctx.action = [&ctx]() -> int {
      std::ifstream in_file;
  std::istream* in = &std::cin;
  if (file != "-") {
    in_file.open(file, std::ios::binary);
    if (!in_file) {
      std::cerr << "tessera: cannot read " << file << "\n";
      return kExitUsage;
    }
    in = &in_file;
  }
  auto rt = ctx.runtime();
  if (!rt) return kExitUsage;
  domain::ImportOptions options;
  options.existing = skip_existing     ? domain::OnExisting::skip
                     : update_existing ? domain::OnExisting::update
                                       : domain::OnExisting::refuse;
  options.dry_run = dry_run;
  options.atomic = atomic;
  auto run = rt->importer->start(kCli, options);
  api::UserLineFeed feed(run);
  // Progress for a person watching a big file; never for a script reading stderr.
  const bool progress = isatty(STDERR_FILENO) == 1;
  std::size_t shown = 0;
  std::string chunk(64 * 1024, '\0');
  while (*in) {
    in->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<std::size_t>(in->gcount());
    if (n == 0) break;
    if (auto r = feed.feed(std::string_view(chunk.data(), n)); !r) {
      if (progress) std::cerr << "\n";
      std::cerr << "tessera: the import stopped after " << run.lines()
                << " lines; every line before the failing batch is written whole\n";
      return report(r.error());
    }
    if (progress && run.lines() >= shown + 10000) {
      shown = run.lines();
      std::cerr << "\r" << shown << " lines read" << std::flush;
    }
  }
  if (in->bad()) {
    std::cerr << "tessera: reading " << file << " failed\n";
    return kExitRefused;
  }
  if (progress && shown > 0) std::cerr << "\r" << run.lines() << " lines read\n";
  if (auto r = feed.end(); !r) return report(r.error());
  auto done = run.finish();
  if (!done) return report(done.error());
  log::info("users_imported")
      .str("actor", "cli")
      .num("imported", static_cast<std::int64_t>(done->imported))
      .num("updated", static_cast<std::int64_t>(done->updated))
      .num("skipped", static_cast<std::int64_t>(done->skipped))
      .num("refused", static_cast<std::int64_t>(done->refused.size()))
      .flag("dry_run", done->dry_run);
  if (json) {
    std::cout << boost::json::serialize(api::import_report_json(*done)) << "\n";
  } else {
    print_report(*done);
  }
  return done->refused.empty() ? kExitOk : kExitRefused;
};
}  // namespace tessera::cli
);

auto* exp = user->add_subcommand("export", "Write every account, password hashes included, as JSON lines");
static std::string format = "jsonl";
exp->add_option("--format", format, "jsonl (the only format; the one import reads)")->check(CLI::IsMember({"jsonl"}));
exp->callback([&ctx] {
  ctx.action = [&ctx]() -> int {
    auto rt = ctx.runtime();
    if (!rt) return kExitUsage;
    std::cerr << "tessera: the output holds password hashes; keep it as secret as the database\n";
    // Oldest first, a page at a time: an account made during the export sorts last and is
    // still written; one deleted meanwhile may shift a page (export a quiet database).
    domain::UserQuery q;
    q.limit = kExportPage;
    std::size_t written = 0;
    for (;;) {
      auto page = rt->admin->list_users(q);
      if (!page) return report(page.error());
      for (const auto& u : page->users) std::cout << api::user_line(u) << "\n";
      written += page->users.size();
      if (page->users.size() < kExportPage) break;
      q.offset += kExportPage;
    }
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "tessera: writing the export failed\n";
      return kExitRefused;
    }
    std::cerr << "tessera: exported " << written << " account(s)\n";
    return kExitOk;
  };
});
}

}  // namespace tessera::cli
