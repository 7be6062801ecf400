// The signing algorithm a key ring signs with (issue 19): ES256 for a new installation, and an
// installation that already signs keeps its algorithm unless TESSERA_JWT_ALG is set.
#include <gtest/gtest.h>

#include <algorithm>
#include <span>

#include "fixture.hpp"

namespace tessera::test {
namespace {

domain::KeyRingOptions options(std::string alg, bool explicit_alg) {
  domain::KeyRingOptions o;
  o.alg = std::move(alg);
  o.alg_explicit = explicit_alg;
  return o;
}

std::size_t stored_keys(Services& s) {
  auto keys = s.db.store->read([](domain::StoreTx& tx) { return tx.signing_keys(); });
  return keys ? keys->size() : 0;
}

// Services' own key ring has made an ES256 key (the explicit default of KeyRingOptions); these
// tests start from a database whose only key is of `alg`, made by a ring configured with it.
struct OneKeyOf {
  explicit OneKeyOf(const std::string& alg) {
    domain::KeyRing first(options(alg, true), s.clock, s.random);
    if (!first.load_or_create(*s.db.store)) throw std::runtime_error("first key");
    // Retire every other key, so `alg` is the only signer.
    auto keys = s.db.store->read([](domain::StoreTx& tx) { return tx.signing_keys(); });
    for (const auto& k : *keys) {
      if (k.alg != alg) {
        if (!first.retire(*s.db.store, k.kid, true)) throw std::runtime_error("retire");
      }
    }
  }
  Services s;
};

TEST(KeyRing, ANewInstallationSignsWithES256ByDefault) {
  Services s;  // for its clock, randomness and directory; the database here is a new one
  auto opened = store::open_store("sqlite://" + (s.dir / "new.db").string(), {});
  ASSERT_TRUE(opened);
  ASSERT_TRUE(opened->migrator->migrate());
  domain::KeyRing ring(options("ES256", false), s.clock, s.random);
  ASSERT_TRUE(ring.load_or_create(*opened->store));
  EXPECT_EQ(ring.alg(), "ES256");
  EXPECT_EQ(ring.alg_source(), domain::KeyRing::AlgSource::default_alg);
  auto keys = opened->store->read([](domain::StoreTx& tx) { return tx.signing_keys(); });
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().alg, "ES256");
}

TEST(KeyRing, AnInstallationThatSignsWithEdDSAKeepsItWhenTheAlgorithmIsNotSet) {
  OneKeyOf db("EdDSA");
  const std::size_t before = stored_keys(db.s);
  domain::KeyRing ring(options("ES256", false), db.s.clock, db.s.random);
  ASSERT_TRUE(ring.load_or_create(*db.s.db.store));
  EXPECT_EQ(ring.alg(), "EdDSA");
  EXPECT_EQ(ring.alg_source(), domain::KeyRing::AlgSource::stored_keys);
  EXPECT_EQ(stored_keys(db.s), before) << "no key was made";
  // The CLI's read-only load agrees, so `keys rotate` without --alg makes another EdDSA key.
  domain::KeyRing cli(options("ES256", false), db.s.clock, db.s.random);
  ASSERT_TRUE(cli.load(*db.s.db.store));
  EXPECT_EQ(cli.alg(), "EdDSA");
}

TEST(KeyRing, AnExplicitAlgorithmMakesAKeyOfItAndTheOldOneOnlyVerifies) {
  OneKeyOf db("EdDSA");
  const std::size_t before = stored_keys(db.s);
  domain::KeyRing ring(options("ES256", true), db.s.clock, db.s.random);
  ASSERT_TRUE(ring.load_or_create(*db.s.db.store));
  EXPECT_EQ(ring.alg(), "ES256");
  EXPECT_EQ(ring.alg_source(), domain::KeyRing::AlgSource::setting);
  EXPECT_EQ(stored_keys(db.s), before + 1);
}

// The CI once failed on `tessera keys retire -3x...`: a kid drawn with a leading '-' reads as an
// option. The first draw below starts with '-' (0xF8 is 111110.. = index 62); it is drawn again.
TEST(KeyRing, AKidNeverStartsWithADashSoItCanBeTypedAsAnArgument) {
  struct DashFirst final : Random {
    SeededRandom rest;
    int draws = 0;
    void fill(std::span<std::uint8_t> out) override {
      if (draws++ == 0) {
        std::fill(out.begin(), out.end(), std::uint8_t{0xF8});
      } else {
        rest.fill(out);
      }
    }
  };
  Services s;
  DashFirst random;
  domain::KeyRing ring(options("ES256", true), s.clock, random);
  ASSERT_TRUE(ring.load(*s.db.store));
  auto kid = ring.rotate(*s.db.store, "ES256");
  ASSERT_TRUE(kid);
  EXPECT_GE(random.draws, 2) << "the dashed draw was not taken";
  ASSERT_FALSE(kid->empty());
  EXPECT_NE(kid->front(), '-') << *kid;
}

}  // namespace
}  // namespace tessera::test
