// Kiosk screens, end to end: loaxad renders a kiosk channel as raw RGB frames into a
// FIFO (sync=true, so each frame is written when it is shown), a reader stamps each
// frame's arrival, and the tests classify frames by colour probes: which picture is
// on screen when, whether a black frame slipped between two items, letterboxing, the
// emergency notice and the idle slide.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "cli/http_client.hpp"
#include "daemon_fixture.hpp"
#include "nginx.hpp"

namespace loaxa::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

constexpr int kW = 160, kH = 90, kFps = 25;
constexpr std::size_t kFrameBytes = kW * kH * 3;

struct Rgb {
  int r, g, b;
};

class FrameRecorder {
 public:
  explicit FrameRecorder(fs::path fifo) : path_(std::move(fifo)) {
    if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    thread_ = std::thread([this] { run(); });
  }
  ~FrameRecorder() {
    stop_ = true;
    const int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK);  // unblocks open()
    if (fd >= 0) ::close(fd);
    thread_.join();
  }
  struct Frame {
    Clock::time_point at;
    std::vector<std::uint8_t> rgb;
    Rgb at_px(int x, int y) const {
      const std::size_t o = (static_cast<std::size_t>(y) * kW + x) * 3;
      return {rgb[o], rgb[o + 1], rgb[o + 2]};
    }
  };
  // Waits until `pred` holds for the frames so far.
  bool wait_for(const std::function<bool(const std::vector<Frame>&)>& pred,
                std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return pred(frames_); });
  }
  std::vector<Frame> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  void run() {
    const int fd = ::open(path_.c_str(), O_RDONLY);
    if (fd < 0) return;
    std::vector<std::uint8_t> partial;
    std::vector<std::uint8_t> buf(1 << 16);
    while (!stop_) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      const auto at = Clock::now();
      partial.insert(partial.end(), buf.begin(), buf.begin() + n);
      std::lock_guard lock(mutex_);
      while (partial.size() >= kFrameBytes) {
        frames_.push_back(
            {at, std::vector<std::uint8_t>(partial.begin(), partial.begin() + kFrameBytes)});
        partial.erase(partial.begin(), partial.begin() + kFrameBytes);
      }
      cv_.notify_all();
    }
    ::close(fd);
  }

  fs::path path_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Frame> frames_;
  std::thread thread_;
};

// The colour names the tests use, by nearest colour.
std::string name_of(Rgb c) {
  static const std::pair<const char*, Rgb> palette[] = {
      {"red", {255, 0, 0}},           {"green", {0, 255, 0}},    {"blue", {0, 0, 255}},
      {"yellow", {255, 255, 0}},      {"black", {0, 0, 0}},      {"idle", {0x0d, 0x3b, 0x66}},
      {"notice", {0xb7, 0x1c, 0x1c}}, {"white", {255, 255, 255}}};
  const char* best = "";
  long best_d = -1;
  for (const auto& [name, p] : palette) {
    const long d =
        (c.r - p.r) * (c.r - p.r) + (c.g - p.g) * (c.g - p.g) + (c.b - p.b) * (c.b - p.b);
    if (best_d < 0 || d < best_d) {
      best = name;
      best_d = d;
    }
  }
  return best;
}

// A frame's class: the picture's colour at the top centre, "+bars" when the side edge is
// black while the centre is not (letterboxed).
std::string classify(const FrameRecorder::Frame& f) {
  const std::string centre = name_of(f.at_px(kW / 2, 8));  // above any words
  const std::string edge = name_of(f.at_px(4, kH / 3));
  if (edge == "black" && centre != "black") return centre + "+bars";
  return centre;
}

struct FrameRun {
  std::string what;
  std::size_t first, count;
};

std::vector<FrameRun> runs_of(const std::vector<FrameRecorder::Frame>& frames) {
  std::vector<FrameRun> runs;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const std::string c = classify(frames[i]);
    if (!runs.empty() && runs.back().what == c) {
      ++runs.back().count;
    } else {
      runs.push_back({c, i, 1});
    }
  }
  return runs;
}

std::string describe(const std::vector<FrameRun>& runs) {
  std::string out;
  for (const auto& r : runs) out += r.what + "×" + std::to_string(r.count) + " ";
  return out;
}

void make_picture(const fs::path& file, const char* colour, int w, int h, const char* encoder) {
  const auto r = run({"/usr/bin/gst-launch-1.0", "-q", "videotestsrc", "num-buffers=1",
                      "pattern=solid-color", std::string("foreground-color=") + colour, "!",
                      "video/x-raw,width=" + std::to_string(w) + ",height=" + std::to_string(h),
                      "!", encoder, "!", "filesink", "location=" + file.string()});
  ASSERT_EQ(r.code, 0) << r.err;
}

