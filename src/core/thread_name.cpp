#include "core/thread_name.hpp"

#include <pthread.h>

namespace tessera {

void name_this_thread(std::string name) {
  if (name.size() > 15) name.resize(15);
  // Best effort: a name is a diagnostic aid, never a reason to fail.
  (void)pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace tessera
