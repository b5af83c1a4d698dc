#include "http/framing.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <gtest/gtest.h>

namespace sluice::http {
namespace {

namespace bhttp = boost::beast::http;

// The header Beast makes of `raw` (which must be a whole, well-formed header).
bhttp::request_header<> Parse(const std::string& raw) {
  bhttp::request_parser<bhttp::empty_body> parser;
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw), ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << raw;
  EXPECT_TRUE(parser.is_header_done()) << raw;
  return parser.release().base();
}

std::optional<std::string> Problem(const std::string& fields, const char* version = "1.1") {
  return FramingProblem(
      Parse(std::string("POST /x HTTP/") + version + "\r\nHost: h\r\n" + fields + "\r\n"));
}

TEST(FramingProblemTest, AcceptsOneUnambiguousFraming) {
  EXPECT_FALSE(Problem("Content-Length: 5\r\n"));
  EXPECT_FALSE(Problem("Transfer-Encoding: chunked\r\n"));
  EXPECT_FALSE(Problem("Transfer-Encoding: Chunked\r\n"));
  EXPECT_FALSE(Problem(""));
}

// Each of these is read one way by Beast and another way by some proxy (RFC 9112 §6.1).
// (Beast's parser itself refuses Content-Length before Transfer-Encoding, and a
// Transfer-Encoding that follows "chunked".)
TEST(FramingProblemTest, RefusesAmbiguousFramings) {
  EXPECT_EQ(Problem("Transfer-Encoding: gzip\r\nContent-Length: 5\r\n"),
            "both Transfer-Encoding and Content-Length are present");
  EXPECT_EQ(Problem("Transfer-Encoding: chunked\r\n", "1.0"),
            "Transfer-Encoding is not allowed on HTTP/1.0");
  EXPECT_EQ(Problem("Transfer-Encoding: gzip\r\n"), "unsupported Transfer-Encoding 'gzip'");
  EXPECT_EQ(Problem("Transfer-Encoding: chunked, identity\r\n"),
            "unsupported Transfer-Encoding 'chunked, identity'");
}

TEST(HeaderLengthTest, FindsTheEmptyLineThatEndsTheHeader) {
  EXPECT_FALSE(HeaderLength(""));
  EXPECT_FALSE(HeaderLength("GET / HTTP/1.1\r\nHost: h\r\n"));
  EXPECT_FALSE(HeaderLength("GET / HTTP/1.1\r\nHost: h\r\n\r"));
  const std::string header = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(HeaderLength(header), header.size());
  EXPECT_EQ(HeaderLength(header + "body\r\n\r\nmore"), header.size());
}

TEST(RawHeaderProblemTest, RefusesObsoleteLineFolding) {
  EXPECT_FALSE(RawHeaderProblem("GET / HTTP/1.1\r\nHost: h\r\nX-A: a b\r\n\r\n"));
  for (const char* folded :
       {"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nX-A: a\r\n\tb\r\n\r\n", "POST / HTTP/1.1\r\nX-A: a\n b\r\n\r\n"}) {
    auto problem = RawHeaderProblem(folded);
    ASSERT_TRUE(problem) << folded;
    EXPECT_NE(problem->find("obsolete line folding"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::http