// A VP8 WebM clip of one colour, `frames` frames at 25 fps.
void make_clip(const fs::path& file, const char* colour, int frames) {
  const auto r =
      run({"/usr/bin/gst-launch-1.0", "-q", "videotestsrc", "num-buffers=" + std::to_string(frames),
           "pattern=solid-color", std::string("foreground-color=") + colour, "!",
           "video/x-raw,width=320,height=180,framerate=25/1", "!", "vp8enc", "deadline=1", "!",
           "webmmux", "!", "filesink", "location=" + file.string()});
  ASSERT_EQ(r.code, 0) << r.err;
}

class KioskTest : public DaemonTest {
 protected:
  fs::path fifo() const { return dir.path() / "kiosk.rgb"; }
  std::string kiosk_channel(const std::string& more = "") const {
    return "[channels.kiosk]\nkind = \"video\"\nsink = \"video/x-raw,format=RGB,width=" +
           std::to_string(kW) + ",height=" + std::to_string(kH) +
           " ! filesink location=" + fifo().string() +
           " buffer-mode=unbuffered\"\nwidth = " + std::to_string(kW) +
           "\nheight = " + std::to_string(kH) + "\nframerate = " + std::to_string(kFps) +
           "\nimage_duration = \"1s\"\n" + more + "\n";
  }
  static std::size_t count_of(const std::vector<FrameRun>& runs, const std::string& what) {
    std::size_t n = 0;
    for (const auto& r : runs) n += r.what == what ? r.count : 0;
    return n;
  }

  // Airs playlist `items` (a TOML array) on the kiosk once, at `start`; waits for its
  // `plays` to end and for the idle slide to be back (the `runs`-th run of frames, at
  // least `idle_frames` long); stops the daemon. The rows and the frames, in runs.
  struct Aired {
    boost::json::array rows;
    std::vector<FrameRecorder::Frame> frames;
  };
  Aired air_playlist(FrameRecorder& frames, Instant start, const std::string& items, int plays,
                     std::size_t runs, std::size_t idle_frames) {
    write_config(
        "[[playlist]]\nid = \"ban-tin\"\ntitle = \"Bản tin cải cách hành chính\"\n"
        "items = " +
            items +
            "\n\n"
            "[[schedule]]\nchannel = \"kiosk\"\nplaylist = \"ban-tin\"\nstart = \"" +
            local(start) + "\"\n",
        kiosk_channel());
    auto daemon = start_daemon();
    Aired out;
    for (int i = 0; i < plays; ++i) {
      if (!daemon->wait_for_line("ended (completed)", 15s)) {
        ADD_FAILURE() << "play " << i + 1 << " did not end\n" << daemon->output();
        return out;
      }
    }
    EXPECT_TRUE(frames.wait_for(
        [&](const auto& f) {
          const auto r = runs_of(f);
          return r.size() >= runs && r.back().what == "idle" && r.back().count >= idle_frames;
        },
        10s))
        << describe(runs_of(frames.frames()));
    out.rows = airtime();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
    out.frames = frames.frames();
    return out;
  }
};

TEST_F(KioskTest, ASlideshowAndAClipShowOnTheirFramesWithNoBlackFrameBetween) {
  make_picture(dir.path() / "red.png", "0xffff0000", 320, 180, "pngenc");
  make_picture(dir.path() / "green.jpg", "0xff00ff00", 320, 180, "jpegenc");
  make_picture(dir.path() / "blue.png", "0xff0000ff", 180, 180, "pngenc");  // square
  make_clip(dir.path() / "clip.webm", "0xffffff00", 25);
  FrameRecorder frames(fifo());
  const Instant start = start_in(4s);
  // Then the idle slide again for half a second after the last item.
  const auto aired =
      air_playlist(frames, start, R"(["red.png", "green.jpg", "blue.png", "clip.webm"])", 4, 6, 12);
  const auto& rows = aired.rows;
  const auto& all = aired.frames;
  const auto runs = runs_of(all);
  SCOPED_TRACE(describe(runs));
  // idle, then each item for exactly its second (25 frames; the last may keep its
  // final frame one frame longer), then idle: no black or foreign frame anywhere.
  ASSERT_EQ(runs.size(), 6u);
  EXPECT_EQ(runs[0].what, "idle");
  const char* expected[] = {"red", "green", "blue+bars", "yellow"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(runs[1 + i].what, expected[i]);
    EXPECT_GE(runs[1 + i].count, 25u);
    EXPECT_LE(runs[1 + i].count, i == 3 ? 26u : 25u);
  }
  EXPECT_EQ(runs[5].what, "idle");
  // The first red frame reached the sink at the planned instant, within a frame.
  const auto first = all[runs[1].first].at;
  const auto error_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(first - start).count();
  std::printf("first frame of the slideshow: %+lld ms from the planned instant\n",
              static_cast<long long>(error_ms));
  EXPECT_LT(std::abs(error_ms), 1000 / kFps + 20);

  // Evidence: four completed rows on the kiosk with the frames each gave the screen.
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    EXPECT_EQ(field(row, "channel"), "kiosk");
    EXPECT_EQ(field(row, "status"), "completed");
    ASSERT_TRUE(row.at("frames_rendered").is_int64()) << row;
    EXPECT_NEAR(row.at("frames_rendered").as_int64(), 25, 2) << row;
    ASSERT_TRUE(row.at("frames_dropped").is_int64()) << row;
  }
  EXPECT_EQ(field(rows[0], "media_id"), "red");
  EXPECT_EQ(field(rows[3], "media_id"), "clip");
  // The row's start against the screen: the first red frame as the FIFO received it
  // (the row comes from pad-offset arithmetic, the frame from the sink).
  const auto row_start = scheduler::parse_iso_instant(field(rows[0], "actual_start"), zone);
  const auto row_vs_sink_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(first - row_start).count();
  std::printf("first red frame at the sink %+lld ms from the row's actual_start\n",
              static_cast<long long>(row_vs_sink_ms));
  EXPECT_LT(std::abs(row_vs_sink_ms), 1000 / kFps + 20);
}

