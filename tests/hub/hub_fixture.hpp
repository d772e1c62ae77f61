#pragma once
// The real loaxa-hub for integration tests: a throw-away PostgreSQL 15 cluster made by
// scripts/pg_cluster.sh (initdb as the unprivileged `postgres` user, a Unix socket in
// the test's folder, no TCP), the hub on a loopback port, and real boxes (loaxad with
// its own key and database) enrolled through the hub's CLI.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <thread>

#include "cli/http_client.hpp"
#include "common/sha256.hpp"
#include "process.hpp"
#include "sync/http_fetch.hpp"
#include "sync/keys.hpp"

namespace loaxa::test {

using namespace std::chrono_literals;

inline constexpr const char* kAdminToken = "so-noi-vu-token-thu-nghiem-0001";
inline constexpr const char* kViewerToken = "xem-token-thu-nghiem-0002";
inline constexpr const char* kDongXoaiToken = "dong-xoai-token-thu-nghiem-0003";
inline constexpr const char* kBuDangToken = "bu-dang-token-thu-nghiem-0004";

struct TestBox {
  std::string id, district, commune, name;
  std::filesystem::path dir;
  std::filesystem::path db() const { return dir / "state" / "loaxa.db"; }
  std::filesystem::path config() const { return dir / "loaxa.toml"; }
  std::filesystem::path key() const { return dir / "box.key"; }
};

class HubTest : public ::testing::Test {
 protected:
  TempDir dir{"hub"};
  int pg_port = free_port();
  int port = free_port();
  std::string database;
  std::string alerts_extra;  // more keys of [alerts]
  std::unique_ptr<Process> hub;

  void SetUp() override {
    const auto r = run({"/bin/bash", std::string(LOAXA_SOURCE_DIR) + "/scripts/pg_cluster.sh",
                        "start", (dir.path() / "pg").string(), std::to_string(pg_port)});
    ASSERT_EQ(r.code, 0) << r.err;
    database = r.out.substr(0, r.out.find('\n'));
  }
  void TearDown() override {
    if (hub) {
      hub->signal(SIGTERM);
      hub->wait_exit(5s);
    }
    run({"/bin/bash", std::string(LOAXA_SOURCE_DIR) + "/scripts/pg_cluster.sh", "stop",
         (dir.path() / "pg").string()});
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::filesystem::path hub_config() const { return dir.path() / "hub.toml"; }

  void write_hub_config() {
    auto token = [](const char* name, const char* role, const char* token,
                    const std::string& district = "") {
      return std::string("  { name = \"") + name + "\", role = \"" + role + "\", sha256 = \"" +
             sha256_hex(token) + "\"" +
             (district.empty() ? "" : ", district = \"" + district + "\"") + " },\n";
    };
    std::ofstream(hub_config())
        << "[hub]\nid = \"so-noi-vu-binh-phuoc\"\nname = \"Sở Nội vụ tỉnh Bình Phước\"\n"
        << "timezone = \"Asia/Ho_Chi_Minh\"\n\n[database]\nurl = \"" << database << "\"\n\n"
        << "[api]\nlisten = [\"127.0.0.1:" << port << "\"]\ntokens = [\n"
        << token("so", "admin", kAdminToken) << token("xem", "viewer", kViewerToken)
        << token("dong-xoai", "district", kDongXoaiToken, "dong-xoai")
        << token("bu-dang", "district", kBuDangToken, "bu-dang") << "]\n\n"
        << "[alerts]\nstatus_interval = \"1s\"\n"
        << alerts_extra;
  }

  RunResult hub_cli(std::vector<std::string> args) {
    args.insert(args.begin(), {HUB_BIN, "--config", hub_config().string()});
    return run(args);
  }

  void start_hub() {
    if (!std::filesystem::exists(hub_config())) write_hub_config();
    hub = std::make_unique<Process>(
        std::vector<std::string>{HUB_BIN, "--config", hub_config().string()});
    // The line after listen(): "database ready (schema …)" comes before it, and a
    // request sent then was refused (the "first POST fails" of earlier runs).
    ASSERT_TRUE(hub->wait_for_line("hub so-noi-vu-binh-phuoc ready (", 30s)) << hub->output();
  }

  // A box with `rows` plays of 2022 in its database (the real hash chain), its key, and
  // a config that pushes to the hub; enrolled with the hub's CLI.
  TestBox make_box(const std::string& id, const std::string& district, const std::string& commune,
                   int rows, unsigned seed, const std::string& push_extra = "") {
    TestBox b{id, district, commune, "Đài truyền thanh xã " + commune, dir.path() / id};
    std::filesystem::create_directories(b.dir / "state");
    if (rows > 0) {
      auto f = run({FILL_BIN, b.db().string(), std::to_string(rows), "--from", "2022-01-01",
                    "--years", "1", "--seed", std::to_string(seed), "--box", id});
      EXPECT_EQ(f.code, 0) << f.err;
    }
    auto k = run({LOAXA_BIN, "keygen", "--out", (b.dir / "box").string()});
    EXPECT_EQ(k.code, 0) << k.err;
    const int box_port = free_port();
    std::ofstream(b.config())
        << "[box]\nid = \"" << id << "\"\nname = \"" << b.name
        << "\"\ntimezone = \"Asia/Ho_Chi_Minh\"\nstate_dir = \"state\"\nkey = \"box.key\"\n\n"
        << "[channels.loudspeaker]\nsink = \"audioconvert ! audio/x-raw,format=S16LE ! "
        << "filesink location=" << (b.dir / "out.raw").string() << "\"\n\n"
        << "[airtime.push]\nurl = \"" << url() << "/api/v1/ingest/airtime\"\n"
        << "interval = \"1s\"\nbatch = 500\nstatus_interval = \"1s\"\n"
        << push_extra << "\n"
        << "[api]\nlisten = [\"127.0.0.1:" << box_port << "\"]\n";
    const auto pub = run({LOAXA_BIN, "keygen", "--show-public", b.key().string()});
    EXPECT_EQ(pub.code, 0) << pub.err;
    const auto add = hub_cli({"box", "add", id, "--district", district, "--commune", commune,
                              "--name", b.name, "--key", pub.out.substr(0, pub.out.find('\n'))});
    EXPECT_EQ(add.code, 0) << add.err;
    return b;
  }

  std::unique_ptr<Process> start_box(const TestBox& b) {
    auto p = std::make_unique<Process>(
        std::vector<std::string>{LOAXAD_BIN, "--config", b.config().string()});
    EXPECT_TRUE(p->wait_for_line("loaxad: box ", 15s)) << p->output();
    return p;
  }

  boost::json::value get(const std::string& target, const char* token = kAdminToken,
                         int expect = 200) {
    const auto r = cli::http_get(url(), target, token);
    EXPECT_EQ(r.status, expect) << target << ": " << r.body;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    return ec ? boost::json::value(r.body) : v;
  }

  // Waits until the hub holds `rows` rows of the box's chain.
  bool wait_for_rows(const std::string& box, std::int64_t rows, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto r = cli::http_get(url(), "/api/v1/boxes/" + box, kAdminToken);
      if (r.status == 200 && boost::json::parse(r.body).at("chain_rows").as_int64() >= rows) {
        return true;
      }
      std::this_thread::sleep_for(200ms);  // polling interval, not a wait for an outcome
    }
    return false;
  }

