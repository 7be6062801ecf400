#include "app/serve.hpp"

#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <csignal>
#include <iostream>

#include <algorithm>
#include <chrono>
#include <thread>

#include "api/bearer_authenticator.hpp"
#include "api/browser_policy.hpp"
#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "app/http_metrics.hpp"
#include "app/maintenance.hpp"
#include "app/runtime.hpp"
#include "app/services.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "crypto/hash_gate.hpp"
#include "http/dispatcher.hpp"
#include "http/server.hpp"
#include "http/worker_pool.hpp"
#include "mail/log_sender.hpp"
#include "mail/outbox_worker.hpp"
#include "mail/smtp_sender.hpp"
#include "mail/templates.hpp"

namespace tessera::app {
namespace {

// glibc gives each thread that allocates its own malloc arena, up to 8 per core: with the
// network, hash, database, log, outbox and maintenance threads that is a dozen arenas on two
// cores, each holding on to the memory its thread freed. Allocation here is light (the hot path
// allocates little and the hashes use kept blocks, not malloc), so one arena per core is enough:
// under the harness's load sequence it took 3–4 MiB off the flood's peak RSS (70.0 -> 67.1 MiB)
// with the guarded GET and refresh rates unchanged (docs/performance.md). Before any thread starts.
void limit_malloc_arenas(int cores) {
#if defined(__GLIBC__)
  mallopt(M_ARENA_MAX, std::max(2, cores));
#else
  (void)cores;
#endif
}

// For the `listening` line: where the signing algorithm came from (docs/configuration.md).
std::string_view alg_source_name(domain::KeyRing::AlgSource source) {
  switch (source) {
    case domain::KeyRing::AlgSource::setting: return "setting";
    case domain::KeyRing::AlgSource::stored_keys: return "stored_keys";
    case domain::KeyRing::AlgSource::default_alg: return "default";
  }
  return "setting";
}

}  // namespace

int serve(const config::Config& config) {
  const auto started = std::chrono::steady_clock::now();
  limit_malloc_arenas(cores());
  // A peer that closes its socket early must not kill the process (SMTP over TLS, clients).
  std::signal(SIGPIPE, SIG_IGN);
  crypto::init();
  mail::init();

  // Settings that can only be checked with the mail layer: one line, exit 2, like the rest.
  mail::SmtpOptions smtp{config.smtp_url, config.smtp_from, config.smtp_ca_file, config.smtp_timeout};
  if (!config.smtp_url.empty()) {
    if (auto ok = mail::check_smtp_options(smtp); !ok) {
      std::cerr << "tessera: " << ok.error().detail << "\n";
      return 2;
    }
  }
  auto proxies = http::TrustedProxies::parse(config.trusted_proxies);
  if (!proxies) {
    std::cerr << "tessera: " << proxies.error().detail << "\n";
    return 2;
  }
  auto templates = mail::Templates::load(config.templates_dir);
  if (!templates) {
    std::cerr << "tessera: TESSERA_TEMPLATES_DIR: " << templates.error().detail << "\n";
    return 2;
  }

  if (auto web = api::check_web_dir(config.web_dir); !web) {
    std::cerr << "tessera: TESSERA_WEB_DIR: " << web.error().detail << "\n";
    return 2;
  }

  log::start(config.log_level);

  auto built = build_runtime(config, config.migrate_on_start ? Migrations::apply : Migrations::require);
  if (!built) {
    // Bad configuration like the checks above (exit 2): the log line for log pipelines, and the
    // plain line for whoever started it (the log may be off or elsewhere).
    log::error("start_failed").str("detail", built.error().detail);
    log::stop();
    std::cerr << "tessera: " << built.error().detail << "\n";
    return 2;
  }
  Runtime& rt = **built;

  // hash_workers hashes run at once (the gate's slots); the hash lane has twice as many threads,
  // so that a request waiting for the database holds a thread but no slot, and another hashes
  // meanwhile (crypto/hash_gate.hpp). The slots keep their Argon2 memory while logins keep
  // coming and give it back when the queue runs empty, so an idle server is small again.
  const int hash_workers = rt.hash_gate->slots();
  const int db_workers = config.db_workers > 0 ? config.db_workers : 4;
  crypto::HashGate& gate = *rt.hash_gate;
  http::WorkerPool hash_pool("hash", 2 * hash_workers, static_cast<std::size_t>(config.hash_queue),
                             [&gate] { gate.release_idle_memory(); });
  // Database work is short; its queue is longer than the hash queue, and still bounded.
  http::WorkerPool db_pool("db", db_workers, 1024);

  http::Server* server_ptr = nullptr;
  api::Services services = make_services(rt, [&server_ptr] { return server_ptr != nullptr && server_ptr->draining(); });

  const http::Router router = api::build_router(services);
  const api::BearerAuthenticator authenticator(*rt.tokens);
  const api::BrowserPolicy policy(services.web);
  const http::Dispatcher dispatcher(router, &authenticator, http::Lanes{&db_pool, &hash_pool}, &policy);

  http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.threads = config.threads > 0 ? config.threads : cores();
  options.max_body_bytes = config.max_body_bytes;
  options.max_header_bytes = config.max_header_bytes;
  options.read_timeout = config.read_timeout;
  options.idle_timeout = config.idle_timeout;
  options.shutdown_timeout = config.shutdown_timeout;
  options.trusted_proxies = std::move(*proxies);
  // Gauges read when /metrics is scraped.
  auto& registry = metrics::registry();
  registry.gauge_function("tessera_hash_queue_depth", "Password hashes waiting for a worker.", {},
                          [&hash_pool] { return static_cast<double>(hash_pool.queued()); });
  registry.gauge_function("tessera_hash_queue_wait_seconds_total", "Time hashes waited for a worker, summed.", {},
                          [&hash_pool] { return static_cast<double>(hash_pool.total_wait_us()) / 1e6; });
  registry.gauge_function("tessera_hash_started_total", "Password hashes started.", {},
                          [&hash_pool] { return static_cast<double>(hash_pool.started()); });
  registry.gauge_function("tessera_db_queue_depth", "Database tasks waiting for a worker.", {},
                          [&db_pool] { return static_cast<double>(db_pool.queued()); });
  registry.gauge_function("tessera_revocation_entries", "Revoked sessions and users held in memory.", {},
                          [&rt] { return static_cast<double>(rt.revocations.size()); });
  registry.gauge_function("tessera_access_token_cache_entries", "Verified access tokens cached.", {},
                          [&rt] { return static_cast<double>(rt.tokens->cached()); });

  HttpMetrics http_metrics;
  http::Server server(options, dispatcher, &http_metrics);
  server_ptr = &server;
  if (auto listening = server.listen(); !listening) {
    log::error("start_failed").str("detail", listening.error().detail);
    log::stop();
    return 1;
  }
  Maintenance maintenance(rt);
  maintenance.start();
  // PostgreSQL: other instances' revocations arrive by LISTEN/NOTIFY within milliseconds.
  auto listener = store::listen_for_changes(config.database, [&maintenance] { maintenance.wake(); });

  // Mail: SMTP when configured; otherwise the log, so the zero-config server works end to end.
  std::unique_ptr<mail::Sender> sender;
  if (config.smtp_url.empty()) {
    sender = std::make_unique<mail::LogSender>();
    log::warn("mail_to_log")
        .str("detail", "TESSERA_SMTP_URL is not set: mails and their links go to this log (development only)");
  } else {
    sender = std::make_unique<mail::SmtpSender>(smtp, rt.random, rt.clock);
  }
  mail::OutboxOptions outbox_options;
  outbox_options.public_url = config.public_url;
  outbox_options.product = config.product_name;
  outbox_options.verification_ttl = config.verification_ttl;
  outbox_options.reset_ttl = config.reset_ttl;
  mail::OutboxWorker outbox(*rt.db.store, *rt.email, *sender, *templates, outbox_options, rt.clock, rt.random);
  rt.email->set_notifier(&outbox);
  outbox.start();

  const auto ready_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  log::info("listening")
      .str("address", config.listen_host)
      .num("port", server.port())
      .str("url", config.public_url)
      .str("database", rt.db.store->backend())
      .str("jwt_alg", rt.keys->alg())
      .str("jwt_alg_from", alg_source_name(rt.keys->alg_source()))
      .str("mail", sender->name())
      .num("pid", getpid())
      .num("network_threads", options.threads)
      .num("hash_workers", hash_workers)
      .num("hash_threads", hash_pool.threads())
      .num("db_workers", db_workers)
      .num("startup_us", ready_us);

  server.run();

  // The server has drained: finish what the workers hold, then stop them. The outbox sender
  // finishes the mail in hand and gives back the rest for the next start.
  listener.reset();
  maintenance.stop();
  rt.email->set_notifier(nullptr);
  outbox.stop();
  hash_pool.stop();
  db_pool.stop();
  log::info("stopped");
  log::stop();
  return 0;
}

}  // namespace tessera::app
