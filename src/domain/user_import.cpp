#include "domain/user_import.hpp"

#include <algorithm>
#include <functional>

#include "core/ascii.hpp"
#include "core/ids.hpp"
#include "domain/admin_service.hpp"
#include "domain/audit_entry.hpp"
#include "domain/identifiers.hpp"

namespace tessera::domain {
namespace {

// The reason a line is refused: the error's words, which name the field ("email: ...").
std::string reason_of(const Error& e) {
  std::string r = e.detail.empty() ? std::string(to_string(e.code)) : e.detail;
  if (e.detail.empty() && !e.reason.empty()) r += " (" + e.reason + ")";
  return r;
}

}  // namespace

UserImport UserImporter::start(Actor actor, ImportOptions options) {
  UserImport run(*this, std::move(actor), options);
  run.report_.dry_run = options.dry_run;
  return run;
}

void UserImport::refuse(std::size_t line, std::string reason) {
  ++lines_;
  report_.refused.push_back({line, std::move(reason)});
}

Result<void> UserImport::add(ImportedUser in) {
  ++lines_;
  const std::size_t line = in.line;
  auto checked = check(std::move(in));
  if (!checked) {
    report_.refused.push_back({line, reason_of(checked.error())});
    return ok();
  }
  if (auto dup = seen_before(*checked)) {
    report_.refused.push_back({line, std::move(*dup)});
    return ok();
  }
  pending_.push_back(std::move(*checked));
  if (!options_.atomic && pending_.size() >= kImportBatch) return flush();
  return ok();
}

Result<UserImport::Checked> UserImport::check(ImportedUser in) {
  Checked c{in.line, User{}, in.password_hash.has_value(), false, {}};
  User& u = c.user;
  auto ids = normalize_identifiers(in.email, in.username);
  if (!ids) return std::move(ids).error();
  u.email = std::move(ids->email);
  u.username = std::move(ids->username);
  if (in.password_hash) {
    if (auto known = importer_.hasher_.check_stored(*in.password_hash); !known) {
      return make_error(errc::invalid_request, "password_hash: " + known.error().reason);
    }
    u.password_hash = std::move(*in.password_hash);
  } else {
    u.password_hash = std::string(kNoPassword);
  }
  auto roles = normalize_roles(in.roles);
  if (!roles) return std::move(roles).error();
  u.roles = std::move(*roles);
  if (in.email_verified && u.email.empty()) {
    return make_error(errc::invalid_request, "email_verified: the account has no email to be verified");
  }
  u.email_verified = in.email_verified;
  u.disabled = in.disabled;
  if (!in.id.empty()) {
    std::string id = ascii_lower(in.id);
    if (looks_like_uuid(id)) {
      u.id = UserId(std::move(id));
      c.kept_id = true;
    } else {
      u.id = UserId(new_uuid(importer_.random_));
      c.given_id = std::move(in.id);
    }
  } else {
    u.id = UserId(new_uuid(importer_.random_));
  }
  const TimePoint now = importer_.clock_.now();
  u.created_at = in.created_at.value_or(now);
  u.updated_at = now;
  return c;
}

std::optional<std::string> UserImport::seen_before(const Checked& c) {
  struct Key {
    std::string_view what;
    std::string value;
  };
  std::vector<Key> keys;
  if (!c.user.email.empty()) keys.push_back({"email", "e:" + c.user.email});
  if (!c.user.username.empty()) keys.push_back({"username", "u:" + c.user.username});
  if (c.kept_id) keys.push_back({"id", "i:" + c.user.id.str()});  // a generated one cannot repeat
  std::vector<std::uint64_t> hashes;
  for (const auto& k : keys) {
    const std::uint64_t h = std::hash<std::string>{}(k.value);
    if (auto it = seen_.find(h); it != seen_.end()) {
      return "the same " + std::string(k.what) + " as line " + std::to_string(it->second);
    }
    hashes.push_back(h);
  }
  for (const auto h : hashes) seen_.emplace(h, c.line);
  return std::nullopt;
}

Result<void> UserImport::flush() {
  if (pending_.empty()) return ok();
  std::vector<Checked> batch = std::move(pending_);
  pending_.clear();
  auto& store = importer_.store_;

  if (options_.dry_run) {
    std::vector<RevocationEvent> events;
    auto done = store.read([&](StoreTx& tx) { return apply(tx, batch, false, events); });
    if (!done) return std::move(done).error();
    count(*done);
    return ok();
  }

  if (options_.atomic) {
    // The outcomes of the attempt that rolled back: a write body may run again on a conflict,
    // so each attempt starts from nothing.
    std::vector<Done> found;
    std::vector<RevocationEvent> events;
    bool refused = false;
    auto r = store.write([&](StoreTx& tx) -> Result<void> {
      events.clear();
      refused = false;
      auto done = apply(tx, batch, true, events);
      if (!done) return std::move(done).error();
      found = std::move(*done);
      for (const auto& d : found) {
        // Failing the body is what makes the store roll the whole file back.
        if (d.outcome == Outcome::refused) refused = true;
      }
      if (refused) return make_error(errc::invalid_request, "", "import: a line was refused; nothing written");
      return ok();
    });
    if (!r && !refused) return std::move(r).error();
    if (!r) {
      report_.rolled_back = true;
      for (const auto& d : found) {
        if (d.outcome == Outcome::refused) report_.refused.push_back({d.line, d.reason});
      }
      return ok();
    }
    importer_.sessions_.applied(events);
    count(found);
    return ok();
  }

  struct Committed {
    std::vector<Done> done;
    std::vector<RevocationEvent> events;
  };
  const auto write = [&](const std::vector<Checked>& lines) {
    return store.write([&](StoreTx& tx) -> Result<Committed> {
      Committed c;
      auto done = apply(tx, lines, true, c.events);
      if (!done) return std::move(done).error();
      c.done = std::move(*done);
      return c;
    });
  };
  auto committed = write(batch);
  if (!committed && committed.error().code == errc::account_exists) {
    // Another writer (a signup) took an identifier between our check and our insert: the batch
    // rolled back. Line by line, only the line that now collides is refused.
    std::vector<Done> all;
    for (const auto& c : batch) {
      auto one = write(std::vector<Checked>{c});
      if (!one && one.error().code == errc::account_exists) {
        all.push_back({c.line, Outcome::refused, "an account with this email or username was made meanwhile", {}});
        continue;
      }
      if (!one) return std::move(one).error();
      importer_.sessions_.applied(one->events);
      all.insert(all.end(), one->done.begin(), one->done.end());
    }
    count(all);
    return ok();
  }
  if (!committed) return std::move(committed).error();
  importer_.sessions_.applied(committed->events);
  count(committed->done);
  return ok();
}

Result<std::vector<UserImport::Done>> UserImport::apply(StoreTx& tx, const std::vector<Checked>& batch, bool write,
                                                        std::vector<RevocationEvent>& events) {
  std::vector<Done> out;
  out.reserve(batch.size());
  for (const auto& c : batch) {
    auto d = apply_one(tx, c, write, events);
    if (!d) return std::move(d).error();
    out.push_back(std::move(*d));
  }
  return out;
}

// The audit entries are written with the accounts but not logged one by one: the caller logs
// one line for the whole import.
Result<UserImport::Done> UserImport::apply_one(StoreTx& tx, const Checked& c, bool write,
                                               std::vector<RevocationEvent>& events) {
  // Every account the line names, by id, email or username.
  std::vector<User> matches;
  std::vector<std::string> matched_by;
  const auto note = [&](Result<std::optional<User>> found, std::string_view by) -> Result<void> {
    if (!found) return std::move(found).error();
    if (!*found) return ok();
    for (std::size_t i = 0; i < matches.size(); ++i) {
      if (matches[i].id == (*found)->id) {
        matched_by[i] += std::string(", ") + std::string(by);
        return ok();
      }
    }
    matches.push_back(std::move(**found));
    matched_by.emplace_back(by);
    return ok();
  };
  if (auto r = note(tx.user_by_id(c.user.id), "id"); !r) return std::move(r).error();
  if (!c.user.email.empty()) {
    if (auto r = note(tx.user_by_email(c.user.email), "email"); !r) return std::move(r).error();
  }
  if (!c.user.username.empty()) {
    if (auto r = note(tx.user_by_username(c.user.username), "username"); !r) return std::move(r).error();
  }

  if (matches.empty()) {
    if (write) {
      if (auto ins = tx.insert_user(c.user); !ins) return std::move(ins).error();
      auto a = importer_.audit_.record(
          tx, importer_.audit_.entry(
                  audit_event::kUserCreated, c.user.id.str(), actor_.client,
                  "imported; roles: " + join_roles(c.user.roles) + (c.has_hash ? "" : "; no password"), actor_.id));
      if (!a) return std::move(a).error();
    }
    Done d{c.line, Outcome::imported, {}, {}};
    if (!c.given_id.empty()) d.new_id = NewId{c.line, c.given_id, c.user.id.str()};
    return d;
  }
  if (options_.existing == OnExisting::refuse || matches.size() > 1) {
    std::string reason = "an account with the same " + matched_by[0] + " exists (" + matches[0].id.str() + ")";
    if (matches.size() > 1) {
      reason = "the line names two accounts: " + matches[0].id.str() + " (" + matched_by[0] + ") and " +
               matches[1].id.str() + " (" + matched_by[1] + ")";
    } else if (options_.existing == OnExisting::refuse) {
      reason += "; --skip-existing or --update-existing decide otherwise";
    }
    return Done{c.line, Outcome::refused, std::move(reason), {}};
  }
  if (options_.existing == OnExisting::skip) return Done{c.line, Outcome::skipped, {}, {}};

  // Update: the account becomes what the line says, but keeps its id, its creation time, and
  // its password when the line has no hash (a line never takes a password away).
  User u = matches[0];
  std::string detail;
  const auto changed = [&](std::string_view field) {
    detail += std::string(detail.empty() ? "" : ", ") + std::string(field);
  };
  if (u.email != c.user.email) changed("email"), u.email = c.user.email;
  if (u.username != c.user.username) changed("username"), u.username = c.user.username;
  if (u.email_verified != c.user.email_verified) changed("email_verified"), u.email_verified = c.user.email_verified;
  if (u.roles != c.user.roles) changed("roles"), u.roles = c.user.roles;
  bool stop_tokens = false;
  if (u.disabled != c.user.disabled) {
    changed("disabled");
    u.disabled = c.user.disabled;
    stop_tokens = u.disabled;
  }
  if (c.has_hash && u.password_hash != c.user.password_hash) {
    changed("password_hash");
    u.password_hash = c.user.password_hash;
    stop_tokens = true;  // as after a password change: the old password's sessions end
  }
  if (detail.empty()) return Done{c.line, Outcome::unchanged, {}, {}};
  if (!write) return Done{c.line, Outcome::updated, {}, {}};
  u.updated_at = importer_.clock_.now();
  if (stop_tokens) {
    auto revoked = importer_.sessions_.revoke_everything(
        tx, u, u.disabled ? revoke_reason::kDisabled : revoke_reason::kPasswordChange);
    if (!revoked) return std::move(revoked).error();
    events.insert(events.end(), revoked->begin(), revoked->end());
  } else if (auto r = tx.update_user(u); !r) {
    return std::move(r).error();
  }
  auto a = importer_.audit_.record(
      tx, importer_.audit_.entry(audit_event::kUserUpdated, u.id.str(), actor_.client, "import: " + detail, actor_.id));
  if (!a) return std::move(a).error();
  return Done{c.line, Outcome::updated, {}, {}};
}

void UserImport::count(const std::vector<Done>& done) {
  for (const auto& d : done) {
    switch (d.outcome) {
      case Outcome::imported:
        ++report_.imported;
        if (d.new_id) report_.new_ids.push_back(*d.new_id);
        break;
      case Outcome::updated: ++report_.updated; break;
      case Outcome::skipped: ++report_.skipped; break;
      case Outcome::unchanged: ++report_.unchanged; break;
      case Outcome::refused: report_.refused.push_back({d.line, d.reason}); break;
    }
  }
}

Result<ImportReport> UserImport::finish() {
  if (options_.atomic && !report_.refused.empty()) {
    // A line was refused before any write: check the rest without writing, so the report names
    // every problem of the file at once, and write nothing.
    options_.dry_run = true;
    if (auto r = flush(); !r) return std::move(r).error();
    report_.imported = report_.updated = report_.skipped = report_.unchanged = 0;
    report_.rolled_back = true;
  } else if (auto r = flush(); !r) {
    return std::move(r).error();
  }
  if (report_.rolled_back) report_.imported = report_.updated = report_.skipped = report_.unchanged = 0;
  if (report_.rolled_back) report_.new_ids.clear();
  std::stable_sort(report_.refused.begin(), report_.refused.end(),
                   [](const RefusedLine& a, const RefusedLine& b) { return a.line < b.line; });
  return std::move(report_);
}

}  // namespace tessera::domain
