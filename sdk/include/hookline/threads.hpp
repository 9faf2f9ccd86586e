#pragma once
/// @file
/// Names and CPU priorities of the threads hookline starts: receiving runs first, handling behind it.

namespace hookline {

/// Names the calling thread as `top -H` and `perf` show it (Linux keeps the first 15 bytes).
void name_this_thread(const char* name) noexcept;

/// Lowers the calling thread's CPU priority by `steps` of Linux nice (at most to 19; 0 or less leaves
/// it), so that threads receiving deliveries run before it when the cores are busy. Where the system
/// refuses, the priority stays as it was: the thread only runs sooner than it would have.
void lower_this_thread_priority(int steps) noexcept;

}  // namespace hookline