TEST_F(KioskTest, AnEmergencyShowsItsNoticeOnScreensWhileLoudspeakersSoundIt) {
  write_tone_wav(dir.path() / "bao.wav", 3.0, 440.0);
  FrameRecorder frames(fifo());
  write_config("[[playlist]]\nid = \"p\"\nitems = [\"bao.wav\"]\n", kiosk_channel());
  auto daemon = start_daemon();
  ASSERT_TRUE(frames.wait_for([](const auto& f) { return f.size() > 5; }, 10s));
  const auto r =
      cli::http_post(url(), "/api/v1/emergency", api_token,
                     R"({"content": "bao", "text": "Bão số 4 đổ bộ, người dân ở trong nhà"})");
  ASSERT_EQ(r.status, 201) << r.body;
  // The notice (red with white words) shows for as long as the loudspeaker sounds.
  ASSERT_TRUE(frames.wait_for(
      [](const auto& f) {
        const auto runs = runs_of(f);
        return runs.size() >= 3 && runs[runs.size() - 2].what == "notice" &&
               runs.back().what == "idle";
      },
      20s))
      << describe(runs_of(frames.frames())) << daemon->output();
  const auto all = frames.frames();
  const auto runs = runs_of(all);
  SCOPED_TRACE(describe(runs));
  const FrameRun& notice = runs[runs.size() - 2];
  EXPECT_GE(notice.count, static_cast<std::size_t>(4.5 * kFps));
  // Words drawn on it: white pixels in the middle band of a notice frame.
  const auto& f = all[notice.first + notice.count / 2];
  int white = 0;
  for (int y = kH / 4; y < kH * 3 / 4; ++y) {
    for (int x = 0; x < kW; ++x) white += name_of(f.at_px(x, y)) == "white";
  }
  EXPECT_GT(white, 100);
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 10s));
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  bool kiosk_row = false, loudspeaker_row = false;
  for (const auto& row : rows) {
    EXPECT_EQ(field(row, "source"), "emergency") << row;
    kiosk_row =
        kiosk_row || (field(row, "channel") == "kiosk" && field(row, "media_id") == "notice");
    loudspeaker_row =
        loudspeaker_row || (field(row, "channel") == "loudspeaker" &&
                            field(row, "media_id") == "bao" && field(row, "status") == "completed");
  }
  EXPECT_TRUE(kiosk_row) << boost::json::serialize(rows);
  EXPECT_TRUE(loudspeaker_row) << boost::json::serialize(rows);
}

