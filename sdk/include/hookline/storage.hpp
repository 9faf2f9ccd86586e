#pragma once
/// @file
/// What every durable store of hookline shares: its error, and listings read a page at a time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookline {

/// Why a store could not do what was asked; the HTTP layer answers 503 so that the sender retries.
struct StoreError {
  /// What failed, e.g. "commit failed: database or disk is full".
  std::string message;

  /// The message, for logs.
  [[nodiscard]] const std::string& to_string() const noexcept { return message; }
};

/// Which page of a listing to read: entries are listed oldest first by their store-assigned id.
struct PageRequest {
  /// At most this many entries (0 lists none).
  std::size_t limit = 100;
  /// Only entries after this one: a previous page's next_cursor; none starts at the oldest.
  std::optional<std::int64_t> cursor;
};

/// One page of a listing.
template <class Entry>
struct Page {
  /// The entries, oldest first.
  std::vector<Entry> entries;
  /// The cursor of the next page when more entries may follow (the last entry's id); none at the end.
  std::optional<std::int64_t> next_cursor;
};

}  // namespace hookline
