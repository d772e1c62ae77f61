#include <mutex>

#include "player/gst/gst_ptr.hpp"

namespace loaxa::player::gst {

void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { gst_init(nullptr, nullptr); });
}

}  // namespace loaxa::player::gst
