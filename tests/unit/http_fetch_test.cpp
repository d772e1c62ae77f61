#include "sync/http_fetch.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/asio/ip/tcp.hpp>

namespace loaxa::sync {
namespace {

TEST(HttpUrl, SplitsHostPortAndTarget) {
  auto u = parse_http_url("http://so-tt.binhphuoc.gov.vn/loaxa/nhat-ky?box=tan-phu");
  EXPECT_EQ(u.host, "so-tt.binhphuoc.gov.vn");
  EXPECT_EQ(u.port, "80");
  EXPECT_EQ(u.target, "/loaxa/nhat-ky?box=tan-phu");
  u = parse_http_url("http://127.0.0.1:8088");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "8088");
  EXPECT_EQ(u.target, "/");
  u = parse_http_url("http://[::1]:9000/x");
  EXPECT_EQ(u.host, "::1");
}

TEST(HttpUrl, RefusalsSayWhy) {
  auto error_of = [](const std::string& url) {
    try {
      parse_http_url(url);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error_of("https://a/"), "accepted");
  EXPECT_EQ(parse_http_url("https://a/").port, "443");
  EXPECT_NE(error_of("ftp://a/").find("must start with http:// or https://"), std::string::npos);
  EXPECT_NE(error_of("http://user:pw@a/").find("password"), std::string::npos);
  EXPECT_NE(error_of("nhat-ky").find("not an absolute URL"), std::string::npos);
  EXPECT_NE(error_of("http:///x").find("no host"), std::string::npos);
}

TEST(Gunzip, InflatesAndRefusesCorruptOrTooLargeData) {
  const std::string text = std::string(100000, 'a') + "Bản tin cải cách hành chính";
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string gz(compressBound(text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz.resize(z.total_out);
  deflateEnd(&z);
  EXPECT_EQ(gunzip(gz, 1 << 20), text);
  EXPECT_THROW(gunzip(gz, 1000), std::runtime_error);  // a zip bomb stops early
  EXPECT_THROW(gunzip(gz.substr(0, gz.size() / 2), 1 << 20), std::runtime_error);  // cut
  std::string bad = gz;
  bad[20] = static_cast<char>(bad[20] ^ 0x5a);
  EXPECT_THROW(gunzip(bad, 1 << 20), std::runtime_error);
}

// A server that accepts and never answers: the call ends with the deadline, in words.
TEST(HttpFetch, SilentServerTimesOut) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  boost::asio::ip::tcp::socket peer(io);
  acceptor.async_accept(peer, [](const boost::system::error_code&) {});
  HttpRequest req;
  req.method = boost::beast::http::verb::post;
  req.url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/";
  req.body = "{}\n";
  req.timeout = std::chrono::milliseconds(300);
  std::optional<HttpResponse> got;
  auto call = async_http(io, req, [&](HttpResponse r) { got = std::move(r); });
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->ok());
  EXPECT_NE(got->error.find("no answer within 300 ms"), std::string::npos) << got->error;
}

// Nobody listening: refused at once, and the message names the address.
TEST(HttpFetch, RefusedConnectionNamesTheAddress) {
  boost::asio::io_context io;
  std::uint16_t port = 0;
  {
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  std::optional<HttpResponse> got;
  auto call = async_http(io, req, [&](HttpResponse r) { got = std::move(r); });
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(got);
  EXPECT_NE(got->error.find("cannot connect to 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << got->error;
}

}  // namespace
}  // namespace loaxa::sync
