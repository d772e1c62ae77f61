#pragma once
// One item's pipeline: uridecodebin -> audioconvert -> audioresample -> volume -> sink.
// It is prerolled ahead of time and started by setting its base time to the planned
// wall-clock instant on a CLOCK_REALTIME clock, so its first sample is rendered then.
// All callbacks run on the io_context thread; streaming threads only post.

#include <gst/gst.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "player/gst/gst_ptr.hpp"
#include "player/output.hpp"

namespace loaxa::player {

class ItemPipeline : public std::enable_shared_from_this<ItemPipeline> {
 public:
  struct Handlers {
    std::function<void()> prerolled;
    std::function<void()> eos;
    std::function<void(const std::string&)> error;
  };

  // Throws std::runtime_error when the pipeline cannot be built (bad sink description).
  static std::shared_ptr<ItemPipeline> create(boost::asio::io_context& io, const SinkSpec& sink,
                                              const std::filesystem::path& file, double volume,
                                              Handlers handlers);
  ~ItemPipeline();
  ItemPipeline(const ItemPipeline&) = delete;
  ItemPipeline& operator=(const ItemPipeline&) = delete;

  // Prerolls; with `offset` > 0 it then seeks there (a block resuming after pre-emption)
  // before reporting prerolled.
  void preroll(std::chrono::milliseconds offset = std::chrono::milliseconds(0));
  // Starts so that running time 0 is rendered at `at_ns` (ns since the Unix epoch).
  void start_at(GstClockTime at_ns);
  // Ramps the volume to zero over `fade` from now.
  void fade_out(std::chrono::milliseconds fade);
  // Stops and releases everything; no handler runs afterwards.
  void shutdown();

  GstClockTime clock_now() const;
  GstClockTime base_time() const { return base_time_; }
  // Running time of the first sample and end of the last sample seen by the sink.
  std::optional<GstClockTime> first_running_time() const;
  std::optional<GstClockTime> last_running_end() const;

 private:
  ItemPipeline(boost::asio::io_context& io, Handlers handlers);
  void build(const SinkSpec& sink, const std::filesystem::path& file, double volume);
  void on_message(GstMessage* msg);
  static GstBusSyncReply bus_sync(GstBus* bus, GstMessage* msg, gpointer data);
  static void on_pad_added(GstElement* src, GstPad* pad, gpointer data);
  static GstPadProbeReturn on_buffer(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  boost::asio::io_context& io_;
  Handlers handlers_;
  gst::ElementPtr pipeline_;
  gst::ElementPtr convert_;  // first element after the decoder
  gst::ElementPtr volume_;
  gst::ClockPtr clock_;
  GstClockTime base_time_ = GST_CLOCK_TIME_NONE;
  bool prerolled_ = false;
  std::chrono::milliseconds seek_to_{0};
  bool seeked_ = false;
  bool finished_ = false;
  // Written by the streaming thread, read on the loop.
  GstSegment segment_{};
  std::atomic<GstClockTime> first_rt_{GST_CLOCK_TIME_NONE};
  std::atomic<GstClockTime> last_end_rt_{GST_CLOCK_TIME_NONE};
};

}  // namespace loaxa::player