TEST_F(KioskTest, ASlideWithItsOwnDurationShowsThatLongAndTheNextFollowsOnItsFrame) {
  // The newsletter's cover for the channel's second, its dense page for three, the
  // back page for the channel's second again.
  make_picture(dir.path() / "red.png", "0xffff0000", 320, 180, "pngenc");
  make_picture(dir.path() / "green.png", "0xff00ff00", 320, 180, "pngenc");
  make_picture(dir.path() / "yellow.png", "0xffffff00", 320, 180, "pngenc");
  FrameRecorder frames(fifo());
  const Instant start = start_in(4s);
  const auto aired = air_playlist(
      frames, start, R"(["red.png", { media = "green.png", duration = "3s" }, "yellow.png"])", 3, 5,
      5);
  const auto& rows = aired.rows;
  const auto runs = runs_of(aired.frames);
  SCOPED_TRACE(describe(runs));
  ASSERT_EQ(runs.size(), 5u);
  const char* expected[] = {"idle", "red", "green", "yellow", "idle"};
  const std::size_t frames_of[] = {0, 25, 75, 25, 0};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(runs[i].what, expected[i]);
    if (frames_of[i] == 0) continue;
    EXPECT_GE(runs[i].count, frames_of[i]);
    EXPECT_LE(runs[i].count, frames_of[i] + (i == 3 ? 1 : 0));  // the last may hold one more
  }
  // The rows say the same: each starts where the one before ended, the planned instants
  // follow from the durations (0, 1 s, 4 s), and every row is completed.
  ASSERT_EQ(rows.size(), 3u) << boost::json::serialize(rows);
  const std::chrono::milliseconds at[] = {0ms, 1000ms, 4000ms};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(field(rows[i], "status"), "completed");
    const auto actual = scheduler::parse_iso_instant(field(rows[i], "actual_start"), zone);
    EXPECT_LT(std::chrono::abs(actual - (start + at[i])), 50ms) << field(rows[i], "actual_start");
  }
  EXPECT_EQ(field(rows[1], "media_id"), "green");
  EXPECT_NEAR(rows[1].at("duration_s").to_number<double>(), 3.0, 0.05);
}

TEST_F(KioskTest, APlaylistMadeThroughTheApiKeepsItsSlideDurationsAcrossARestart) {
  make_picture(dir.path() / "bia.png", "0xffff0000", 320, 180, "pngenc");
  make_picture(dir.path() / "trang-2.png", "0xff00ff00", 320, 180, "pngenc");
  write_config("", kiosk_channel());
  auto daemon = start_daemon();
  for (const char* f : {"bia.png", "trang-2.png"}) {
    const auto r = run({LOAXA_BIN, "--url", url(), "media", "add", (dir.path() / f).string()});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  const auto post = [&](const std::string& items) {
    return cli::http_post(
        url(), "/api/v1/playlists", api_token,
        R"({"id": "ban-tin", "title": "Bản tin quý III", "items": )" + items + "}");
  };
  // Refused with the item's path and what would do, and nothing is kept.
  auto r = post(R"(["bia", {"media": "trang-2", "duration": "2h"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("body.items[1].duration: a duration from"), std::string::npos) << r.body;
  r = post(R"([{"duration": "20s"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("body.items[0]: a media id, or"), std::string::npos) << r.body;
  EXPECT_EQ(cli::http_get(url(), "/api/v1/playlists", api_token).body, "[]\n");

  r = post(R"(["bia", {"media": "trang-2", "duration": "20s"}])");
  ASSERT_EQ(r.status, 201) << r.body;
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  daemon = start_daemon();
  const auto lists = boost::json::parse(cli::http_get(url(), "/api/v1/playlists", api_token).body);
  ASSERT_EQ(lists.as_array().size(), 1u) << lists;
  EXPECT_EQ(lists.at(0).at("items"),
            boost::json::parse(R"(["bia", {"media": "trang-2", "duration": "20s"}])"));
  const auto show = run({LOAXA_BIN, "--url", url(), "playlist", "show", "ban-tin"});
  EXPECT_NE(show.out.find("  2. trang-2 (20s)\n"), std::string::npos) << show.out << show.err;
}

TEST_F(KioskTest, ABrokenClipFailsAndTheNextPictureShowsInItsSlot) {
  make_clip(dir.path() / "clip.webm", "0xffffff00", 25);
  make_picture(dir.path() / "red.png", "0xffff0000", 320, 180, "pngenc");
  FrameRecorder frames(fifo());
  const Instant start = start_in(5s);
  write_config(
      "[[playlist]]\nid = \"slides\"\nitems = [\"clip.webm\", \"red.png\"]\n\n"
      "[[schedule]]\nchannel = \"kiosk\"\nplaylist = \"slides\"\nstart = \"" +
          local(start) + "\"\n",
      kiosk_channel());
  auto daemon = start_daemon();
  // Ingested whole; then the stored copy rots before it airs.
  int rotted = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "state" / "media")) {
    if (e.path().extension() == ".webm") {
      ++rotted;
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc)
          << std::string(4096, '\x5a') << "not a WebM file";
    }
  }
  ASSERT_EQ(rotted, 1);
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  ASSERT_EQ(rows.size(), 2u) << boost::json::serialize(rows);
  EXPECT_EQ(field(rows[0], "media_id"), "clip");
  EXPECT_EQ(field(rows[0], "status"), "failed");
  EXPECT_FALSE(field(rows[0], "error").empty());
  EXPECT_EQ(field(rows[1], "media_id"), "red");
  EXPECT_EQ(field(rows[1], "status"), "completed");
  // The picture after it starts in its own slot (a second after the clip's), and the
  // screen never went black: the idle slide filled the broken clip's second.
  const auto red_start = scheduler::parse_iso_instant(field(rows[1], "actual_start"), zone);
  EXPECT_LT(std::chrono::abs(red_start - (start + 1s)), 50ms);
  const auto runs = runs_of(frames.frames());
  EXPECT_EQ(count_of(runs, "black"), 0u) << describe(runs);
  EXPECT_GE(count_of(runs, "red"), 25u) << describe(runs);
}

