#include "sources.hpp"

#include <ccattest/support/tsm.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <thread>
#include <unistd.h>

namespace ccattest::tdx {
using sdk::failure;
using support::Bytes;
namespace fs = std::filesystem;

namespace {

constexpr int max_attempts = 3;

// Where a quote keeps the TD's REPORTDATA (layout in quote.hpp): at 520 in the TD report body,
// which starts at 48 (v4) or 54 (v5, after the body type and size). nullopt when the bytes are too
// short or of another version.
std::optional<std::span<const uint8_t>> quote_report_data(std::span<const uint8_t> quote) {
    constexpr size_t report_data_offset = 520;
    constexpr size_t report_data_size = 64;
    if (quote.size() < 2 || quote[1] != 0 || (quote[0] != 4 && quote[0] != 5)) {
        return std::nullopt;
    }
    const size_t body = quote[0] == 4 ? quote_header_size : quote_header_size + 6;
    if (quote.size() < body + td_report_body_10_size) {
        return std::nullopt;
    }
    return quote.subspan(body + report_data_offset, report_data_size);
}

// ---- configfs-tsm (support/tsm.hpp) ------------------------------------------------------------

Evidence from_configfs(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                       const SourceSeams &seams) {
    support::tsm::Request request;
    request.report_path = config.configfs_path;
    request.expected_provider = "tdx_guest";
    request.expected_machine = "a TDX guest";
    request.inblob = report_data;
    request.read_auxblob = false; // the TDX provider has none: the quote carries the PCK chain
    request.max_blob_size = max_quote_size;
    request.max_attempts = max_attempts;
    request.after_mkdir = seams.after_configfs_mkdir;
    request.judge = [&](std::span<const uint8_t> outblob) {
        const auto carried = quote_report_data(outblob);
        if (!carried) {
            throw failure(CCATTEST_E_IO, "configfs-tsm: outblob is " +
                                             std::to_string(outblob.size()) +
                                             " bytes, not a TDX quote (version 4 or 5 with a "
                                             "TD report body)");
        }
        // Another writer's request leaves its own report data behind.
        return std::equal(report_data.begin(), report_data.end(), carried->begin())
                   ? support::tsm::Outblob::ours
                   : support::tsm::Outblob::not_ours;
    };
    Evidence evidence;
    evidence.quote = support::tsm::get_report(request).outblob;
    evidence.form = TokenForm::ccattest;
    return evidence;
}

// ---- /dev/tdx_guest -----------------------------------------------------------------------------
// The driver's interface, written out here because not every system has its header (and the
// GetQuote request exists only in some kernels).

struct ReportRequest {
    uint8_t reportdata[64];
    uint8_t tdreport[1024];
};
struct QuoteRequest {
    uint64_t buffer; ///< address of a QuoteHeader followed by its data
    uint64_t length; ///< of the whole buffer
};
struct QuoteHeader {
    uint64_t version; ///< 1
    uint64_t status;  ///< written by the host
    uint32_t in_length;
    uint32_t out_length;
};

const unsigned long get_report0 = _IOWR('T', 1, ReportRequest);
const unsigned long get_quote = _IOR('T', 2, QuoteRequest);

constexpr uint64_t quote_status_success = 0;
constexpr uint64_t quote_status_in_flight = ~uint64_t{0};
constexpr uint64_t quote_status_error = uint64_t{1} << 63U;
constexpr uint64_t quote_status_unavailable = quote_status_error | 1U;
constexpr size_t page_size = 4096;

std::string quote_status_text(uint64_t status) {
    std::string hex = "0x";
    for (int shift = 60; shift >= 0; shift -= 4) {
        hex += "0123456789abcdef"[(status >> static_cast<unsigned>(shift)) & 0xFU];
    }
    if (status == quote_status_error) {
        return hex + " (the host could not generate a quote)";
    }
    if (status == quote_status_unavailable) {
        return hex + " (the quote generation service is unavailable)";
    }
    return hex;
}

class TdxGuest {
public:
    TdxGuest(const SourceConfig &config, const SourceSeams &seams)
        : path_(config.tdx_guest_device), seams_(seams) {
        descriptor_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
        if (descriptor_ < 0) {
            const int saved = errno;
            throw failure(saved == ENOENT || saved == ENXIO || saved == ENODEV
                              ? CCATTEST_E_NO_DEVICE
                              : CCATTEST_E_IO,
                          "tdx-guest: cannot open " + path_.string() + ": " + std::strerror(saved));
        }
    }
    ~TdxGuest() { ::close(descriptor_); }
    TdxGuest(const TdxGuest &) = delete;
    TdxGuest &operator=(const TdxGuest &) = delete;

