// Cancelling a download is a guarantee: after HttpCall::cancel() nothing of the request
// is called again, not even for a read that had already completed. Hundreds of
// downloads from nginx on loopback are cancelled mid-transfer, from inside the sink, from
// a handler posted just behind a read, and from a timer; none delivers a byte or an
// answer afterwards (and under ASan, none touches freed memory).

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fstream>
#include <random>

#include "nginx.hpp"
#include "process.hpp"
#include "sync/http_fetch.hpp"

namespace loaxa::test {
namespace {

TEST(HttpCancel, ACancelledDownloadDeliversNothingMore) {
  TempDir dir("cancel");
  std::filesystem::create_directories(dir.path() / "www");
  {
    std::ofstream big(dir.path() / "www" / "ban-tin.bin", std::ios::binary);
    const std::string block(1 << 20, 'x');
    for (int i = 0; i < 8; ++i) big << block;  // 8 MiB: many reads of 64 KiB
  }
  Nginx nginx(dir.path(), dir.path() / "www");
  nginx.start();

  boost::asio::io_context io;
  std::mt19937 random(3);
  constexpr int kCalls = 300;
  int after_cancel = 0, answered_after_cancel = 0, cancelled = 0, finished = 0;
  struct State {
    std::shared_ptr<sync::HttpCall> call;
    bool cancelled = false;
    std::size_t pieces = 0;
  };
  std::vector<std::shared_ptr<State>> states;  // the sink holds its state: let go at the end
  for (int i = 0; i < kCalls; ++i) {
    auto st = std::make_shared<State>();
    states.push_back(st);
    const int how = i % 3;  // 0: inside the sink, 1: posted behind a read, 2: a timer
    const std::size_t at_piece = 1 + random() % 40;
    auto timer = std::make_shared<boost::asio::steady_timer>(io);
    sync::HttpRequest req;
    req.url = nginx.url("/ban-tin.bin");
    req.timeout = std::chrono::seconds(10);
    req.sink = [&, st, how, at_piece](std::string_view) {
      if (st->cancelled) {
        ++after_cancel;
        return true;
      }
      if (++st->pieces == at_piece) {
        if (how == 0) {
          st->cancelled = true;
          st->call->cancel();
          ++cancelled;
        } else if (how == 1) {
          boost::asio::post(io, [&, st] {
            st->cancelled = true;
            st->call->cancel();
            ++cancelled;
          });
        }
      }
      return true;
    };
    st->call = sync::async_http(io, std::move(req), [&, st](const sync::HttpResponse&) {
      if (st->cancelled) ++answered_after_cancel;
      ++finished;
    });
    if (how == 2) {
      timer->expires_after(std::chrono::microseconds(random() % 3000));
      timer->async_wait([&, st, timer](const boost::system::error_code& ec) {
        if (ec || !st->call) return;
        st->cancelled = true;
        st->call->cancel();
        ++cancelled;
      });
    }
    // A few in flight at once, as province sync runs them.
    if (i % 4 == 3) io.run();
    if (io.stopped()) io.restart();
  }
  io.run();
  for (auto& st : states) st->call.reset();
  EXPECT_EQ(after_cancel, 0) << "pieces delivered after cancel()";
  EXPECT_EQ(answered_after_cancel, 0) << "answers delivered after cancel()";
  EXPECT_GT(cancelled, kCalls / 2) << "too few calls were caught mid-transfer";
  std::cout << cancelled << " of " << kCalls << " downloads cancelled mid-transfer, " << finished
            << " finished first\n";
}

}  // namespace
}  // namespace loaxa::test
