#include "crypto/hash_gate.hpp"

#include <algorithm>
#include <stdexcept>

namespace tessera::crypto {

HashGate::HashGate(int slots) {
  if (slots < 1) throw std::invalid_argument("a hash gate needs at least one slot");
  for (int i = 0; i < slots; ++i) blocks_.push_back(std::make_unique<Argon2Block>());
  held_.assign(blocks_.size(), false);
}

HashGate::Pass::Pass(HashGate& gate, std::size_t slot) : gate_(gate), slot_(slot), use_(*gate.blocks_[slot]) {}

HashGate::Pass::~Pass() { gate_.leave(slot_); }

HashGate::Pass HashGate::enter() {
  std::unique_lock lock(mutex_);
  auto free_slot = [this] { return std::find(held_.begin(), held_.end(), false); };
  freed_.wait(lock, [&] { return free_slot() != held_.end(); });
  const auto slot = static_cast<std::size_t>(free_slot() - held_.begin());
  held_[slot] = true;
  return Pass(*this, slot);
}

void HashGate::leave(std::size_t slot) {
  {
    std::lock_guard lock(mutex_);
    held_[slot] = false;
  }
  freed_.notify_one();
}

void HashGate::release_idle_memory() {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    if (!held_[i]) blocks_[i]->release();
  }
}

std::size_t HashGate::memory_kept() const {
  std::size_t bytes = 0;
  for (const auto& b : blocks_) bytes += b->size();
  return bytes;
}

int HashGate::held() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count(held_.begin(), held_.end(), true));
}

}  // namespace tessera::crypto
