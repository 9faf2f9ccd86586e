// Plain corpus replay for a fuzz harness, for builds without libFuzzer (g++, the sanitizer presets):
// feeds every regular file of every folder (and every file) named on the command line to
// LLVMFuzzerTestOneInput, so each corpus and each crash ever found stays a regression test.
// Hidden files (".gitkeep") are skipped. A missing path is an error: a typo must not pass silently.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

/// The files named by `path`: itself, or the visible regular files directly inside it, sorted.
std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& path) {
  if (!std::filesystem::is_directory(path)) return {path};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR_OR_FILE...\n";
    return 2;
  }
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path{argv[i]};
    if (!std::filesystem::exists(path)) {
      std::cerr << "no such corpus: " << path << "\n";
      return 2;
    }
    for (const auto& file : inputs_of(path)) {
      std::ifstream stream(file, std::ios::binary);
      if (!stream) {
        std::cerr << "cannot read " << file << "\n";
        return 2;
      }
      const std::vector<char> bytes{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
      // A harness aborts on a broken invariant; the file being fed is the last line printed.
      std::cout << "replay " << file.string() << "\n" << std::flush;
      // Like libFuzzer, never a null pointer, even for an empty file.
      static const char empty = 0;
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.empty() ? &empty : bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::cout << "replayed " << replayed << " inputs\n";
  return 0;
}
