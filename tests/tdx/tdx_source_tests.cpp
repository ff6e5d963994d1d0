// The TDX evidence sources against fakes standing in for the kernel: a configfs-tsm folder
// populated the way the tdx_guest provider would, and an ioctl seam answering like /dev/tdx_guest
// (TDX_CMD_GET_REPORT0, and GetQuote where a kernel offers it).
#include "sources.hpp"
#include "support/refusal.hpp"
#include "support/scratch_dir.hpp"

#include <sys/ioctl.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace fs = std::filesystem;
using ccattest::support::Bytes;
using ccattest::test::refusal;
using ccattest::test::ScratchDir;

namespace {

// The driver's structures as sources.cpp declares them (a test writes them out independently).
struct ReportRequest {
    uint8_t reportdata[64];
    uint8_t tdreport[1024];
};
struct QuoteRequest {
    uint64_t buffer;
    uint64_t length;
};
struct QuoteHeader {
    uint64_t version;
    uint64_t status;
    uint32_t in_length;
    uint32_t out_length;
};
const unsigned long get_report0 = _IOWR('T', 1, ReportRequest);
const unsigned long get_quote = _IOR('T', 2, QuoteRequest);
constexpr uint64_t in_flight = ~uint64_t{0};

std::array<uint8_t, 64> request_data() {
    std::array<uint8_t, 64> data{};
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(i * 3U + 1U);
    }
    return data;
}

// Bytes shaped like a quote of `version` carrying `data` as the TD's REPORTDATA (the sources check
// only that; signatures are the verifier's).
Bytes quote_of(std::span<const uint8_t> data, uint8_t version = 4) {
    const size_t body = version == 4 ? 48 : 54;
    Bytes quote(body + 584 + 700, 0x5A);
    quote[0] = version;
    quote[1] = 0;
    std::copy(data.begin(), data.end(), quote.begin() + static_cast<long>(body + 520));
    return quote;
}

void write_file(const fs::path &file, std::span<const uint8_t> data) {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char *>(data.data()),
               static_cast<std::streamsize>(data.size()));
}

// Fills a report entry as the kernel's provider would after the writes.
std::function<void(const fs::path &)> kernel(const std::string &provider, const Bytes &outblob) {
    return [=](const fs::path &entry) {
        std::ofstream(entry / "provider") << provider << "\n";
        std::ofstream(entry / "generation") << "1\n";
        std::ofstream(entry / "inblob") << "";
        write_file(entry / "outblob", outblob);
    };
}

ccattest::tdx::SourceConfig configfs_config(const fs::path &root) {
    ccattest::tdx::SourceConfig config;
    config.source = "configfs-tsm";
    config.configfs_path = root;
    return config;
}

ccattest::tdx::Evidence generate(const ccattest::tdx::SourceConfig &config,
                                 const ccattest::tdx::SourceSeams &seams = {}) {
    const auto data = request_data();
    return ccattest::tdx::generate_evidence(config, data, 1770000000, seams);
}

std::pair<ccattest_status, std::string> refused(const ccattest::tdx::SourceConfig &config,
                                                const ccattest::tdx::SourceSeams &seams = {}) {
    return refusal([&] { (void)generate(config, seams); });
}

// A fake /dev/tdx_guest: answers GET_REPORT0 with a TDREPORT derived from the report data, and
// GetQuote with `quote` after `in_flight_answers` answers of "in flight" (or with `status`).
struct FakeDevice {
    Bytes quote;
    int in_flight_answers = 0;
    uint64_t status = 0;
    int quote_errno = 0; ///< GetQuote fails with this errno when set
    int report_calls = 0;
    int quote_calls = 0;
    std::array<uint8_t, 1024> tdreport{};

