#include "store_contract/contract.hpp"

#include <cstdio>

namespace tessera::store_contract {

TimePoint at_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(1'700'000'000'000 + ms)));
}

TimePoint at_s(std::int64_t s) { return at_ms(s * 1000); }

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

std::string token_hash(int n) {
  std::string h(32, '\0');
  for (int i = 1; i < 32; ++i) h[i] = static_cast<char>((n * 131 + i * 37 + 0x80) & 0xff);
  h[1] = static_cast<char>(n & 0xff);
  h[2] = static_cast<char>((n >> 8) & 0xff);
  return h;
}

domain::User make_user(int n, std::string email, std::string username) {
  domain::User u;
  u.id = domain::UserId(uuid(n));
  u.email = std::move(email);
  u.username = std::move(username);
  u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  u.email_verified = n % 2 == 0;
  u.disabled = false;
  u.roles = {"admin", "editor"};
  u.token_version = n;
  u.created_at = at_ms(n * 1000 + 7);
  u.updated_at = at_ms(n * 1000 + 9);
  return u;
}

domain::Session make_session(const domain::User& user, int n, TimePoint created) {
  domain::Session s;
  s.id = domain::SessionId(uuid(100'000 + n));
  s.user_id = user.id;
  s.created_at = created;
  s.last_used_at = created;
  s.idle_expires_at = created + std::chrono::hours(24 * 7);
  s.absolute_expires_at = created + std::chrono::hours(24 * 30);
  s.user_agent = "Mozilla/5.0 (test) \xc3\xa9";
  s.ip = "192.0.2.7";
  s.generation = 0;
  s.token_hash = token_hash(n);
  s.auth_time = created;
  return s;
}

domain::OneTimeToken make_one_time_token(const domain::User& user, int n, domain::TokenPurpose purpose,
                                         TimePoint created) {
  domain::OneTimeToken t;
  t.token_hash = token_hash(n);
  t.user_id = user.id;
  t.purpose = purpose;
  t.email = user.email;
  t.created_at = created;
  t.expires_at = created + std::chrono::hours(1);
  return t;
}

domain::OutboxMail make_mail(const domain::User* user, int n, TimePoint created) {
  domain::OutboxMail m;
  m.kind = std::string(domain::mail_kind::kVerifyEmail);
  m.recipient = user != nullptr && !user->email.empty() ? user->email : "m" + std::to_string(n) + "@example.com";
  if (user != nullptr) m.user_id = user->id;
  m.payload_sealed = token_hash(50'000 + n) + "-sealed";
  m.created_at = created;
  m.next_attempt_at = created;
  return m;
}

std::int64_t ms(TimePoint t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t - at_ms(0)).count(); }

std::optional<std::int64_t> ms(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return ms(*t);
}

void expect_same(const domain::User& expected, const domain::User& actual) {
  EXPECT_EQ(actual.id.str(), expected.id.str());
  EXPECT_EQ(actual.email, expected.email);
  EXPECT_EQ(actual.username, expected.username);
  EXPECT_EQ(actual.password_hash, expected.password_hash);
  EXPECT_EQ(actual.email_verified, expected.email_verified);
  EXPECT_EQ(actual.disabled, expected.disabled);
  EXPECT_EQ(actual.roles, expected.roles);
  EXPECT_EQ(actual.token_version, expected.token_version);
  EXPECT_EQ(ms(actual.created_at), ms(expected.created_at));
  EXPECT_EQ(ms(actual.updated_at), ms(expected.updated_at));
}

void expect_same(const domain::Session& expected, const domain::Session& actual) {
  EXPECT_EQ(actual.id.str(), expected.id.str());
  EXPECT_EQ(actual.user_id.str(), expected.user_id.str());
  EXPECT_EQ(ms(actual.created_at), ms(expected.created_at));
  EXPECT_EQ(ms(actual.last_used_at), ms(expected.last_used_at));
  EXPECT_EQ(ms(actual.idle_expires_at), ms(expected.idle_expires_at));
  EXPECT_EQ(ms(actual.absolute_expires_at), ms(expected.absolute_expires_at));
  EXPECT_EQ(ms(actual.revoked_at), ms(expected.revoked_at));
  EXPECT_EQ(actual.revoke_reason, expected.revoke_reason);
  EXPECT_EQ(actual.user_agent, expected.user_agent);
  EXPECT_EQ(actual.ip, expected.ip);
  EXPECT_EQ(actual.generation, expected.generation);
  EXPECT_EQ(actual.token_hash, expected.token_hash);
  EXPECT_EQ(actual.previous_token_hash, expected.previous_token_hash);
  EXPECT_EQ(ms(actual.rotated_at), ms(expected.rotated_at));
  EXPECT_EQ(actual.successor_sealed, expected.successor_sealed);
  EXPECT_EQ(actual.aal, expected.aal);
  EXPECT_EQ(actual.amr, expected.amr);
  EXPECT_EQ(ms(actual.auth_time), ms(expected.auth_time));
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

void StoreContract::SetUp() {
  fixture_ = GetParam().make();
  ASSERT_NO_FATAL_FAILURE(open(migrate_on_setup()));
}

void StoreContract::TearDown() {
  opened_ = {};
  fixture_.reset();
}

Result<store::Opened> StoreContract::open_again(const store::Options& options) {
  return store::open_store(fixture_->url(), options);
}

void StoreContract::open(bool migrate) {
  auto opened = open_again();
  ASSERT_OK(opened);
  opened_ = std::move(*opened);
  if (migrate) {
    auto ran = opened_.migrator->migrate();
    ASSERT_OK(ran);
  }
}

void StoreContract::insert(const domain::User& user) {
  ASSERT_OK(store().transact(domain::TxKind::write, [&](domain::StoreTx& tx) { return tx.insert_user(user); }));
}

void StoreContract::insert(const domain::Session& session) {
  ASSERT_OK(store().transact(domain::TxKind::write, [&](domain::StoreTx& tx) { return tx.insert_session(session); }));
}

std::optional<domain::User> StoreContract::find_user(const domain::UserId& id) {
  auto r = store().read([&](domain::StoreTx& tx) { return tx.user_by_id(id); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

std::optional<domain::Session> StoreContract::find_session(const domain::SessionId& id) {
  auto r = store().read([&](domain::StoreTx& tx) { return tx.session_by_id(id); });
  EXPECT_OK(r);
  return r ? *r : std::nullopt;
}

}  // namespace tessera::store_contract
