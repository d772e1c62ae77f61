// Kiosk screens in the controller: the ticker each screen scrolls, and the full-screen
// notice an emergency shows on screens while loudspeakers sound it.

#include <boost/json.hpp>

#include "common/log.hpp"
#include "daemon/playout/controller.hpp"

namespace loaxa {

namespace json = boost::json;
using scheduler::Instant;
using std::chrono::milliseconds;

void Controller::set_ticker(const std::string& channel, const std::string& text,
                            std::optional<scheduler::Instant> until, const std::string& by) {
  if (!channel.empty()) {
    auto it = config_.channels.find(channel);
    if (it == config_.channels.end()) throw NotFound("no channel \"" + channel + "\" on this box");
    if (it->second.kind != player::ChannelKind::video) {
      throw std::invalid_argument("channel: " + channel +
                                  " is a loudspeaker; a ticker shows on "
                                  "kiosk screens (kind = \"video\")");
    }
  }
  if (text.size() > 1000) throw std::invalid_argument("text: at most 1000 bytes");
  if (text.find_first_of("\r\n") != std::string::npos) {
    throw std::invalid_argument("text: one line; the ticker scrolls a single line");
  }
  if (until && *until <= clock_.now()) throw std::invalid_argument("until: already past");
  json::object o{{"channel", channel}, {"text", text}, {"by", by}};
  if (until)
    o["until_ms"] = std::chrono::duration_cast<milliseconds>(until->time_since_epoch()).count();
  store_.set_meta("ticker", json::serialize(o));
  ticker_saved_ = SavedTicker{channel, text, until};
  log::notice("controller",
              "ticker " + (text.empty() ? "removed" : "\"" + text + "\"") + " by " + by);
  apply_tickers();
}

std::string Controller::ticker_of(const std::string& channel) const {
  const auto it = config_.channels.find(channel);
  if (it == config_.channels.end() || it->second.kind != player::ChannelKind::video) return "";
  if (!ticker_saved_) {  // read once from the database: a restart keeps the API's line
    ticker_saved_ = SavedTicker{};
    try {
      if (auto text = store_.meta("ticker")) {
        const auto v = json::parse(*text);
        const auto& o = v.as_object();
        ticker_saved_->channel = std::string(o.at("channel").as_string());
        ticker_saved_->text = std::string(o.at("text").as_string());
        if (o.contains("until_ms")) {
          ticker_saved_->until = Instant{milliseconds(o.at("until_ms").to_number<std::int64_t>())};
        }
      }
    } catch (const std::exception&) {
      ticker_saved_ = SavedTicker{};
    }
  }
  const auto& t = *ticker_saved_;
  const bool live = !t.until || clock_.now() < *t.until;
  if (live && !t.text.empty() && (t.channel.empty() || t.channel == channel)) return t.text;
  return it->second.ticker;
}

void Controller::apply_tickers() {
  for (auto& [name, cs] : channels_) cs.channel->set_ticker(ticker_of(name));
}

std::vector<ScheduleConfig> Controller::kiosk_notices(const ScheduleConfig& emergency,
                                                      const std::string& text,
                                                      milliseconds length) const {
  std::vector<ScheduleConfig> out;
  for (const auto& [name, ch] : config_.channels) {
    if (ch.kind != player::ChannelKind::video) continue;
    ScheduleConfig s = emergency;
    s.id = emergency.id + "-" + name;
    s.channel = name;
    s.content_kind = ContentKind::notice;
    s.content = notice_text(text);
    s.repeat = 1;
    s.max_duration = length;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace loaxa