// A screen that cannot keep up: its sink takes 60 ms a frame at 25 fps and drops what
// is more than 20 ms late. The row says so: frames_dropped is the sink's count, not 0.
TEST_F(KioskTest, AScreenThatCannotKeepUpCountsTheFramesItDropped) {
  make_clip(dir.path() / "clip.webm", "0xffffff00", 50);
  const Instant start = start_in(4s);
  write_config(
      "[[schedule]]\nchannel = \"kiosk\"\nfile = \"clip.webm\"\nstart = \"" + local(start) + "\"\n",
      "[channels.kiosk]\nkind = \"video\"\nsink = \"video/x-raw,format=RGB,width=" +
          std::to_string(kW) + ",height=" + std::to_string(kH) +
          " ! identity sleep-time=60000 ! fakesink qos=true max-lateness=20000000\"\n"
          "width = " +
          std::to_string(kW) + "\nheight = " + std::to_string(kH) +
          "\nframerate = " + std::to_string(kFps) + "\n");
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (", 20s)) << daemon->output();
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  ASSERT_EQ(rows.size(), 1u) << boost::json::serialize(rows);
  const auto& row = rows[0];
  ASSERT_TRUE(row.at("frames_dropped").is_int64()) << row;
  ASSERT_TRUE(row.at("frames_rendered").is_int64()) << row;
  const auto dropped = row.at("frames_dropped").as_int64();
  std::printf("frames rendered %lld, dropped %lld\n",
              static_cast<long long>(row.at("frames_rendered").as_int64()),
              static_cast<long long>(dropped));
  // About a third of the frames cannot be shown at 60 ms each; allow for the first late
  // ones still inside the 20 ms.
  EXPECT_GE(dropped, 10) << row;
  EXPECT_LE(dropped, row.at("frames_rendered").as_int64()) << row;
}

// The screen's first frame is the idle slide, even when the slide is slow to come: the
// compositor used to time out and send its bare background first, a white flash at
// every start (seen under ASan, and here with a large idle image to scale).
TEST_F(KioskTest, TheFirstFrameIsTheIdleSlideNeverTheBareBackground) {
  make_picture(dir.path() / "slide.jpg", "0xff00ff00", 7680, 4320, "jpegenc");
  for (int attempt = 0; attempt < 3; ++attempt) {
    FrameRecorder frames(fifo());
    write_config("", kiosk_channel("idle_slide = \"slide.jpg\""));
    auto daemon = start_daemon();
    ASSERT_TRUE(frames.wait_for([](const auto& f) { return f.size() >= 20; }, 15s))
        << daemon->output();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
    const auto runs = runs_of(frames.frames());
    ASSERT_FALSE(runs.empty());
    EXPECT_EQ(runs[0].what, "green") << "start " << attempt << ": " << describe(runs);
    std::filesystem::remove(fifo());
  }
}

// The idle clock is drawn five times a second and repeated at the screen's rate: the
// screen still gets every frame, and the clock still moves on (it froze when the
// repeating imagefreeze kept its first picture).
TEST_F(KioskTest, TheIdleClockMovesOnWhileTheScreenKeepsItsFrameRate) {
  FrameRecorder frames(fifo());
  write_config("", kiosk_channel());
  auto daemon = start_daemon();
  constexpr std::size_t kFrames = 4 * kFps;
  ASSERT_TRUE(frames.wait_for([](const auto& f) { return f.size() >= kFrames; }, 20s))
      << daemon->output();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  auto all = frames.frames();
  all.resize(kFrames);
  std::size_t pictures = 1;
  for (std::size_t i = 1; i < all.size(); ++i) pictures += all[i].rgb != all[i - 1].rgb;
  // Four seconds show at least three changes of the seconds, and at most one drawing
  // per 1/5 s.
  EXPECT_GE(pictures, 4u);
  EXPECT_LE(pictures, 4u * 5 + 1);
  const auto runs = runs_of(all);
  EXPECT_EQ(runs.size(), 1u) << describe(runs);
  EXPECT_EQ(runs.front().what, "idle") << describe(runs);
  const double seconds = std::chrono::duration<double>(all.back().at - all.front().at).count();
  EXPECT_GT((kFrames - 1) / seconds, kFps * 0.6) << seconds << " s for " << kFrames << " frames";
}

TEST_F(KioskTest, AHugeImageIsRefusedFromItsHeaderWithTheReason) {
  // A PNG whose header says 20000×20000 (1.6 GB decoded): signature and IHDR only.
  const auto png = dir.path() / "huge.png";
  const auto r = run({"/usr/bin/python3", "-c",
                      "import struct,zlib,sys\n"
                      "ihdr=struct.pack('>IIBBBBB',20000,20000,8,6,0,0,0)\n"
                      "chunk=lambda t,d: struct.pack('>I',len(d))+t+d+"
                      "struct.pack('>I',zlib.crc32(t+d))\n"
                      "idat=zlib.compress(b'\\x00'*100)\n"
                      "open(sys.argv[1],'wb').write(b'\\x89PNG\\r\\n\\x1a\\n'+chunk(b'IHDR',ihdr)+"
                      "chunk(b'IDAT',idat)+chunk(b'IEND',b''))",
                      png.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  write_config("", kiosk_channel());
  auto daemon = start_daemon();
  const auto add = run({LOAXA_BIN, "--url", url(), "media", "add", png.string()});
  EXPECT_NE(add.code, 0);
  EXPECT_NE(add.err.find("20000×20000"), std::string::npos) << add.err << add.out;
  EXPECT_NE(add.err.find("8192"), std::string::npos) << add.err;
  // The box is unharmed: it still answers.
  EXPECT_EQ(cli::http_get(url(), "/api/v1/status", api_token).status, 200);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
}

TEST_F(KioskTest, AVideosSoundGoesToTheKiosksAudioSink) {
  // Two seconds of yellow with a 440 Hz tone (VP8 and Vorbis in WebM).
  const auto clip = dir.path() / "clip.webm";
  const auto r = run({"/usr/bin/gst-launch-1.0",
                      "-q",
                      "webmmux",
                      "name=mux",
                      "!",
                      "filesink",
                      "location=" + clip.string(),
                      "videotestsrc",
                      "num-buffers=50",
                      "pattern=solid-color",
                      "foreground-color=0xffffff00",
                      "!",
                      "video/x-raw,width=320,height=180,framerate=25/1",
                      "!",
                      "vp8enc",
                      "deadline=1",
                      "!",
                      "mux.",
                      "audiotestsrc",
                      "num-buffers=94",
                      "freq=440",
                      "volume=0.5",
                      "!",
                      "audio/x-raw,rate=48000,channels=1",
                      "!",
                      "audioconvert",
                      "!",
                      "vorbisenc",
                      "!",
                      "mux."});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto sound = dir.path() / "kiosk.s16le";
  FrameRecorder frames(fifo());
  const Instant start = start_in(4s);
  write_config(
      "[[schedule]]\nchannel = \"kiosk\"\nfile = \"clip.webm\"\nstart = \"" + local(start) + "\"\n",
      kiosk_channel("audio_sink = \"" + sink_to(sound) + "\""));
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 15s)) << daemon->output();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  // The clip's two seconds of tone (94 buffers of 1024 samples: 2.005 s), whole, among
  // the silence the audio mixer writes.
  const auto samples = read_raw(sound);
  const auto [first, last] = sounding_span(samples);
  ASSERT_LT(first, last) << "no sound at the audio sink";
  const double seconds = static_cast<double>(last - first) / 48000.0;
  EXPECT_NEAR(seconds, 2.005, 0.03) << samples.size() << " samples";
  EXPECT_GE(count_of(runs_of(frames.frames()), "yellow"), 49u);
}

// The ticker's pixels where bright (the words' fill), in the bottom third.
std::vector<bool> ink(const std::vector<std::uint8_t>& rgb, int width, int height) {
  std::vector<bool> out(static_cast<std::size_t>(width) * height, false);
  for (int y = height * 2 / 3; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::size_t o = (static_cast<std::size_t>(y) * width + x) * 3;
      // Luma: full resolution in I420, unlike the colour, which is shared by 2×2 pixels.
      const int luma = (299 * rgb[o] + 587 * rgb[o + 1] + 114 * rgb[o + 2]) / 1000;
      out[static_cast<std::size_t>(y) * width + x] = luma > 190;
    }
  }
  return out;
}

