#include "ccattest/core/logging.hpp"

#include <boost/core/null_deleter.hpp>
#include <boost/json.hpp>
#include <boost/log/attributes/attribute_value_set.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_channel_logger.hpp>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>

namespace ccattest::logging {
namespace blog = boost::log;

namespace {

// One logger per thread: the channel (component) is set per record, and a logger shared between
// threads would change that attribute under records other threads are still writing.
using Logger = blog::sources::severity_channel_logger<LogLevel, std::string>;
using Sink = blog::sinks::synchronous_sink<blog::sinks::text_ostream_backend>;

std::mutex sink_mutex;
boost::shared_ptr<Sink> current_sink;

std::string utc_timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    std::ostringstream out;
    out << std::put_time(&parts, "%Y-%m-%dT%H:%M:%S") << '.' << std::setw(3) << std::setfill('0')
        << millis << 'Z';
    return out.str();
}

void install_sink(LogLevel level, LogFormat format, std::ostream &stream) {
    auto backend = boost::make_shared<blog::sinks::text_ostream_backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&stream, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<Sink>(backend);
    sink->set_filter([level](const blog::attribute_value_set &values) {
        const auto severity = values["Severity"].extract<LogLevel>();
        return severity && *severity >= level;
    });
    sink->set_formatter([format](const blog::record_view &record, blog::formatting_ostream &out) {
        const auto severity = blog::extract<LogLevel>("Severity", record);
        const auto channel = blog::extract<std::string>("Channel", record);
        const auto message = blog::extract<std::string>("Message", record);
        const std::string_view level_text = severity ? level_name(*severity) : "info";
        const std::string component = channel ? *channel : std::string("core");
        const std::string text = message ? *message : std::string();
        if (format == LogFormat::json) {
            boost::json::object line;
            line["ts"] = utc_timestamp();
            line["level"] = level_text;
            line["component"] = component;
            line["message"] = text;
            out << boost::json::serialize(line);
        } else {
            out << utc_timestamp() << ' ' << level_text << " [" << component << "] " << text;
        }
    });
    auto core = blog::core::get();
    if (current_sink) {
        core->remove_sink(current_sink);
    }
    core->add_sink(sink);
    current_sink = sink;
}

void ensure_configured() {
    std::lock_guard lock(sink_mutex);
    if (!current_sink) {
        install_sink(LogLevel::info, LogFormat::text, std::clog);
    }
}

Logger &logger() {
    thread_local Logger instance;
    return instance;
}

} // namespace

std::string_view level_name(LogLevel level) {
    switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
    }
    return "info";
}

void configure(LogLevel level, LogFormat format, std::ostream &stream) {
    std::lock_guard lock(sink_mutex);
    install_sink(level, format, stream);
}

void write(LogLevel level, std::string_view component, std::string_view message) {
    ensure_configured();
    auto &source = logger();
    blog::record record = source.open_record(
        (blog::keywords::severity = level, blog::keywords::channel = std::string(component)));
    if (record) {
        blog::record_ostream stream(record);
        stream << message;
        stream.flush();
        source.push_record(std::move(record));
    }
}

} // namespace ccattest::logging
