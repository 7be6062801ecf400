// Accounts: lookups, uniqueness of email and username, updates, deletion, listing and search.
#include "store_contract/contract.hpp"

namespace tessera::store_contract {
namespace {

using domain::StoreTx;
using domain::TxKind;
using domain::User;
using domain::UserId;

TESSERA_STORE_CONTRACT(UserStore);

Result<void> insert_user(domain::Store& store, const User& user) {
  return store.transact(TxKind::write, [&](StoreTx& tx) { return tx.insert_user(user); });
}

Result<domain::UserPage> list(domain::Store& store, std::string text, std::size_t limit = 50, std::size_t offset = 0) {
  return store.read([&](StoreTx& tx) { return tx.list_users(domain::UserQuery{text, limit, offset}); });
}

std::vector<std::string> emails_of(const domain::UserPage& page) {
  std::vector<std::string> out;
  for (const auto& u : page.users) out.push_back(u.email);
  return out;
}

TEST_P(UserStore, AnInsertedUserIsFoundByIdWithEveryField) {
  const User u = make_user(1, "ada@example.com", "ada");
  insert(u);
  const auto found = find_user(u.id);
  ASSERT_TRUE(found.has_value());
  expect_same(u, *found);
}

TEST_P(UserStore, AnInsertedUserIsFoundByEmailAndByUsername) {
  const User u = make_user(1, "ada@example.com", "ada");
  insert(u);
  auto by_email = store().read([&](StoreTx& tx) { return tx.user_by_email("ada@example.com"); });
  auto by_username = store().read([&](StoreTx& tx) { return tx.user_by_username("ada"); });
  ASSERT_OK(by_email);
  ASSERT_OK(by_username);
  ASSERT_TRUE(by_email->has_value());
  ASSERT_TRUE(by_username->has_value());
  expect_same(u, **by_email);
  expect_same(u, **by_username);
}

TEST_P(UserStore, UnknownIdEmailAndUsernameFindNothing) {
  insert(make_user(1, "ada@example.com", "ada"));
  auto r = store().read([&](StoreTx& tx) -> Result<int> {
    int found = 0;
    for (auto u : {tx.user_by_id(UserId(uuid(2))), tx.user_by_email("bob@example.com"), tx.user_by_username("bob"),
                   tx.user_by_email("ADA@example.com"), tx.user_by_username("ada@example.com")}) {
      if (!u) return std::move(u).error();
      found += u->has_value() ? 1 : 0;
    }
    return found;
  });
  ASSERT_OK(r);
  EXPECT_EQ(*r, 0);
}

TEST_P(UserStore, ASecondAccountWithTheSameEmailIsRefusedAsAccountExists) {
  insert(make_user(1, "ada@example.com", "ada"));
  EXPECT_EQ(code_of(insert_user(store(), make_user(2, "ada@example.com", "someone_else"))), errc::account_exists);
  EXPECT_FALSE(find_user(UserId(uuid(2))).has_value());
}

TEST_P(UserStore, ASecondAccountWithTheSameUsernameIsRefusedAsAccountExists) {
  insert(make_user(1, "ada@example.com", "ada"));
  EXPECT_EQ(code_of(insert_user(store(), make_user(2, "other@example.com", "ada"))), errc::account_exists);
  EXPECT_FALSE(find_user(UserId(uuid(2))).has_value());
}

TEST_P(UserStore, TwoAccountsWithoutAnEmailCoexist) {
  insert(make_user(1, "", "ada"));
  insert(make_user(2, "", "bob"));
  const auto ada = find_user(UserId(uuid(1)));
  ASSERT_TRUE(ada.has_value());
  EXPECT_EQ(ada->email, "");
  EXPECT_TRUE(find_user(UserId(uuid(2))).has_value());
}

TEST_P(UserStore, TwoAccountsWithoutAUsernameCoexist) {
  insert(make_user(1, "ada@example.com"));
  insert(make_user(2, "bob@example.com"));
  const auto bob = find_user(UserId(uuid(2)));
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(bob->username, "");
}

TEST_P(UserStore, AnEmptyEmailOrUsernameFindsNoAccountLackingOne) {
  insert(make_user(1, "", "ada"));
  insert(make_user(2, "bob@example.com"));
  auto r = store().read([&](StoreTx& tx) -> Result<bool> {
    auto by_email = tx.user_by_email("");
    if (!by_email) return std::move(by_email).error();
    auto by_username = tx.user_by_username("");
    if (!by_username) return std::move(by_username).error();
    return by_email->has_value() || by_username->has_value();
  });
  ASSERT_OK(r);
  EXPECT_FALSE(*r);
}

TEST_P(UserStore, AnAccountWithNeitherEmailNorUsernameIsRefused) {
  EXPECT_FALSE(insert_user(store(), make_user(1, "", "")));
  EXPECT_FALSE(find_user(UserId(uuid(1))).has_value());
}

TEST_P(UserStore, ADuplicateIdIsRefusedButNotAsAccountExists) {
  insert(make_user(1, "ada@example.com"));
  auto r = insert_user(store(), make_user(1, "bob@example.com"));
  EXPECT_NE(code_of(r), errc::account_exists);
}

TEST_P(UserStore, RolesRoundTripSortedAndAnEmptyListStaysEmpty) {
  User with = make_user(1, "ada@example.com");
  with.roles = {"admin", "billing", "support"};
  User without = make_user(2, "bob@example.com");
  without.roles = {};
  insert(with);
  insert(without);
  EXPECT_EQ(find_user(with.id)->roles, (std::vector<std::string>{"admin", "billing", "support"}));
  EXPECT_TRUE(find_user(without.id)->roles.empty());
}

TEST_P(UserStore, UpdateChangesEveryFieldButIdAndCreatedAt) {
  const User before = make_user(1, "ada@example.com", "ada");
  insert(before);
  User after = before;
  after.email = "ada.lovelace@example.com";
  after.username = "lovelace";
  after.password_hash = "$2b$12$abcdefghijklmnopqrstuuq2m7Nk6mOJWx8dXcmoTHPPX/7b7sYVe";
  after.email_verified = !before.email_verified;
  after.disabled = true;
  after.roles = {"auditor"};
  after.token_version = before.token_version + 5;
  after.updated_at = at_ms(999'123);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_user(after); }));
  const auto found = find_user(before.id);
  ASSERT_TRUE(found.has_value());
  expect_same(after, *found);
}

TEST_P(UserStore, UpdateIgnoresANewCreatedAt) {
  const User before = make_user(1, "ada@example.com");
  insert(before);
  User after = before;
  after.created_at = at_ms(555'000);
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_user(after); }));
  EXPECT_EQ(ms(find_user(before.id)->created_at), ms(before.created_at));
}

TEST_P(UserStore, UpdateCanDropTheEmailOfAnAccountThatHasAUsername) {
  User u = make_user(1, "ada@example.com", "ada");
  insert(u);
  u.email.clear();
  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_user(u); }));
  auto r = store().read([&](StoreTx& tx) { return tx.user_by_email("ada@example.com"); });
  ASSERT_OK(r);
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(find_user(u.id)->email, "");
  // The address is free again.
  insert(make_user(2, "ada@example.com"));
}