// How well a frame's ink matches a wide reference render at the best horizontal
// shift: intersection over union of the bright pixels.
double best_match(const std::vector<bool>& frame, const std::vector<bool>& ref, int ref_width) {
  double best = 0;
  for (int shift = -kW; shift < ref_width; ++shift) {
    long both = 0, either = 0;
    for (int y = kH * 2 / 3; y < kH; ++y) {
      for (int x = 0; x < kW; ++x) {
        const int rx = x + shift;
        const bool a = frame[static_cast<std::size_t>(y) * kW + x];
        const bool b =
            rx >= 0 && rx < ref_width && ref[static_cast<std::size_t>(y) * ref_width + rx];
        both += a && b;
        either += a || b;
      }
    }
    if (either > 0) best = std::max(best, static_cast<double>(both) / static_cast<double>(either));
  }
  return best;
}

// The same words drawn by textoverlay alone, on a canvas wide enough for all of them,
// in the screen's format (I420).
std::vector<bool> reference_ink(const fs::path& dir, const std::string& text, int ref_width) {
  const auto file = dir / "ref.rgb";
  fs::remove(file);
  const auto r = run({"/usr/bin/gst-launch-1.0",
                      "-q",
                      "videotestsrc",
                      "num-buffers=1",
                      "pattern=solid-color",
                      "foreground-color=0xff0d3b66",
                      "!",
                      "video/x-raw,format=I420,width=" + std::to_string(ref_width) +
                          ",height=" + std::to_string(kH),
                      "!",
                      "textoverlay",
                      "text=" + text,
                      "font-desc=Noto Sans 8",
                      "auto-resize=false",
                      "halignment=left",
                      "valignment=bottom",
                      "shaded-background=true",
                      "wrap-mode=-1",
                      "deltax=0",
                      "xpad=0",
                      "ypad=2",
                      "!",
                      "videoconvert",
                      "!",
                      "video/x-raw,format=RGB",
                      "!",
                      "filesink",
                      "location=" + file.string()});
  EXPECT_EQ(r.code, 0) << r.err;
  std::ifstream in(file, std::ios::binary);
  std::vector<std::uint8_t> rgb((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(rgb.size(), static_cast<std::size_t>(ref_width) * kH * 3);
  rgb.resize(static_cast<std::size_t>(ref_width) * kH * 3);
  return ink(rgb, ref_width, kH);
}

TEST_F(KioskTest, TheTickerScrollsVietnameseWordsAsTheReferenceRenderDrawsThem) {
  FrameRecorder frames(fifo());
  write_config("", kiosk_channel());
  auto daemon = start_daemon();
  const std::string words = "Cải cách hành chính: nộp hồ sơ trực tuyến";
  const auto r = cli::http_post(url(), "/api/v1/ticker", api_token,
                                boost::json::serialize(boost::json::object{{"text", words}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto status = cli::http_get(url(), "/api/v1/status", api_token);
  EXPECT_NE(status.body.find(words), std::string::npos) << status.body;
  // Nine seconds of frames with the ticker moving in from the right edge.
  std::size_t from = 0;
  ASSERT_TRUE(frames.wait_for(
      [&](const auto& f) {
        if (from == 0) from = f.size();
        return f.size() >= from + 9 * kFps;
      },
      10s));
  const auto all = frames.frames();
  constexpr int kRefWidth = 700;
  const auto vi = reference_ink(dir.path(), words, kRefWidth);
  const auto plain =
      reference_ink(dir.path(), "Cai cach hanh chinh: nop ho so truc tuyen", kRefWidth);
  // Frames with a good part of the words in sight: each matches the Vietnamese
  // reference (exactly, up to the shift) better than the same words without marks.
  int compared = 0;
  double worst_vi = 1.0, worst_margin = 1.0, margins = 0.0;
  for (std::size_t i = from; i < all.size(); i += 5) {
    const auto f = ink(all[i].rgb, kW, kH);
    if (std::count(f.begin(), f.end(), true) < 60) continue;  // little of it in sight yet
    ++compared;
    const double with_marks = best_match(f, vi, kRefWidth);
    const double without = best_match(f, plain, kRefWidth);
    worst_vi = std::min(worst_vi, with_marks);
    worst_margin = std::min(worst_margin, with_marks - without);
    margins += with_marks - without;
  }
  std::printf(
      "ticker: %d frames compared; worst match with the Vietnamese reference %.3f, "
      "lead over the same words without diacritics: smallest %.3f, mean %.3f\n",
      compared, worst_vi, worst_margin, margins / std::max(compared, 1));
  EXPECT_GE(compared, 5);
  EXPECT_GE(worst_vi, 0.95);
  EXPECT_GT(worst_margin, 0.0);
  EXPECT_GE(margins / std::max(compared, 1), 0.05);
  // It moves: the ink of two frames half a second apart differs.
  EXPECT_NE(ink(all[all.size() - 1].rgb, kW, kH), ink(all[all.size() - 1 - kFps].rgb, kW, kH));
  // Removed, the bottom of the screen is the idle slide again.
  ASSERT_EQ(cli::http_delete(url(), "/api/v1/ticker", api_token).status, 200);
  std::size_t after = 0;
  ASSERT_TRUE(frames.wait_for(
      [&](const auto& f) {
        if (after == 0) after = f.size() + kFps / 2;  // what was already on its way
        return f.size() >= after + 5;
      },
      10s));
  const auto later = frames.frames();
  const auto last = ink(later.back().rgb, kW, kH);
  EXPECT_EQ(std::count(last.begin(), last.end(), true), 0);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
}

// Under ASan (the sanitizer pass of `make test`): a box that aired every kind of item —
// a clip that fails, a clip, a still and a ticker on the kiosk, a tone on the
// loudspeaker — and took a reload frees every object at exit. LeakSanitizer runs with
// the slow unwinder here, so a stack goes through GLib and GStreamer to our frame and
// the suppressions can name the two allocations the system libraries keep by design
// (tests/sanitizers/lsan_exact.supp); the whole-suite pass, with the fast unwinder, can
// only name the library. Elsewhere this is skipped: it would only show a clean exit.
TEST_F(KioskTest, AVideoStreamRelaysOnTheScreenForItsWindowAndTheIdleSlideComesBack) {
  // A province channel's clip over HTTP (streams decode through uridecodebin3): shown
  // for the schedule's window of 2 s out of its 8, then the idle slide.
  const auto www = dir.path() / "www";
  fs::create_directories(www);
  make_clip(www / "kenh-tinh.webm", "0xffffff00", 200);
  Nginx station(dir.path(), www);
  FrameRecorder frames(fifo());
  const Instant start = start_in(3s);
  write_config("[[schedule]]\nid = \"kenh-tinh\"\nchannel = \"kiosk\"\nstream = \"" +
                   station.url("/kenh-tinh.webm") + "\"\nmax_duration = \"2s\"\nstart = \"" +
                   local(start) + "\"\n",
               kiosk_channel());
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon->wait_for_line("ended (", 15s)) << daemon->output();
  EXPECT_TRUE(frames.wait_for(
      [&](const auto& f) {
        const auto r = runs_of(f);
        return r.size() >= 3 && r.back().what == "idle" && r.back().count >= 12;
      },
      10s))
      << describe(runs_of(frames.frames()));
  const auto rows = airtime();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(10s), 0) << daemon->output();
  const auto runs = runs_of(frames.frames());
  SCOPED_TRACE(describe(runs));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].what, "idle");
  EXPECT_EQ(runs[1].what, "yellow");
  EXPECT_NEAR(static_cast<double>(runs[1].count), 2.0 * kFps, 3.0);
  EXPECT_EQ(runs[2].what, "idle");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(field(rows[0], "status"), "completed") << field(rows[0], "error");
  EXPECT_EQ(field(rows[0], "channel"), "kiosk");
  EXPECT_NEAR(rows[0].at("duration_s").to_number<double>(), 2.0, 0.1);
}

TEST_F(KioskTest, EveryObjectOfAnAiredBlockIsFreedWhenTheBoxStops) {
#ifndef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "a leak check: it runs in the ASan pass";
#endif
  ::setenv("ASAN_OPTIONS",
           "detect_leaks=1:detect_stack_use_after_return=0:verify_asan_link_order=0:"
           "fast_unwind_on_malloc=0",
           1);
  ::setenv(
      "LSAN_OPTIONS",
      "suppressions=" LOAXA_SOURCE_DIR "/tests/sanitizers/lsan_exact.supp:print_suppressions=1", 1);
  make_clip(dir.path() / "broken.webm", "0xffffff00", 25);
  make_clip(dir.path() / "green.webm", "0xff00ff00", 25);
  make_picture(dir.path() / "red.png", "0xffff0000", 320, 180, "pngenc");
  write_tone_wav(dir.path() / "tone.wav", 1.0, 440.0);
  FrameRecorder frames(fifo());
  const Instant start = start_in(6s);
  write_config(
      "[[playlist]]\nid = \"slides\"\nitems = [\"broken.webm\", \"green.webm\", \"red.png\"]\n\n"
      "[[schedule]]\nchannel = \"kiosk\"\nplaylist = \"slides\"\nstart = \"" +
          local(start) +
          "\"\n\n"
          "[[schedule]]\nchannel = \"loudspeaker\"\nfile = \"tone.wav\"\nstart = \"" +
          local(start) + "\"\n",
      kiosk_channel("ticker = \"Cải cách hành chính\""));
  auto daemon = start_daemon();
  ASSERT_EQ(rot_stored_copy(dir.path() / "broken.webm"), 1);  // rots before it airs
  daemon->signal(SIGHUP);  // a reload, whose old settings are freed too
  ASSERT_TRUE(daemon->wait_for_line("config: reloaded", 15s)) << daemon->output();
  for (int i = 0; i < 3; ++i) {  // the tone, the clip and the still
    ASSERT_TRUE(daemon->wait_for_line("ended (completed)", 20s)) << daemon->output();
  }
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(30s), 0) << daemon->output();
  EXPECT_EQ(daemon->output().find("LeakSanitizer"), std::string::npos) << daemon->output();
}

}  // namespace
}  // namespace loaxa::test
