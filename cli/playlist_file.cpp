#include "cli/playlist_file.hpp"

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "cli/args.hpp"

namespace loaxa::cli {
namespace {

namespace fs = std::filesystem;

// NFC of a UTF-8 name; the bytes as they are when they are not UTF-8.
std::string nfc(const std::string& s) {
  std::unique_ptr<gchar, decltype(&g_free)> n(
      g_utf8_normalize(s.data(), static_cast<gssize>(s.size()), G_NORMALIZE_NFC), &g_free);
  return n ? std::string(n.get()) : s;
}

// Case folded NFC, for names on sticks whose file system ignores case.
std::string folded(const std::string& s) {
  const std::string n = nfc(s);
  if (!g_utf8_validate(n.data(), static_cast<gssize>(n.size()), nullptr)) return n;
  std::unique_ptr<gchar, decltype(&g_free)> f(
      g_utf8_casefold(n.data(), static_cast<gssize>(n.size())), &g_free);
  return f ? nfc(f.get()) : n;
}

// The one entry of `dir` named `name`: exactly, else the one whose NFC is the same, else
// the one whose case folded NFC is (when exactly one is).
std::optional<fs::path> find_in(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  if (fs::exists(dir / name, ec)) return dir / name;
  std::vector<fs::path> same, same_folded;
  const std::string want = nfc(name), want_folded = folded(name);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string have = e.path().filename().string();
    if (nfc(have) == want) same.push_back(e.path());
    if (folded(have) == want_folded) same_folded.push_back(e.path());
  }
  if (same.size() == 1) return same[0];
  if (same.empty() && same_folded.size() == 1) return same_folded[0];
  return std::nullopt;
}

std::optional<fs::path> walk(fs::path at, const std::vector<std::string>& parts, std::size_t from) {
  for (std::size_t i = from; i < parts.size(); ++i) {
    const auto& p = parts[i];
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      at = at.parent_path();
      continue;
    }
    auto next = find_in(at, p);
    if (!next) return std::nullopt;
    at = *next;
  }
  std::error_code ec;
  if (!fs::is_regular_file(at, ec)) return std::nullopt;
  return at;
}

bool is_url(const std::string& s) {
  const auto colon = s.find("://");
  return colon != std::string::npos && colon > 1 && !s.starts_with("file://");
}