  // Waits until an open alert of `kind` on `box` exists; returns it.
  std::optional<boost::json::object> wait_for_alert(const std::string& box, const std::string& kind,
                                                    std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto r = cli::http_get(url(), "/api/v1/alerts", kAdminToken);
      if (r.status == 200) {
        const auto all = boost::json::parse(r.body);
        for (const auto& a : all.as_array()) {
          if (a.at("box") == box.c_str() && a.at("kind") == kind.c_str()) return a.as_object();
        }
      }
      std::this_thread::sleep_for(200ms);  // polling interval, not a wait for an outcome
    }
    return std::nullopt;
  }

  // One request as a box (or anyone pretending to) makes it: headers as given.
  sync::HttpResponse send(boost::beast::http::verb method, const std::string& target,
                          std::vector<std::pair<std::string, std::string>> headers,
                          const std::string& body = "") {
    boost::asio::io_context io;
    sync::HttpRequest req;
    req.method = method;
    req.url = url() + target;
    req.body = body;
    if (method == boost::beast::http::verb::post) req.content_type = "application/x-ndjson";
    req.headers = std::move(headers);
    req.body_limit = 16u << 20;
    sync::HttpResponse out;
    auto call = sync::async_http(io, req, [&](sync::HttpResponse r) { out = std::move(r); });
    io.run();
    return out;
  }
  sync::HttpResponse post(const std::string& target, const std::string& body,
                          std::vector<std::pair<std::string, std::string>> headers) {
    return send(boost::beast::http::verb::post, target, std::move(headers), body);
  }

  std::string psql(const std::string& sql) {
    const std::string sock = (dir.path() / "pg" / "socket").string();
    auto r = run({"/usr/lib/postgresql/15/bin/psql", "-h", sock, "-p", std::to_string(pg_port),
                  "-U", "postgres", "-qAt", "-d", "loaxa_hub", "-c", sql});
    EXPECT_EQ(r.code, 0) << r.err;
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }
};

}  // namespace loaxa::test