    int operator()(unsigned long request, void *argument) {
        if (request == get_report0) {
            ++report_calls;
            auto *report = static_cast<ReportRequest *>(argument);
            for (size_t i = 0; i < sizeof report->tdreport; ++i) {
                report->tdreport[i] = static_cast<uint8_t>(report->reportdata[i % 64] ^ i);
            }
            std::memcpy(tdreport.data(), report->tdreport, tdreport.size());
            return 0;
        }
        if (request != get_quote) {
            errno = ENOTTY;
            return -1;
        }
        ++quote_calls;
        if (quote_errno != 0) {
            errno = quote_errno;
            return -1;
        }
        const auto *quote_request = static_cast<QuoteRequest *>(argument);
        auto *buffer = reinterpret_cast<uint8_t *>(quote_request->buffer);
        QuoteHeader header{};
        std::memcpy(&header, buffer, sizeof header);
        BOOST_TEST(header.version == 1U);
        BOOST_TEST(header.in_length == 1024U);
        BOOST_TEST(std::memcmp(buffer + sizeof header, tdreport.data(), tdreport.size()) == 0);
        if (quote_calls <= in_flight_answers) {
            header.status = in_flight;
        } else if (status != 0) {
            header.status = status;
        } else {
            BOOST_TEST_REQUIRE(quote_request->length >= sizeof header + quote.size());
            header.out_length = static_cast<uint32_t>(quote.size());
            std::memcpy(buffer + sizeof header, quote.data(), quote.size());
        }
        std::memcpy(buffer, &header, sizeof header);
        return 0;
    }
};

ccattest::tdx::SourceConfig device_config(const ScratchDir &scratch) {
    ccattest::tdx::SourceConfig config;
    config.source = "tdx-guest";
    config.tdx_guest_device = scratch.write("tdx_guest", "");
    return config;
}

ccattest::tdx::SourceSeams seams_of(FakeDevice &device) {
    ccattest::tdx::SourceSeams seams;
    seams.ioctl = [&device](int, unsigned long request, void *argument) {
        return device(request, argument);
    };
    return seams;
}

} // namespace

BOOST_AUTO_TEST_SUITE(tdx_sources)

BOOST_AUTO_TEST_CASE(configfs_tsm_outblob_is_the_quote) {
    for (const uint8_t version : {uint8_t{4}, uint8_t{5}}) {
        const ScratchDir root;
        const Bytes quote = quote_of(request_data(), version);
        fs::path entry_seen;
        ccattest::tdx::SourceSeams seams;
        seams.after_configfs_mkdir = [&](const fs::path &entry) {
            entry_seen = entry;
            kernel("tdx_guest", quote)(entry);
        };
        const auto evidence = generate(configfs_config(root.path()), seams);
        BOOST_TEST((evidence.quote == quote));
        BOOST_TEST((evidence.form == ccattest::tdx::TokenForm::ccattest));
        BOOST_TEST(!evidence.collateral.tcb_info.has_value());
        BOOST_TEST(!evidence.collateral.pck_crl.has_value());
        BOOST_TEST(!fs::exists(entry_seen)); // the entry is removed afterwards
    }
}