std::string trimmed(std::string line) {
  while (!line.empty() &&
         (line.back() == '\r' || line.back() == '\n' || line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  std::size_t start = 0;
  while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
  return line.substr(start);
}

// Collects the entries and what is wrong with them, then throws once naming them all.
class Reader {
 public:
  explicit Reader(std::string file)
      : file_(std::move(file)), base_(fs::path(file_).parent_path()) {}

  void add(const std::string& written, int line) {
    if (is_url(written)) {
      problems_.push_back(file_ + ":" + std::to_string(line) + ": \"" + written +
                          "\" is a URL; a playlist holds files (schedule a stream with "
                          "`loaxa schedule add --stream URL`)");
      return;
    }
    if (auto p = find_entry(base_, written)) {
      entries_.push_back({p->string(), line});
    } else {
      problems_.push_back(file_ + ":" + std::to_string(line) + ": \"" + written +
                          "\" does not exist (looked for beside " + file_ +
                          ", with '\\' or '/' between folders, in any Unicode form and "
                          "letter case)");
    }
  }
  void problem(const std::string& what) { problems_.push_back(what); }

  std::vector<PlaylistEntry> finish() {
    if (!problems_.empty()) {
      std::string all;
      for (const auto& p : problems_) all += (all.empty() ? "" : "\n") + p;
      if (problems_.size() > 1) {
        all += "\n" + std::to_string(problems_.size()) +
               " entries cannot be imported; nothing was uploaded";
      }
      throw BadInput(all);
    }
    if (entries_.empty()) throw BadInput(file_ + ": no entries");
    return std::move(entries_);
  }

 private:
  std::string file_;
  fs::path base_;
  std::vector<PlaylistEntry> entries_;
  std::vector<std::string> problems_;
};

std::ifstream open_text(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw BadInput(file + ": cannot be read");
  return in;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::set<std::string> kMediaExtensions = {".wav", ".mp3", ".ogg", ".oga",  ".opus", ".flac",
                                                ".m4a", ".aac", ".mp4", ".m4v",  ".webm", ".mkv",
                                                ".mov", ".png", ".jpg", ".jpeg", ".webp"};

}  // namespace

std::optional<fs::path> find_entry(const fs::path& base, const std::string& written_in) {
  std::string written = written_in;
  if (written.starts_with("file:")) {
    auto u = boost::urls::parse_uri(written);
    if (!u) return std::nullopt;
    written = u->path();  // percent-decoded
  }
  std::replace(written.begin(), written.end(), '\\', '/');
  // "/C:/Users/..." (a file URI of a Windows PC) and "C:/Users/...".
  if (written.size() > 2 && written[0] == '/' &&
      std::isalpha(static_cast<unsigned char>(written[1])) && written[2] == ':')
    written.erase(0, 1);
  const bool drive = written.size() > 1 && std::isalpha(static_cast<unsigned char>(written[0])) &&
                     written[1] == ':';
  std::vector<std::string> parts;
  for (std::size_t from = drive ? 2 : 0; from <= written.size();) {
    auto slash = written.find('/', from);
    if (slash == std::string::npos) slash = written.size();
    parts.push_back(written.substr(from, slash - from));
    from = slash + 1;
  }
  const bool absolute = drive || written.starts_with("/");
  if (!absolute) return walk(base, parts, 0);
  if (!drive) {
    if (auto p = walk("/", parts, 0)) return p;
  }
  // A path of the PC that wrote the list: its last folders and name, beside the list.
  for (std::size_t from = 1; from < parts.size(); ++from) {
    if (auto p = walk(base, parts, from)) return p;
  }
  return std::nullopt;
}

std::vector<PlaylistEntry> read_m3u(const std::string& file) {
  auto in = open_text(file);
  Reader r(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM
    line = trimmed(line);
    if (line.empty() || line[0] == '#') continue;
    r.add(line, n);
  }
  return r.finish();
}

std::vector<PlaylistEntry> read_pls(const std::string& file) {
  auto in = open_text(file);
  Reader r(file);
  std::map<long, std::pair<std::string, int>> files;  // FileN= by N
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    line = trimmed(line);
    const auto eq = line.find('=');
    if (line.empty() || line[0] == '[' || line[0] == ';' || eq == std::string::npos) continue;
    const std::string key = lower(trimmed(line.substr(0, eq)));
    if (!key.starts_with("file") || key.size() == 4) continue;
    const std::string num = key.substr(4);
    if (!std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        num.size() > 6) {
      r.problem(file + ":" + std::to_string(n) + ": \"" + line.substr(0, eq) +
                "\" is not FileN= with a number N");
      continue;
    }
    files[std::stol(num)] = {trimmed(line.substr(eq + 1)), n};
  }
  for (const auto& [k, v] : files) r.add(v.first, v.second);
  return r.finish();
}

std::vector<PlaylistEntry> read_xspf(const std::string& file) {
  // No network, no entity expansion, no DTD loading: a playlist is data. The first
  // error is the one that says where it went wrong.
  struct FirstError {
    int line = 0;
    std::string message;
  } first;
  xmlSetStructuredErrorFunc(&first, [](void* ctx, xmlErrorPtr e) {
    auto* f = static_cast<FirstError*>(ctx);
    if (f->message.empty() && e) {
      f->line = e->line;
      f->message = e->message ? trimmed(e->message) : "unreadable";
    }
  });
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadFile(file.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOWARNING), &xmlFreeDoc);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  if (!doc) {
    throw BadInput(file + ":" + std::to_string(first.line) + ": not well-formed XSPF (" +
                   (first.message.empty() ? std::string("unreadable") : first.message) + ")");
  }
  Reader r(file);
  auto named = [](const xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
  };
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !named(root, "playlist")) {
    throw BadInput(file + ": the root element is not <playlist> (XSPF, xspf.org/ns/0/)");
  }
  for (const xmlNode* list = root->children; list; list = list->next) {
    if (!named(list, "trackList")) continue;
    for (const xmlNode* track = list->children; track; track = track->next) {
      if (!named(track, "track")) continue;
      bool found = false;
      for (const xmlNode* loc = track->children; loc && !found; loc = loc->next) {
        if (!named(loc, "location")) continue;
        std::unique_ptr<xmlChar, decltype(xmlFree)> text(xmlNodeGetContent(loc), xmlFree);
        r.add(trimmed(text ? reinterpret_cast<const char*>(text.get()) : ""),
              static_cast<int>(xmlGetLineNo(loc)));
        found = true;
      }
      if (!found) {
        r.problem(file + ":" + std::to_string(xmlGetLineNo(track)) +
                  ": a <track> with no <location>");
      }
    }
  }
  return r.finish();
}

std::vector<PlaylistEntry> read_folder(const std::string& folder) {
  std::vector<std::pair<std::string, fs::path>> files;  // NFC name, path
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(".") || !e.is_regular_file(ec)) continue;
    if (!kMediaExtensions.count(lower(e.path().extension().string()))) continue;
    files.emplace_back(nfc(name), e.path());
  }
  if (ec) throw BadInput(folder + ": cannot be read (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw BadInput(folder + ": no media files (sound, video or pictures) in this folder");
  }
  std::vector<PlaylistEntry> out;
  for (const auto& [name, path] : files) out.push_back({path.string(), 0});
  return out;
}

std::vector<PlaylistEntry> read_playlist(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return read_folder(path);
  const std::string ext = lower(fs::path(path).extension().string());
  if (ext == ".pls") return read_pls(path);
  if (ext == ".xspf") return read_xspf(path);
  if (ext == ".m3u" || ext == ".m3u8") return read_m3u(path);
  throw BadInput(path + ": not a playlist loaxa reads (.m3u, .m3u8, .pls, .xspf, or a folder)");
}

}  // namespace loaxa::cli
