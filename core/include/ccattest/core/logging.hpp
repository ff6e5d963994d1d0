// The one logging path of ccattest: Boost.Log, human-readable lines by default or JSON lines on
// request, written to one stream (stderr unless a test redirects it). Plugins' log callbacks arrive
// here tagged with the plugin's name as the component.
#pragma once

#include "ccattest/core/config.hpp"

#include <ostream>
#include <string_view>

namespace ccattest::logging {

/// Replaces the sink: lines at `level` or above, in `format`, to `stream` (which must outlive use,
/// or be replaced by another configure call first). Thread-safe.
void configure(LogLevel level, LogFormat format, std::ostream &stream);

/// Writes one record. `component` says who speaks: "core", "loader", "plugin:<name>". Before any
/// configure call, records at info and above go to std::clog as text.
void write(LogLevel level, std::string_view component, std::string_view message);

/// The name of a level as it appears in output ("warning").
std::string_view level_name(LogLevel level);

} // namespace ccattest::logging
