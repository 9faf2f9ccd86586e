#include "detail/base64.hpp"

#include <array>
#include <cstdint>

namespace hookline::detail {

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t not_base64 = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(not_base64);
  for (std::size_t i = 0; i < alphabet.size(); ++i) table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  return table;
}
constexpr auto decode_table = make_decode_table();

}  // namespace

std::string encode_base64(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                                (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                                std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    text += alphabet[(group >> 18) & 0x3f];
    text += alphabet[(group >> 12) & 0x3f];
    text += alphabet[(group >> 6) & 0x3f];
    text += alphabet[group & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t group = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    text += alphabet[(group >> 18) & 0x3f];
    text += alphabet[(group >> 12) & 0x3f];
    text += "==";
  } else if (rest == 2) {
    const std::uint32_t group = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                                (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8);
    text += alphabet[(group >> 18) & 0x3f];
    text += alphabet[(group >> 12) & 0x3f];
    text += alphabet[(group >> 6) & 0x3f];
    text += '=';
  }
  return text;
}

bool decode_base64_into(std::string_view unpadded, std::span<unsigned char> out) noexcept {
  if (unpadded.size() % 4 == 1 || unpadded.size() * 6 / 8 != out.size()) return false;
  // Four characters make three bytes. Each is checked once per group, not once per character: an
  // invalid character's 0xff sets bits above the six that a valid one uses.
  const auto value_at = [&unpadded](std::size_t at) -> std::uint32_t {
    return decode_table[static_cast<unsigned char>(unpadded[at])];
  };
  std::size_t read = 0;
  std::size_t written = 0;
  for (; read + 4 <= unpadded.size(); read += 4, written += 3) {
    const std::uint32_t a = value_at(read), b = value_at(read + 1), c = value_at(read + 2), d = value_at(read + 3);
    if (((a | b | c | d) & ~std::uint32_t{0x3f}) != 0) return false;
    const std::uint32_t group = (a << 18) | (b << 12) | (c << 6) | d;
    out[written] = static_cast<unsigned char>(group >> 16);
    out[written + 1] = static_cast<unsigned char>(group >> 8);
    out[written + 2] = static_cast<unsigned char>(group);
  }
  const std::size_t rest = unpadded.size() - read;  // 0, 2 or 3 characters: 0, 1 or 2 bytes
  if (rest == 0) return true;
  const std::uint32_t a = value_at(read), b = value_at(read + 1), c = rest == 3 ? value_at(read + 2) : 0;
  if (((a | b | c) & ~std::uint32_t{0x3f}) != 0) return false;
  const std::uint32_t group = (a << 18) | (b << 12) | (c << 6);
  out[written] = static_cast<unsigned char>(group >> 16);
  if (rest == 3) out[written + 1] = static_cast<unsigned char>(group >> 8);
  // The bits past the last whole byte must be zero, or two texts would decode to the same bytes.
  return (group & (rest == 3 ? 0xffu : 0xffffu)) == 0;
}

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 == 0 && !text.empty()) {
    if (text.back() == '=') text.remove_suffix(1);
    if (text.back() == '=') text.remove_suffix(1);
  }
  std::string bytes(text.size() * 6 / 8, '\0');
  if (!decode_base64_into(text, std::span(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size()))) {
    return std::nullopt;
  }
  return bytes;
}

}  // namespace hookline::detail
