#pragma once
// nginx from Debian on a loopback port, as the province's server or a radio station.

#include <signal.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "process.hpp"

namespace loaxa::test {

using namespace std::chrono_literals;

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// nginx with its own config, pid and logs; `root` served at /.
class Nginx {
 public:
  // With cert and key (PEM files), the same site is also served over HTTPS on tls_port().
  Nginx(const std::filesystem::path& dir, const std::filesystem::path& root,
        const std::filesystem::path& cert = {}, const std::filesystem::path& key = {})
      : dir_(dir), port_(free_port()), tls_port_(free_port()) {
    std::filesystem::create_directories(dir / "nginx-tmp");
    std::ofstream(dir / "nginx.conf")
        // Workers read the test's private temporary folder as its owner.
        << (::geteuid() == 0 ? "user root;\n" : "") << "daemon off;\nmaster_process off;\npid "
        << (dir / "nginx.pid").string() << ";\n"
        << "error_log " << (dir / "nginx-error.log").string() << ";\n"
        << "events { worker_connections 64; }\nhttp {\n"
        // The fleet view: who polls, with which sequence, clock and last error.
        << "  log_format loaxa '$remote_addr [$time_iso8601] \"$request\" $status "
           "$body_bytes_sent range=\"$http_range\" box=$http_x_loaxa_box "
           "seq=$http_x_loaxa_sequence clock=$http_x_loaxa_clock "
           "version=$http_x_loaxa_version error=\"$http_x_loaxa_error\" "
           "t=$request_time end=$msec';\n"
        << "  access_log " << (dir / "access.log").string() << " loaxa;\n"
        << "  client_body_temp_path " << (dir / "nginx-tmp").string() << ";\n"
        << "  proxy_temp_path " << (dir / "nginx-tmp").string() << ";\n"
        << "  fastcgi_temp_path " << (dir / "nginx-tmp").string() << ";\n"
        << "  uwsgi_temp_path " << (dir / "nginx-tmp").string() << ";\n"
        << "  scgi_temp_path " << (dir / "nginx-tmp").string() << ";\n"
        << "  types { application/json json; }\n  default_type application/octet-stream;\n"
        << "  gzip on;\n  gzip_types application/json;\n  gzip_min_length 0;\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
        << (cert.empty() ? std::string()
                         : "    listen 127.0.0.1:" + std::to_string(tls_port_) +
                               " ssl;\n    ssl_certificate " + cert.string() +
                               ";\n    ssl_certificate_key " + key.string() + ";\n")
        << "    root " << root.string() << ";\n    location /slow/ { limit_rate 400k; alias "
        << root.string() << "/; }\n"
        << "    location /broken/ { return 500; }\n"
        // A radio station: sent no faster than a little over real time.
        << "    location /radio/ { limit_rate 12k; limit_rate_after 16k; alias " << root.string()
        << "/; }\n"
        << "    location = /old/manifest.json { return 301 /manifest.json; }\n"
        << "    location = /old/manifest.json.sig { return 302 /manifest.json.sig; }\n"
        << "    location /loop/ { return 302 /loop/again; }\n  }\n}\n";
    start();
  }
  ~Nginx() { stop(); }
  void start() {
    proc_ = std::make_unique<Process>(std::vector<std::string>{
        "/usr/sbin/nginx", "-c", (dir_ / "nginx.conf").string(), "-p", dir_.string()});
    // Ready when it accepts connections.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket s(io);
      boost::system::error_code ec;
      s.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)},
                ec);
      if (!ec) return;
      std::this_thread::sleep_for(20ms);  // polling interval
    }
    ADD_FAILURE() << "nginx did not start: " << slurp(dir_ / "nginx-error.log");
  }
  void kill() {
    if (!proc_) return;
    proc_->signal(SIGKILL);
    proc_->wait_exit(5s);
    proc_.reset();
  }
  void stop() {
    if (!proc_) return;
    proc_->signal(SIGTERM);
    proc_->wait_exit(5s);
    proc_.reset();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string tls_url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(tls_port_) + path;
  }
  std::string access_log() const { return slurp(dir_ / "access.log"); }

 private:
  std::filesystem::path dir_;
  int port_, tls_port_;
  std::unique_ptr<Process> proc_;
};

}  // namespace loaxa::test
