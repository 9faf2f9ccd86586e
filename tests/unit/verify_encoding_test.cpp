// The private encoding helpers behind verification: base64 (RFC 4648 vectors), hex, constant-time equality.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "detail/base64.hpp"
#include "detail/constant_time.hpp"
#include "detail/hex.hpp"
#include "detail/hmac.hpp"

using hookline::detail::constant_time_equals;
using hookline::detail::decode_base64;
using hookline::detail::decode_hex;
using hookline::detail::encode_base64;
using hookline::detail::encode_hex;

namespace {
// The digest of the concatenated parts under `key`, as hex.
std::string hmac_hex(std::string_view key, std::initializer_list<std::string_view> parts) {
  const auto digest = hookline::detail::HmacKey(key).digest(parts);
  return encode_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(verify_encoding)

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors{
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    BOOST_TEST(encode_base64(bytes) == text);
    BOOST_TEST(decode_base64(text).value() == bytes);
  }
  BOOST_TEST(encode_base64(std::string("\xff\xfe\x00", 3)) == "//4A");
  BOOST_TEST(decode_base64("//4A").value() == std::string("\xff\xfe\x00", 3));
}

BOOST_AUTO_TEST_CASE(base64_round_trips_every_length_and_refuses_a_bad_character_anywhere) {
  std::string bytes;
  for (int length = 0; length <= 34; ++length) {
    const std::string text = encode_base64(bytes);
    BOOST_TEST_REQUIRE(decode_base64(text).value() == bytes, "length " << length);
    for (std::size_t at = 0; at < text.size() && text[at] != '='; ++at) {
      std::string broken = text;
      broken[at] = '*';
      BOOST_TEST_REQUIRE(!decode_base64(broken).has_value(), "length " << length << " at " << at);
    }
    bytes += static_cast<char>(length * 37 + 11);
  }
}

BOOST_AUTO_TEST_CASE(base64_padding_is_optional) {
  BOOST_TEST(decode_base64("Zg").value() == "f");
  BOOST_TEST(decode_base64("Zm8").value() == "fo");
  BOOST_TEST(decode_base64("Zm9vYg").value() == "foob");
}

BOOST_DATA_TEST_CASE(base64_refuses,
                     boost::unit_test::data::make(std::vector<std::string>{
                         "Z", "Zg=", "Zg===", "Z===", "Zm9v=", "=Zm9", "Zm=v", "Zm 9v", "Zm9v\n", "Zm-_", "Zh==",
                         "Zm9=", "Zm9vYh", "é"}),
                     text) {
  BOOST_TEST(!decode_base64(text).has_value());
}

BOOST_AUTO_TEST_CASE(hex_round_trip_and_case) {
  const std::string bytes("\x00\x01\xab\xff", 4);
  BOOST_TEST(encode_hex(bytes) == "0001abff");
  BOOST_TEST(decode_hex("0001abff").value() == bytes);
  BOOST_TEST(decode_hex("0001ABFF").value() == bytes);
  BOOST_TEST(decode_hex("").value().empty());
}

BOOST_DATA_TEST_CASE(hex_refuses, boost::unit_test::data::make(std::vector<std::string>{"0", "abc", "0g", "zz", " 00", "0x00"}),
                     text) {
  BOOST_TEST(!decode_hex(text).has_value());
}

BOOST_AUTO_TEST_CASE(constant_time_equality) {
  BOOST_TEST(constant_time_equals("", ""));
  BOOST_TEST(constant_time_equals("abc", "abc"));
  BOOST_TEST(!constant_time_equals("abc", "abd"));
  BOOST_TEST(!constant_time_equals("abc", "ab"));
  BOOST_TEST(!constant_time_equals("ab", "abc"));
  BOOST_TEST(!constant_time_equals("", "a"));
  BOOST_TEST(constant_time_equals(std::string("a\0b", 3), std::string("a\0b", 3)));
  BOOST_TEST(!constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

// RFC 4231 cases 1 and 6, and keys of exactly one block and one byte more (from `openssl dgst -hmac`).
BOOST_AUTO_TEST_CASE(hmac_sha256_vectors) {
  BOOST_TEST(hmac_hex(std::string(20, '\x0b'), {"Hi There"}) ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_TEST(hmac_hex(std::string(131, '\xaa'), {"Test Using Larger Than Block-Size Key - Hash Key First"}) ==
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  BOOST_TEST(hmac_hex(std::string(64, 'k'), {"abc"}) == "ae0c0e4a2340cf50185eb46aaa8723f4769153661612e212fb0d1fa3170c6202");
  BOOST_TEST(hmac_hex(std::string(65, 'k'), {"abc"}) == "ed378e5dfa30dc98814ba09b2e610d9b6af66054922ceef9480da094a3f11b2d");
  // Parts are hashed as their concatenation, empty parts included.
  BOOST_TEST(hmac_hex(std::string(65, 'k'), {"a", "", "bc"}) == hmac_hex(std::string(65, 'k'), {"abc"}));
  const hookline::detail::HmacKey key("reused");
  BOOST_TEST((key.digest({"one"}) == key.digest({"one"})));
  BOOST_TEST((key.digest({"one"}) != key.digest({"two"})));
}

BOOST_AUTO_TEST_SUITE_END()
