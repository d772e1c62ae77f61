#pragma once
// Move-only owners of GStreamer and GLib handles, so no business code unrefs by hand.

#include <gst/gst.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace loaxa::player::gst {

struct ObjectUnref {
  void operator()(gpointer p) const noexcept {
    if (p) gst_object_unref(p);
  }
};
template <typename T>
using ObjectPtr = std::unique_ptr<T, ObjectUnref>;
using ElementPtr = ObjectPtr<GstElement>;
using BusPtr = ObjectPtr<GstBus>;
using PadPtr = ObjectPtr<GstPad>;
using ClockPtr = ObjectPtr<GstClock>;

struct MessageUnref {
  void operator()(GstMessage* m) const noexcept {
    if (m) gst_message_unref(m);
  }
};
using MessagePtr = std::unique_ptr<GstMessage, MessageUnref>;

struct ErrorFree {
  void operator()(GError* e) const noexcept {
    if (e) g_error_free(e);
  }
};
using ErrorPtr = std::unique_ptr<GError, ErrorFree>;

struct GFree {
  void operator()(gpointer p) const noexcept { g_free(p); }
};
using CharPtr = std::unique_ptr<gchar, GFree>;

// Makes an element or throws std::runtime_error naming the missing plugin.
inline ElementPtr make_element(const char* factory, const char* name = nullptr) {
  GstElement* e = gst_element_factory_make(factory, name);
  if (!e) {
    throw std::runtime_error(std::string("GStreamer element '") + factory +
                             "' is missing; install the GStreamer plugins package that has it");
  }
  return ElementPtr(GST_ELEMENT(gst_object_ref_sink(e)));
}

// Calls gst_init once per process.
void ensure_initialised();

}  // namespace loaxa::player::gst
