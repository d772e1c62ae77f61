// loaxa-hub: the province hub. Runs the service, or administers it on the server itself
// (boxes, users) straight in the database. Usage: loaxa-hub --help.

#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "common/log.hpp"
#include "common/password.hpp"
#include "hub/app.hpp"
#include "hub/csv.hpp"
#include "hub/media/examine.hpp"

namespace {

using namespace loaxa;
using namespace loaxa::hub;

constexpr const char* kUsage =
    "Usage: loaxa-hub [--config FILE] [--check]\n"
    "       loaxa-hub [--config FILE] box add ID --district D --commune C --name N --key PUB\n"
    "                                          [--lat X --lon Y]\n"
    "       loaxa-hub [--config FILE] box import FILE.csv\n"
    "       loaxa-hub [--config FILE] box list [--format table|json|csv]\n"
    "       loaxa-hub [--config FILE] box rm ID\n"
    "       loaxa-hub [--config FILE] user add NAME --role admin|district|viewer [--district D]\n"
    "\n"
    "The province hub: takes in every box's signed airtime and status, checks each box's\n"
    "hash chain, raises alerts, and serves the fleet, alerts and reports (web UI and API).\n"
    "Without a verb it runs the service; --check only reads the config and says what is\n"
    "wrong (FILE:LINE). The config is /etc/loaxa/hub.toml unless --config says otherwise.\n"
    "\n"
    "  box add      enrol a box with its public key (`loaxa keygen --show-public box.key`)\n"
    "  box import   enrol many from the province's CSV: "
    "id,district,commune,name,public_key,lat,lon\n"
    "  box list     the enrolled boxes\n"
    "  box rm       remove a box (its airtime rows stay as evidence)\n"
    "  user add     add or change a person who logs in to the web UI; the password is read\n"
    "               from standard input (twice when it is a terminal)\n"
    "  --version    print the version\n";

const std::map<std::string, std::string> kVerbHelp = {
    {"box",
     "Usage: loaxa-hub [--config FILE] box add ID --district D --commune C --name N --key PUB "
     "[--lat X --lon Y]\n"
     "       loaxa-hub [--config FILE] box import FILE.csv\n"
     "       loaxa-hub [--config FILE] box list [--format table|json|csv]\n"
     "       loaxa-hub [--config FILE] box rm ID\n"
     "\n"
     "Box ids follow the province's naming (bp-dong-xoai-tan-phu); --district and --commune\n"
     "are names in Vietnamese (\"Đồng Xoài\", \"Tân Phú\"); the district's id is made from its\n"
     "name (dong-xoai). --key is the box's public key, base64 of 32 bytes, as\n"
     "`loaxa keygen --show-public /etc/loaxa/box.key` prints it on the box.\n"
     "box import reads RFC 4180 CSV in UTF-8 with the header\n"
     "id,district,commune,name,public_key,lat,lon (lat and lon may be empty); every line\n"
     "is checked before any is enrolled.\n"},
    {"user",
     "Usage: loaxa-hub [--config FILE] user add NAME --role admin|district|viewer "
     "[--district D]\n"
     "\n"
     "admin: the province (everything); district: one district's boxes only (--district is\n"
     "its id, e.g. dong-xoai); viewer: reads everything. The password comes on standard\n"
     "input; it is stored as an Argon2id hash.\n"},
};

struct Args {
  std::string config = "/etc/loaxa/hub.toml";
  bool check = false, help = false, version = false;
  std::vector<std::string> words;
  std::map<std::string, std::string> options;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--config" && i + 1 < argc) {
      a.config = argv[++i];
    } else if (s == "--check") {
      a.check = true;
    } else if (s == "--help" || s == "-h") {
      a.help = true;
    } else if (s == "--version") {
      a.version = true;
    } else if (s.starts_with("--")) {
      if (i + 1 >= argc) throw std::invalid_argument(s + " needs a value");
      a.options[s.substr(2)] = argv[++i];
    } else {
      a.words.push_back(s);
    }
  }
  return a;
}

