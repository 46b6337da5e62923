// unique_ptr aliases for the GLib/GObject resources the mail adapter uses, so each is
// released on every path. Internal to src/mail (and its tests); header-only.
#pragma once

#include <glib-object.h>
#include <glib.h>

#include <memory>

namespace consentd::mail {

// Drops one reference of a GObject (GMimeMessage, GMimePart, GMimeStream, ...).
struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

// Frees memory handed out by GLib (g_malloc, g_strdup, ...).
struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

struct GDateTimeUnref {
  void operator()(GDateTime* date) const { g_date_time_unref(date); }
};
using GDateTimePtr = std::unique_ptr<GDateTime, GDateTimeUnref>;

}  // namespace consentd::mail