    int call(unsigned long request, void *argument) const {
        return seams_.ioctl ? seams_.ioctl(descriptor_, request, argument)
                            : ::ioctl(descriptor_, request, argument);
    }
    [[nodiscard]] const fs::path &path() const noexcept { return path_; }

private:
    fs::path path_;
    const SourceSeams &seams_;
    int descriptor_ = -1;
};

std::array<uint8_t, 1024> td_report(const TdxGuest &device,
                                    std::span<const uint8_t, 64> report_data) {
    ReportRequest request{};
    std::copy(report_data.begin(), report_data.end(), request.reportdata);
    if (device.call(get_report0, &request) != 0) {
        const int saved = errno;
        throw failure(CCATTEST_E_IO, std::string("tdx-guest: TDX_CMD_GET_REPORT0 failed: ") +
                                         std::strerror(saved));
    }
    std::array<uint8_t, 1024> report{};
    std::copy(std::begin(request.tdreport), std::end(request.tdreport), report.begin());
    return report;
}

// One GetQuote request; returns the header the host wrote back (the quote follows it).
QuoteHeader ask_quote(const TdxGuest &device, Bytes &buffer,
                      const std::array<uint8_t, 1024> &report) {
    std::fill(buffer.begin(), buffer.end(), uint8_t{0});
    QuoteHeader header{1, 0, static_cast<uint32_t>(report.size()), 0};
    std::memcpy(buffer.data(), &header, sizeof header);
    std::copy(report.begin(), report.end(), buffer.begin() + sizeof header);
    QuoteRequest request{reinterpret_cast<uintptr_t>(buffer.data()), buffer.size()};
    if (device.call(get_quote, &request) != 0) {
        const int saved = errno;
        if (saved == ENOTTY || saved == EINVAL) {
            throw failure(CCATTEST_E_NO_DEVICE,
                          device.path().string() +
                              " gave a TDREPORT but this kernel offers no GetQuote ioctl; use "
                              "configfs-tsm (provider tdx_guest, Linux 6.7 or later)");
        }
        throw failure(CCATTEST_E_IO,
                      std::string("tdx-guest: TDX_CMD_GET_QUOTE failed: ") + std::strerror(saved));
    }
    std::memcpy(&header, buffer.data(), sizeof header);
    return header;
}

Evidence from_tdx_guest(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                        const SourceSeams &seams) {
    const TdxGuest device(config, seams);
    const auto report = td_report(device, report_data);
    Bytes buffer((sizeof(QuoteHeader) + max_quote_size + page_size - 1) / page_size * page_size);
    // The host answers "in flight" while its quote generation service works; ask again, within
    // a bounded time.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config.get_quote_timeout_ms);
    QuoteHeader header{};
    for (int attempt = 1;; ++attempt) {
        header = ask_quote(device, buffer, report);
        if (header.status != quote_status_in_flight) {
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            throw failure(CCATTEST_E_TIMEOUT, "tdx-guest: the quote was still in flight after " +
                                                  std::to_string(config.get_quote_timeout_ms) +
                                                  " ms");
        }
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(50 * attempt), deadline - now));
    }
    if (header.status != quote_status_success) {
        throw failure(CCATTEST_E_IO,
                      "tdx-guest: GetQuote failed: status " + quote_status_text(header.status));
    }
    if (header.out_length == 0 || header.out_length > buffer.size() - sizeof header) {
        throw failure(CCATTEST_E_IO, "tdx-guest: GetQuote answered a quote of " +
                                         std::to_string(header.out_length) + " bytes in a " +
                                         std::to_string(buffer.size() - sizeof header) +
                                         "-byte buffer");
    }
    Evidence evidence;
    const auto quote_begin = buffer.begin() + sizeof header;
    evidence.quote.assign(quote_begin, quote_begin + header.out_length);
    const auto carried = quote_report_data(evidence.quote);
    if (!carried || !std::equal(report_data.begin(), report_data.end(), carried->begin())) {
        throw failure(CCATTEST_E_IO, "tdx-guest: GetQuote answered something that is not a TDX "
                                     "quote of the requested report data");
    }
    evidence.form = TokenForm::ccattest;
    return evidence;
}

} // namespace

Evidence generate_evidence(const SourceConfig &config, std::span<const uint8_t, 64> report_data,
                           int64_t now, const SourceSeams &seams) {
    std::error_code ec;
    if (config.source == "configfs-tsm") {
        return from_configfs(config, report_data, seams);
    }
    if (config.source == "tdx-guest") {
        return from_tdx_guest(config, report_data, seams);
    }
    if (config.source == "simulator") {
        if (!config.simulator) {
            throw failure(CCATTEST_E_CONFIG, "source \"simulator\" needs a simulator block");
        }
        return simulate_evidence(*config.simulator, report_data, now);
    }
    if (config.source == "auto") {
        if (fs::is_directory(config.configfs_path, ec)) {
            try {
                return from_configfs(config, report_data, seams);
            } catch (const failure &e) {
                if (e.status() != CCATTEST_E_NO_DEVICE) {
                    throw;
                } // another TEE's provider: try the TDX device
            }
        }
        if (fs::exists(config.tdx_guest_device, ec)) {
            return from_tdx_guest(config, report_data, seams);
        }
        throw failure(CCATTEST_E_NO_DEVICE,
                      "no TDX evidence source: probed " + config.configfs_path.string() +
                          " (configfs-tsm) and " + config.tdx_guest_device.string() +
                          " (tdx-guest); this machine is not a TDX guest");
    }
    throw failure(CCATTEST_E_UNSUPPORTED,
                  "source \"" + config.source + "\" cannot generate evidence");
}

} // namespace ccattest::tdx