TEST_P(UserStore, UpdateToAnEmailTakenByAnotherAccountIsRefusedAsAccountExists) {
  insert(make_user(1, "ada@example.com"));
  User bob = make_user(2, "bob@example.com");
  insert(bob);
  bob.email = "ada@example.com";
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_user(bob); });
  EXPECT_EQ(code_of(r), errc::account_exists);
  EXPECT_EQ(find_user(bob.id)->email, "bob@example.com");
}

TEST_P(UserStore, UpdateToAUsernameTakenByAnotherAccountIsRefusedAsAccountExists) {
  insert(make_user(1, "ada@example.com", "ada"));
  User bob = make_user(2, "bob@example.com", "bob");
  insert(bob);
  bob.username = "ada";
  auto r = store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_user(bob); });
  EXPECT_EQ(code_of(r), errc::account_exists);
}

TEST_P(UserStore, UpdateOfAMissingUserIsNotFound) {
  auto r =
      store().transact(TxKind::write, [&](StoreTx& tx) { return tx.update_user(make_user(1, "ada@example.com")); });
  EXPECT_EQ(code_of(r), errc::not_found);
  EXPECT_FALSE(find_user(UserId(uuid(1))).has_value());
}

TEST_P(UserStore, DeleteRemovesTheUserAndItsSessionsAndRetiredTokens) {
  const User ada = make_user(1, "ada@example.com");
  const User bob = make_user(2, "bob@example.com");
  insert(ada);
  insert(bob);
  const auto ada_session = make_session(ada, 1);
  const auto bob_session = make_session(bob, 2);
  insert(ada_session);
  insert(bob_session);
  ASSERT_OK(store().transact(TxKind::write,
                             [&](StoreTx& tx) { return tx.retire_token(token_hash(50), ada_session.id, 0, at_s(1)); }));

  ASSERT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.delete_user(ada.id); }));

  EXPECT_FALSE(find_user(ada.id).has_value());
  EXPECT_FALSE(find_session(ada_session.id).has_value());
  auto retired = store().read([&](StoreTx& tx) { return tx.session_by_retired_token(token_hash(50)); });
  ASSERT_OK(retired);
  EXPECT_FALSE(retired->has_value());
  EXPECT_TRUE(find_user(bob.id).has_value());
  EXPECT_TRUE(find_session(bob_session.id).has_value());
}

TEST_P(UserStore, DeletingAMissingUserChangesNothing) {
  insert(make_user(1, "ada@example.com"));
  EXPECT_OK(store().transact(TxKind::write, [&](StoreTx& tx) { return tx.delete_user(UserId(uuid(2))); }));
  EXPECT_TRUE(find_user(UserId(uuid(1))).has_value());
}