std::string opt(const Args& a, const std::string& key) {
  auto it = a.options.find(key);
  return it == a.options.end() ? "" : it->second;
}

std::optional<double> opt_number(const Args& a, const std::string& key) {
  const std::string v = opt(a, key);
  if (v.empty()) return std::nullopt;
  std::size_t used = 0;
  const double d = std::stod(v, &used);
  if (used != v.size()) throw std::invalid_argument("--" + key + " \"" + v + "\" is not a number");
  return d;
}

HubConfig read_config(const std::string& file) {
  auto result = load_hub_config(file);
  if (!result.config) {
    for (const auto& p : result.problems) std::cerr << p.to_string() << "\n";
    throw std::invalid_argument(file + ": " + std::to_string(result.problems.size()) +
                                " problem(s); nothing was done");
  }
  return *result.config;
}

std::string read_password() {
  const std::string first = read_secret("Mật khẩu / password: ");
  if (::isatty(0) && read_secret("Nhắc lại / again: ") != first) {
    throw std::invalid_argument("the two passwords differ");
  }
  if (first.size() < 8) throw std::invalid_argument("the password needs at least 8 characters");
  return first;
}

Box box_from_row(const std::map<std::string, std::string>& f, const std::string& where) {
  Box b;
  b.id = f.at("id");
  b.district = f.at("district");
  b.commune = f.at("commune");
  b.name = f.at("name");
  b.public_key = f.at("public_key");
  auto number = [&](const char* k) -> std::optional<double> {
    auto it = f.find(k);
    if (it == f.end() || it->second.empty()) return std::nullopt;
    try {
      std::size_t used = 0;
      const double d = std::stod(it->second, &used);
      if (used == it->second.size()) return d;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(where + ": " + k + " \"" + it->second + "\" is not a number");
  };
  b.lat = number("lat");
  b.lon = number("lon");
  return b;
}

int box_import(Store& store, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + file);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto rows = parse_csv(ss.str(), file);
  if (rows.empty()) throw std::invalid_argument(file + " is empty");
  static const std::vector<std::string> kHeader = {"id",         "district", "commune", "name",
                                                   "public_key", "lat",      "lon"};
  const auto& header = rows.front().cells;
  if (header != kHeader) {
    throw std::invalid_argument(file +
                                ":1: the header must be id,district,commune,name,"
                                "public_key,lat,lon");
  }
  std::vector<Box> boxes;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string where = file + ":" + std::to_string(rows[i].line);
    if (rows[i].cells.size() != kHeader.size()) {
      throw std::invalid_argument(where + ": " + std::to_string(rows[i].cells.size()) +
                                  " fields, the header has 7");
    }
    std::map<std::string, std::string> f;
    for (std::size_t c = 0; c < kHeader.size(); ++c) f[kHeader[c]] = rows[i].cells[c];
    boxes.push_back(box_from_row(f, where));
  }
  pg::Transaction tx(store.db());
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    try {
      store.add_box(boxes[i]);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file + ":" + std::to_string(rows[i + 1].line) + ": " + e.what() +
                                  " (nothing was enrolled)");
    }
  }
  tx.commit();
  store.audit("cli", "local", "box.import", file + ": " + std::to_string(boxes.size()));
  std::cout << "enrolled " << boxes.size() << " box(es) from " << file << "\n";
  return 0;
}

