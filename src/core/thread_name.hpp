#pragma once
// Names the calling thread, so `top -H`, `ps -L`, perf and /proc/PID/task/*/comm tell the
// network threads, hash workers, database workers and background loops apart (operators and
// bench/threads.sh read them). Linux keeps at most 15 bytes; longer names are cut.
#include <string>

namespace tessera {

void name_this_thread(std::string name);

}  // namespace tessera
