#include "hookline/threads.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace hookline {

void name_this_thread(const char* name) noexcept { pthread_setname_np(pthread_self(), name); }

void lower_this_thread_priority(int steps) noexcept {
  if (steps <= 0) {
    return;
  }
  // On Linux the nice value belongs to each thread, addressed by its thread id.
  const auto thread = static_cast<id_t>(::gettid());
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, thread);
  if (current == -1 && errno != 0) {
    return;
  }
  constexpr int lowest = 19;
  constexpr int widest = 39;  // from the highest priority (-20) to the lowest: more steps change nothing
  ::setpriority(PRIO_PROCESS, thread, std::min(lowest, current + std::min(steps, widest)));
}

}  // namespace hookline