int box_list(Store& store, const std::string& format) {
  const auto boxes = store.boxes(Scope{});
  if (format == "json") {
    boost::json::array out;
    for (const auto& b : boxes) {
      out.push_back({{"id", b.id},
                     {"name", b.name},
                     {"district", b.district},
                     {"district_id", b.district_id},
                     {"commune", b.commune},
                     {"public_key", b.public_key},
                     {"last_seen", b.last_status_at},
                     {"chain_rows", b.chain_rows}});
    }
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  if (format == "csv") {
    std::cout << "id,district,commune,name,public_key,lat,lon\r\n";
    for (const auto& b : boxes) {
      std::cout << csv_cell(b.id) << ',' << csv_cell(b.district) << ',' << csv_cell(b.commune)
                << ',' << csv_cell(b.name) << ',' << b.public_key << ','
                << (b.lat ? std::to_string(*b.lat) : "") << ','
                << (b.lon ? std::to_string(*b.lon) : "") << "\r\n";
    }
    return 0;
  }
  if (!format.empty() && format != "table") {
    throw std::invalid_argument("--format must be table, json or csv");
  }
  std::cout << "ID\tHUYỆN/DISTRICT\tXÃ/COMMUNE\tTÊN/NAME\tLAST SEEN\tROWS\n";
  for (const auto& b : boxes) {
    std::cout << b.id << '\t' << b.district << '\t' << b.commune << '\t' << b.name << '\t'
              << (b.last_status_at.empty() ? "-" : b.last_status_at) << '\t' << b.chain_rows
              << "\n";
  }
  return 0;
}

int admin(const Args& a) {
  const auto config = read_config(a.config);
  pg::Connection db(config.database);
  migrate(db);
  Store store(db);
  const std::string& noun = a.words[0];
  const std::string verb = a.words.size() > 1 ? a.words[1] : "";
  if (noun == "box" && verb == "add") {
    if (a.words.size() != 3) throw std::invalid_argument("box add needs the box's ID");
    Box b;
    b.id = a.words[2];
    b.district = opt(a, "district");
    b.commune = opt(a, "commune");
    b.name = opt(a, "name");
    b.public_key = opt(a, "key");
    b.lat = opt_number(a, "lat");
    b.lon = opt_number(a, "lon");
    store.add_box(b);
    store.audit("cli", "local", "box.add", b.id);
    std::cout << "enrolled " << b.id << " (" << b.commune << ", " << b.district << ")\n";
    return 0;
  }
  if (noun == "box" && verb == "import" && a.words.size() == 3)
    return box_import(store, a.words[2]);
  if (noun == "box" && verb == "list") return box_list(store, opt(a, "format"));
  if (noun == "box" && verb == "rm" && a.words.size() == 3) {
    if (!store.remove_box(a.words[2])) throw std::invalid_argument("no box " + a.words[2]);
    store.audit("cli", "local", "box.rm", a.words[2]);
    std::cout << "removed " << a.words[2] << "\n";
    return 0;
  }
  if (noun == "user" && verb == "add" && a.words.size() == 3) {
    User u;
    u.name = a.words[2];
    u.role = parse_hub_role(opt(a, "role"));
    u.district = opt(a, "district");
    u.password_hash = hash_password(read_password());
    store.add_user(u);
    store.audit("cli", "local", "user.add", u.name + " " + to_string(u.role));
    std::cout << "user " << u.name << " (" << to_string(u.role) << ") saved\n";
    return 0;
  }
  throw std::invalid_argument("unknown command: loaxa-hub " + noun + " " + verb +
                              " (see loaxa-hub --help)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse_args(argc, argv);
    if (a.version) {
      std::cout << "loaxa-hub " << LOAXA_VERSION << "\n";
      return 0;
    }
    if (a.help) {
      auto it = a.words.empty() ? kVerbHelp.end() : kVerbHelp.find(a.words[0]);
      std::cout << (it == kVerbHelp.end() ? kUsage : it->second.c_str());
      return 0;
    }
    if (!a.words.empty()) return admin(a);
    auto result = load_hub_config(a.config);
    for (const auto& p : result.problems) std::cerr << p.to_string() << "\n";
    if (!result.config) return 2;
    if (a.check) {
      std::cout << a.config << ": OK\n";
      return 0;
    }
    HubApp app(*result.config, examine_media);
    return app.run();
  } catch (const std::invalid_argument& e) {
    std::cerr << "loaxa-hub: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "loaxa-hub: " << e.what() << "\n";
    return 1;
  }
}