TEST_P(UserStore, ListReturnsEveryUserInCreationOrderWithTheTotal) {
  // Inserted out of order: the list follows created_at, not insertion.
  for (int n : {3, 1, 4, 2}) insert(make_user(n, "u" + std::to_string(n) + "@example.com"));
  auto page = list(store(), "");
  ASSERT_OK(page);
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(emails_of(*page),
            (std::vector<std::string>{"u1@example.com", "u2@example.com", "u3@example.com", "u4@example.com"}));
}

TEST_P(UserStore, ListBreaksCreationTimeTiesById) {
  User b = make_user(2, "b@example.com");
  User a = make_user(1, "a@example.com");
  b.created_at = a.created_at;
  insert(b);
  insert(a);
  auto page = list(store(), "");
  ASSERT_OK(page);
  ASSERT_EQ(page->users.size(), 2u);
  EXPECT_EQ(page->users[0].id.str(), uuid(1));
  EXPECT_EQ(page->users[1].id.str(), uuid(2));
}

TEST_P(UserStore, ListPagesWithLimitAndOffsetAndCountsEveryMatch) {
  for (int n = 1; n <= 5; ++n) insert(make_user(n, "u" + std::to_string(n) + "@example.com"));
  auto middle = list(store(), "", 2, 2);
  ASSERT_OK(middle);
  EXPECT_EQ(middle->total, 5u);
  EXPECT_EQ(emails_of(*middle), (std::vector<std::string>{"u3@example.com", "u4@example.com"}));
  auto past_end = list(store(), "", 2, 10);
  ASSERT_OK(past_end);
  EXPECT_TRUE(past_end->users.empty());
  EXPECT_EQ(past_end->total, 5u);
}

TEST_P(UserStore, SearchMatchesASubstringOfEmailOrUsername) {
  insert(make_user(1, "ada@example.com", "countess"));
  insert(make_user(2, "bob@example.org", "builder"));
  insert(make_user(3, "", "adamant"));
  auto by_email = list(store(), "example.org");
  ASSERT_OK(by_email);
  ASSERT_EQ(by_email->users.size(), 1u);
  EXPECT_EQ(by_email->users[0].id.str(), uuid(2));
  auto both = list(store(), "ada");
  ASSERT_OK(both);
  EXPECT_EQ(both->total, 2u);
  auto by_username = list(store(), "untes");
  ASSERT_OK(by_username);
  ASSERT_EQ(by_username->users.size(), 1u);
  EXPECT_EQ(by_username->users[0].id.str(), uuid(1));
}

TEST_P(UserStore, SearchIgnoresAsciiCase) {
  insert(make_user(1, "ada@example.com", "countess"));
  auto page = list(store(), "ADA@Example");
  ASSERT_OK(page);
  EXPECT_EQ(page->total, 1u);
}

TEST_P(UserStore, SearchCountsEveryMatchBeyondThePage) {
  for (int n = 1; n <= 4; ++n) insert(make_user(n, "match" + std::to_string(n) + "@example.com"));
  insert(make_user(5, "other@example.com"));
  auto page = list(store(), "match", 1, 1);
  ASSERT_OK(page);
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(emails_of(*page), (std::vector<std::string>{"match2@example.com"}));
}

TEST_P(UserStore, SearchTreatsPercentAndUnderscoreLiterally) {
  insert(make_user(1, "a_b@example.com"));
  insert(make_user(2, "axb@example.com"));
  insert(make_user(3, "100%@example.com"));
  insert(make_user(4, "plain@example.com"));
  auto underscore = list(store(), "_");
  ASSERT_OK(underscore);
  EXPECT_EQ(emails_of(*underscore), (std::vector<std::string>{"a_b@example.com"}));
  auto percent = list(store(), "%");
  ASSERT_OK(percent);
  EXPECT_EQ(emails_of(*percent), (std::vector<std::string>{"100%@example.com"}));
  auto both = list(store(), "0%@");
  ASSERT_OK(both);
  EXPECT_EQ(both->total, 1u);
}

TEST_P(UserStore, SearchTreatsABackslashLiterally) {
  insert(make_user(1, "", "back\\slash"));
  insert(make_user(2, "", "backslash"));
  insert(make_user(3, "", "back_slash"));
  auto page = list(store(), "k\\s");
  ASSERT_OK(page);
  ASSERT_EQ(page->users.size(), 1u);
  EXPECT_EQ(page->users[0].username, "back\\slash");
  auto escaped_underscore = list(store(), "\\_");
  ASSERT_OK(escaped_underscore);
  EXPECT_EQ(escaped_underscore->total, 0u);
}

TEST_P(UserStore, SearchForTextNobodyHasFindsNothing) {
  insert(make_user(1, "ada@example.com"));
  auto page = list(store(), "zzz");
  ASSERT_OK(page);
  EXPECT_EQ(page->total, 0u);
  EXPECT_TRUE(page->users.empty());
}

}  // namespace
}  // namespace tessera::store_contract
