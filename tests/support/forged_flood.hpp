#pragma once
// A flood of forged VRIO deliveries against a Receiver, and the memory and disk it costs: shared by
// the refused record's flood test (bounds) and its benchmark (figures).

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "hookline/receiver.hpp"

namespace hookline::flood {

/// A field of /proc/self/status in bytes, e.g. "VmRSS" (resident now) or "VmHWM" (resident at peak).
inline std::size_t process_status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  }
  throw std::runtime_error("no " + field + " in /proc/self/status");
}

/// Starts measuring the peak resident size again from now (VmHWM back to VmRSS).
inline void reset_peak_resident() { std::ofstream("/proc/self/clear_refs") << "5"; }

/// The bytes of a database and its -wal and -shm files on disk.
inline std::uintmax_t database_bytes(const std::filesystem::path& database) {
  std::uintmax_t bytes = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code missing;
    const auto size = std::filesystem::file_size(database.string() + suffix, missing);
    if (!missing) bytes += size;
  }
  return bytes;
}

/// A POST of a VRIO-looking body of `body_bytes` with a signature made with no configured secret.
inline HttpRequest forged_request(std::size_t body_bytes, std::size_t number) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/webhooks/vrio";
  request.peer = "203.0.113.66";
  request.body = R"({"webhook_event":"shipment_scheduled","webhook_event_id":")" + std::to_string(number) + R"(","pad":")";
  if (request.body.size() + 2 < body_bytes) request.body.append(body_bytes - request.body.size() - 2, 'x');
  request.body += "\"}";
  request.headers.add("Content-Type", "application/json");
  request.headers.add("X-Webhook-Signature", std::string(64, 'f'));
  request.headers.add("Content-Length", std::to_string(request.body.size()));
  return request;
}

/// Sends `count` forged deliveries of `body_bytes` each to `receiver` from `threads` threads; throws
/// if any is answered with anything but bad_signature.
inline void send_forged(const Receiver& receiver, std::size_t count, std::size_t body_bytes, std::size_t threads,
                        std::chrono::sys_seconds now) {
  std::vector<std::thread> senders;
  std::vector<std::size_t> wrong(threads, 0);
  for (std::size_t t = 0; t < threads; ++t) {
    senders.emplace_back([&, t] {
      for (std::size_t i = t; i < count; i += threads) {
        if (receiver.handle(forged_request(body_bytes, i), now).outcome != ReceiveOutcome::bad_signature) ++wrong[t];
      }
    });
  }
  for (auto& sender : senders) sender.join();
  for (const auto errors : wrong) {
    if (errors != 0) throw std::runtime_error("a forged delivery was not refused as bad_signature");
  }
}

}  // namespace hookline::flood