BOOST_AUTO_TEST_CASE(configfs_tsm_refuses_another_provider_and_a_short_outblob) {
    const ScratchDir root;
    ccattest::tdx::SourceSeams seams;
    seams.after_configfs_mkdir = kernel("sev_guest", quote_of(request_data()));
    const auto other = refused(configfs_config(root.path()), seams);
    BOOST_TEST(other.first == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(other.second ==
               "configfs-tsm: provider is \"sev_guest\", not tdx_guest (this is not a TDX guest)");

    seams.after_configfs_mkdir = kernel("tdx_guest", Bytes(100, 4));
    const auto short_blob = refused(configfs_config(root.path()), seams);
    BOOST_TEST(short_blob.first == CCATTEST_E_IO);
    BOOST_TEST(short_blob.second == "configfs-tsm: outblob is 100 bytes, not a TDX quote (version "
                                    "4 or 5 with a TD report body)");

    const auto missing = refused(configfs_config(root.path() / "absent"));
    BOOST_TEST(missing.first == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(missing.second ==
               "configfs-tsm: " + (root.path() / "absent").string() + " does not exist");
}

BOOST_AUTO_TEST_CASE(configfs_tsm_retries_a_racing_writer_then_gives_up) {
    const ScratchDir root;
    auto theirs = request_data();
    theirs[0] ^= 0xFFU; // another process's report data sits in outblob
    ccattest::tdx::SourceSeams seams;
    seams.after_configfs_mkdir = kernel("tdx_guest", quote_of(theirs));
    const auto raced = refused(configfs_config(root.path()), seams);
    BOOST_TEST(raced.first == CCATTEST_E_IO);
    BOOST_TEST(raced.second ==
               "configfs-tsm: another writer changed the report entry during 3 attempts");
}

BOOST_AUTO_TEST_CASE(tdx_guest_report_then_quote_after_in_flight_answers) {
    const ScratchDir scratch;
    FakeDevice device;
    device.quote = quote_of(request_data());
    device.in_flight_answers = 2;
    const auto evidence = generate(device_config(scratch), seams_of(device));
    BOOST_TEST((evidence.quote == device.quote));
    BOOST_TEST((evidence.form == ccattest::tdx::TokenForm::ccattest));
    BOOST_TEST(device.report_calls == 1);
    BOOST_TEST(device.quote_calls == 3);
}

BOOST_AUTO_TEST_CASE(tdx_guest_without_get_quote_names_configfs_tsm) {
    for (const int error : {ENOTTY, EINVAL}) {
        const ScratchDir scratch;
        FakeDevice device;
        device.quote_errno = error;
        const auto config = device_config(scratch);
        const auto no_quote = refused(config, seams_of(device));
        BOOST_TEST(no_quote.first == CCATTEST_E_NO_DEVICE);
        BOOST_TEST(no_quote.second ==
                   config.tdx_guest_device.string() +
                       " gave a TDREPORT but this kernel offers no GetQuote ioctl; use "
                       "configfs-tsm (provider tdx_guest, Linux 6.7 or later)");
        BOOST_TEST(device.report_calls == 1);
    }
}

BOOST_AUTO_TEST_CASE(tdx_guest_errors) {
    const ScratchDir scratch;
    const auto config = device_config(scratch);
    FakeDevice unavailable;
    unavailable.status = 0x8000000000000001U;
    const auto status = refused(config, seams_of(unavailable));
    BOOST_TEST(status.first == CCATTEST_E_IO);
    BOOST_TEST(status.second == "tdx-guest: GetQuote failed: status 0x8000000000000001 (the quote "
                                "generation service is unavailable)");

    FakeDevice failing;
    failing.status = 0x8000000000000000U;
    BOOST_TEST(refused(config, seams_of(failing)).second ==
               "tdx-guest: GetQuote failed: status 0x8000000000000000 (the host could not "
               "generate a quote)");

    FakeDevice broken;
    broken.quote_errno = EIO;
    const auto io = refused(config, seams_of(broken));
    BOOST_TEST(io.first == CCATTEST_E_IO);
    BOOST_TEST(io.second == "tdx-guest: TDX_CMD_GET_QUOTE failed: Input/output error");

    FakeDevice wrong_data; // a quote of other report data
    auto other = request_data();
    other[63] ^= 1U;
    wrong_data.quote = quote_of(other);
    const auto mismatch = refused(config, seams_of(wrong_data));
    BOOST_TEST(mismatch.first == CCATTEST_E_IO);
    BOOST_TEST(mismatch.second == "tdx-guest: GetQuote answered something that is not a TDX "
                                  "quote of the requested report data");

    ccattest::tdx::SourceSeams no_report;
    no_report.ioctl = [](int, unsigned long, void *) {
        errno = EPERM;
        return -1;
    };
    const auto report = refused(config, no_report);
    BOOST_TEST(report.first == CCATTEST_E_IO);
    BOOST_TEST(report.second == "tdx-guest: TDX_CMD_GET_REPORT0 failed: Operation not permitted");

    auto absent = config;
    absent.tdx_guest_device = scratch.path() / "absent";
    const auto missing = refused(absent);
    BOOST_TEST(missing.first == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(missing.second == "tdx-guest: cannot open " + absent.tdx_guest_device.string() +
                                     ": No such file or directory");
}

BOOST_AUTO_TEST_CASE(tdx_guest_in_flight_is_bounded) {
    const ScratchDir scratch;
    auto config = device_config(scratch);
    config.get_quote_timeout_ms = 200;
    FakeDevice stuck;
    stuck.in_flight_answers = 1000000;
    const auto start = std::chrono::steady_clock::now();
    const auto timeout = refused(config, seams_of(stuck));
    const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    BOOST_TEST(timeout.first == CCATTEST_E_TIMEOUT);
    BOOST_TEST(timeout.second == "tdx-guest: the quote was still in flight after 200 ms");
    BOOST_TEST(took_ms >= 200);
    BOOST_TEST(took_ms < 5000);
    BOOST_TEST(stuck.quote_calls < 20);
}

BOOST_AUTO_TEST_CASE(auto_prefers_configfs_then_the_device) {
    const ScratchDir scratch;
    const auto data = request_data();
    ccattest::tdx::SourceConfig config = device_config(scratch);
    config.source = "auto";
    config.configfs_path = scratch.path() / "tsm";
    fs::create_directories(config.configfs_path);

    FakeDevice device;
    device.quote = quote_of(data, 5);
    ccattest::tdx::SourceSeams seams = seams_of(device);
    seams.after_configfs_mkdir = kernel("tdx_guest", quote_of(data, 4));
    BOOST_TEST(generate(config, seams).quote[0] == 4); // configfs-tsm first
    BOOST_TEST(device.report_calls == 0);

    seams.after_configfs_mkdir = kernel("sev_guest", {}); // another TEE's provider
    BOOST_TEST(generate(config, seams).quote[0] == 5);
    BOOST_TEST(device.report_calls == 1);
}

BOOST_AUTO_TEST_CASE(auto_names_what_it_probed_and_never_picks_the_simulator) {
    const ScratchDir scratch;
    ccattest::tdx::SourceConfig config;
    config.source = "auto";
    config.configfs_path = scratch.path() / "tsm";
    config.tdx_guest_device = scratch.path() / "tdx_guest";
    config.simulator = ccattest::tdx::SimulatorConfig{};
    config.simulator->state_dir = scratch.path() / "sim";
    const auto none = refused(config);
    BOOST_TEST(none.first == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(none.second == "no TDX evidence source: probed " +
                                  (scratch.path() / "tsm").string() + " (configfs-tsm) and " +
                                  (scratch.path() / "tdx_guest").string() +
                                  " (tdx-guest); this machine is not a TDX guest");
    BOOST_TEST(!fs::exists(scratch.path() / "sim"));

    config.source = "none";
    const auto unsupported = refused(config);
    BOOST_TEST(unsupported.first == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(unsupported.second == "source \"none\" cannot generate evidence");
    config.source = "simulator";
    config.simulator.reset();
    const auto no_block = refused(config);
    BOOST_TEST(no_block.first == CCATTEST_E_CONFIG);
    BOOST_TEST(no_block.second == "source \"simulator\" needs a simulator block");
}

BOOST_AUTO_TEST_CASE(simulator_source_binds_the_report_data) {
    const ScratchDir scratch;
    ccattest::tdx::SourceConfig config;
    config.source = "simulator";
    config.simulator = ccattest::tdx::SimulatorConfig{};
    config.simulator->state_dir = scratch.path();
    const auto evidence = generate(config);
    const auto data = request_data();
    BOOST_TEST_REQUIRE(evidence.quote.size() > 632U);
    BOOST_TEST(evidence.quote[0] == 4);
    BOOST_TEST(std::equal(data.begin(), data.end(), evidence.quote.begin() + 568));
    BOOST_TEST((evidence.form == ccattest::tdx::TokenForm::ccattest));
    BOOST_TEST(evidence.collateral.tcb_info.has_value()); // include_collateral by default
}

BOOST_AUTO_TEST_SUITE_END()
