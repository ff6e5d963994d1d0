// The GPU evidence sources (plugins/gpu/src/sources.hpp): NVML through a fake library loaded in
// its place (tests/gpu/fake_nvml.cpp, answering with NVIDIA's real H100 report and chain), the
// NVSwitch refusal in protected-PCIe mode, the simulator dispatch and source "none".
#include "sources.hpp"
#include "support/refusal.hpp"
#include "support/scratch_dir.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/files.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using ccattest::gpu::Arch;
using ccattest::gpu::DeviceKind;
using ccattest::gpu::Evidence;
using ccattest::gpu::SourceConfig;
using ccattest::support::Bytes;
using ccattest::test::refusal;
using ccattest::test::ScratchDir;

namespace {

constexpr int64_t now = 1770000000;

std::array<uint8_t, 64> request_data() {
    std::array<uint8_t, 64> data{};
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(0xA0U + i * 7U);
    }
    return data;
}

std::string hex(std::span<const uint8_t> bytes) {
    std::string text;
    for (const uint8_t byte : bytes) {
        text += "0123456789abcdef"[byte >> 4U];
        text += "0123456789abcdef"[byte & 0xFU];
    }
    return text;
}

Bytes vector_file(const std::string &name) {
    return ccattest::support::read_file(fs::path(GPU_VECTORS) / name, size_t{1} << 20U);
}

// The fake's environment for one test, cleared afterwards; its call log in a scratch folder.
class FakeNvml {
public:
    explicit FakeNvml(const std::string &mode, unsigned gpus = 1) {
        ::setenv("FAKE_NVML_MODE", mode.c_str(), 1);
        ::setenv("FAKE_NVML_GPUS", std::to_string(gpus).c_str(), 1);
        ::setenv("FAKE_NVML_LOG", log_file().c_str(), 1);
    }
    ~FakeNvml() {
        ::unsetenv("FAKE_NVML_MODE");
        ::unsetenv("FAKE_NVML_GPUS");
        ::unsetenv("FAKE_NVML_LOG");
    }
    FakeNvml(const FakeNvml &) = delete;
    FakeNvml &operator=(const FakeNvml &) = delete;

    [[nodiscard]] fs::path log_file() const { return scratch_.path() / "calls.log"; }
    /// The lines the fake logged, in order.
    [[nodiscard]] std::vector<std::string> calls() const {
        std::vector<std::string> lines;
        std::ifstream in(log_file());
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        return lines;
    }

private:
    ScratchDir scratch_;
};

SourceConfig nvml_config(const std::string &library = FAKE_NVML) {
    SourceConfig config;
    config.source = "nvml";
    config.nvml_library = library;
    config.nscq_library = "libccattest-no-such-nscq.so.2";
    return config;
}

Evidence generate(const SourceConfig &config) {
    const auto data = request_data();
    return ccattest::gpu::generate_evidence(config, data, now);
}

std::pair<ccattest_status, std::string> refused(const SourceConfig &config) {
    return refusal([&] { (void)generate(config); });
}

// The real chain as DER, leaf first.
std::vector<Bytes> real_chain() {
    std::vector<Bytes> chain;
    for (const auto &certificate : ccattest::support::Certificate::parse_bundle(
             vector_file("nvtrust_hopper_cert_chain.pem"), "test chain")) {
        chain.push_back(certificate.der());
    }
    return chain;
}

// Checks one GPU's evidence: NVIDIA's report with our nonce in the request, NVIDIA's chain.
void check_real_gpu(const ccattest::gpu::DeviceEvidence &device) {
    const auto data = request_data();
    Bytes expected = vector_file("nvtrust_hopper_report.bin");
    std::copy(data.begin(), data.begin() + 32, expected.begin() + 4);
    BOOST_TEST((device.kind == DeviceKind::gpu));
    BOOST_TEST_REQUIRE(device.arch.has_value());
    BOOST_TEST((*device.arch == Arch::hopper));
    BOOST_TEST(device.report.size() == 4117U);
    BOOST_TEST(hex(std::span(device.report).subspan(4, 32)) == hex(std::span(data).first(32)));
    BOOST_TEST((device.report == expected));
    BOOST_TEST_REQUIRE(device.certificates.size() == 5U);
    BOOST_TEST((device.certificates == real_chain()));
    const auto leaf = ccattest::support::Certificate::load(fs::path(GPU_VECTORS) /
                                                           "trustee_hopper_signing_cert.pem");
    BOOST_TEST((device.certificates.front() == leaf.der()));
}

} // namespace

BOOST_AUTO_TEST_SUITE(gpu_sources)

BOOST_AUTO_TEST_CASE(two_gpus_are_attested_with_the_first_half_of_the_report_data) {
    const FakeNvml fake("ok", 2);
    const Evidence evidence = generate(nvml_config());
    BOOST_TEST((evidence.form == ccattest::gpu::TokenForm::ccattest));
    BOOST_REQUIRE_EQUAL(evidence.devices.size(), 2U);
    for (const auto &device : evidence.devices) {
        check_real_gpu(device);
    }
    BOOST_TEST(evidence.rims.empty());
    BOOST_TEST(evidence.ocsp_responses.empty());
    // Each GPU was asked once, with the same nonce; NVML was shut down.
    const auto data = request_data();
    const std::string nonce = hex(std::span(data).first(32));
    const std::vector<std::string> expected{"init", "report 0 " + nonce, "report 1 " + nonce,
                                            "shutdown"};
    BOOST_TEST(fake.calls() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(auto_uses_nvml) {
    const FakeNvml fake("ok", 1);
    SourceConfig config = nvml_config();
    config.source = "auto";
    const Evidence evidence = generate(config);
    BOOST_REQUIRE_EQUAL(evidence.devices.size(), 1U);
    check_real_gpu(evidence.devices.front());
}

BOOST_AUTO_TEST_CASE(a_blackwell_gpu_is_named_so) {
    const FakeNvml fake("blackwell", 1);
    const Evidence evidence = generate(nvml_config());
    BOOST_REQUIRE_EQUAL(evidence.devices.size(), 1U);
    BOOST_TEST((evidence.devices.front().arch == Arch::blackwell));
}

BOOST_AUTO_TEST_CASE(cc_mode_off_is_refused_and_nvml_is_shut_down) {
    const FakeNvml fake("cc_off", 2);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "confidential computing (CC mode) is off on this machine");
    const std::vector<std::string> expected{"init", "shutdown"};
    BOOST_TEST(fake.calls() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_gpu_without_cc_support_is_refused) {
    const FakeNvml fake("cc_not_supported", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "confidential computing is not supported by this driver or GPU "
                          "(nvmlSystemGetConfComputeState: Not Supported (NVML code 3))");
}

BOOST_AUTO_TEST_CASE(no_gpu_is_refused) {
    const FakeNvml fake("ok", 0);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "no NVIDIA GPU found");
    const std::vector<std::string> expected{"init", "shutdown"};
    BOOST_TEST(fake.calls() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failing_gpu_is_named_with_nvmls_error) {
    const FakeNvml fake("one_fails", 3);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_IO);
    BOOST_TEST(message == "GPU 1: nvmlDeviceGetConfComputeGpuAttestationReport failed: GPU is "
                          "lost (NVML code 15)");
    // GPU 2 was not asked; NVML was shut down all the same.
    const auto calls = fake.calls();
    BOOST_REQUIRE_EQUAL(calls.size(), 4U);
    BOOST_TEST(calls[1].rfind("report 0 ", 0) == 0U);
    BOOST_TEST(calls[2].rfind("report 1 ", 0) == 0U);
    BOOST_TEST(calls[3] == "shutdown");
}

BOOST_AUTO_TEST_CASE(a_gpu_of_another_architecture_is_refused) {
    const FakeNvml fake("ampere", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "GPU 0 is of NVML architecture 7 (Ampere), which has no confidential "
                          "computing attestation (Hopper or Blackwell needed)");
}

BOOST_AUTO_TEST_CASE(an_oversized_report_is_refused_without_reading_past_the_buffer) {
    const FakeNvml fake("oversized_report", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_IO);
    BOOST_TEST(message ==
               "GPU 0: NVML claims an attestation report of 4294967280 bytes in its 8192-byte "
               "buffer");
}

BOOST_AUTO_TEST_CASE(an_oversized_chain_is_refused) {
    const FakeNvml fake("oversized_chain", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_IO);
    BOOST_TEST(message ==
               "GPU 0: NVML claims a certificate chain of 5121 bytes in its 5120-byte buffer");
}

BOOST_AUTO_TEST_CASE(an_empty_chain_is_refused) {
    const FakeNvml fake("empty_chain", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_IO);
    BOOST_TEST(message == "GPU 0: NVML returned no attestation certificate chain");
}

BOOST_AUTO_TEST_CASE(a_chain_that_is_not_pem_is_refused) {
    const FakeNvml fake("bad_chain", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_IO);
    const std::string prefix = "GPU 0's attestation certificate chain";
    BOOST_TEST(message.rfind(prefix, 0) == 0U, message);
}

BOOST_AUTO_TEST_CASE(a_missing_library_means_no_device) {
    const auto [status, message] = refused(nvml_config("libccattest-no-such-nvml.so.1"));
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    const std::string prefix = "NVIDIA management library libccattest-no-such-nvml.so.1 not found "
                               "(no GPU driver): ";
    BOOST_TEST(message.rfind(prefix, 0) == 0U, message);
    BOOST_TEST(message.size() > prefix.size()); // dlopen's reason follows
}

BOOST_AUTO_TEST_CASE(a_library_that_is_not_nvml_means_no_device) {
    // A loadable library without NVML's functions (the C library) stands for a broken install.
    const auto [status, message] = refused(nvml_config("libc.so.6"));
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "NVIDIA management library libc.so.6 lacks nvmlInit_v2 (a driver "
                          "without confidential computing support, older than release 535?)");
}

BOOST_AUTO_TEST_CASE(a_driver_without_cc_functions_names_the_missing_one) {
    const FakeNvml fake("ok", 1);
    const auto [status, message] = refused(nvml_config(FAKE_NVML_PRE_CC));
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "NVIDIA management library " + std::string(FAKE_NVML_PRE_CC) +
                              " lacks nvmlSystemGetConfComputeState (a driver without "
                              "confidential computing support, older than release 535?)");
    BOOST_TEST(fake.calls().empty()); // refused before nvmlInit_v2
}

BOOST_AUTO_TEST_CASE(a_driver_that_is_not_loaded_means_no_device) {
    const FakeNvml fake("no_driver", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "nvmlInit_v2 failed: Driver Not Loaded (NVML code 9)");
    BOOST_TEST(fake.calls().empty()); // no shutdown without a start
}

BOOST_AUTO_TEST_CASE(protected_pcie_without_nscq_is_refused) {
    const FakeNvml fake("ppcie", 1);
    const auto [status, message] = refused(nvml_config());
    BOOST_TEST(status == CCATTEST_E_NO_DEVICE);
    BOOST_TEST(message == "protected-PCIe mode is on, but NVIDIA's NVSwitch library "
                          "libccattest-no-such-nscq.so.2 is not found; set include_switches to "
                          "false to attest the GPUs alone");
}

BOOST_AUTO_TEST_CASE(protected_pcie_with_nscq_says_switches_are_not_supported_yet) {
    const FakeNvml fake("ppcie", 1);
    SourceConfig config = nvml_config();
    config.nscq_library = FAKE_NVML; // any loadable library stands for NSCQ being present
    const auto [status, message] = refused(config);
    BOOST_TEST(status == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(message == "NVSwitch attestation through NSCQ is not supported yet (protected-PCIe "
                          "mode is on); set include_switches to false to attest the GPUs alone");
}

BOOST_AUTO_TEST_CASE(protected_pcie_gpus_alone_when_switches_are_left_out) {
    const FakeNvml fake("ppcie", 2);
    SourceConfig config = nvml_config();
    config.include_switches = false;
    const Evidence evidence = generate(config);
    BOOST_REQUIRE_EQUAL(evidence.devices.size(), 2U);
    check_real_gpu(evidence.devices.back());
}

BOOST_AUTO_TEST_CASE(concurrent_attestations_each_load_their_own_nvml) {
    ::setenv("FAKE_NVML_MODE", "ok", 1);
    ::setenv("FAKE_NVML_GPUS", "2", 1);
    std::vector<size_t> device_counts(4);
    std::vector<std::string> errors(device_counts.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < device_counts.size(); ++i) {
        threads.emplace_back([&, i] {
            try {
                for (int round = 0; round < 5; ++round) {
                    device_counts[i] += generate(nvml_config()).devices.size();
                }
            } catch (const std::exception &e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    ::unsetenv("FAKE_NVML_MODE");
    ::unsetenv("FAKE_NVML_GPUS");
    for (size_t i = 0; i < device_counts.size(); ++i) {
        BOOST_TEST(errors[i].empty(), errors[i]);
        BOOST_TEST(device_counts[i] == 10U);
    }
}

BOOST_AUTO_TEST_CASE(source_none_generates_nothing) {
    SourceConfig config;
    config.source = "none";
    const auto [status, message] = refused(config);
    BOOST_TEST(status == CCATTEST_E_UNSUPPORTED);
    BOOST_TEST(message == "this instance generates no evidence (source none)");
}

BOOST_AUTO_TEST_CASE(an_unknown_source_is_a_config_error) {
    SourceConfig config;
    config.source = "nvlink";
    const auto [status, message] = refused(config);
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "unknown evidence source \"nvlink\" (auto, nvml, simulator or none)");
}

BOOST_AUTO_TEST_CASE(the_simulator_source_needs_its_block) {
    SourceConfig config;
    config.source = "simulator";
    const auto [status, message] = refused(config);
    BOOST_TEST(status == CCATTEST_E_CONFIG);
    BOOST_TEST(message == "source \"simulator\" needs a simulator block");
}

BOOST_AUTO_TEST_CASE(the_simulator_source_binds_the_nonce_on_every_device) {
    SourceConfig config;
    config.source = "simulator";
    config.simulator.emplace();
    config.simulator->state_dir = fs::path(GPU_SIM_STATE) / "sources";
    config.simulator->device_count = 2;
    const Evidence evidence = generate(config);
    BOOST_REQUIRE_EQUAL(evidence.devices.size(), 2U);
    const auto data = request_data();
    for (const auto &device : evidence.devices) {
        BOOST_TEST((device.kind == DeviceKind::gpu));
        BOOST_TEST((device.arch == Arch::hopper));
        BOOST_REQUIRE_GE(device.report.size(), 36U);
        BOOST_TEST(hex(std::span(device.report).subspan(4, 32)) == hex(std::span(data).first(32)));
        BOOST_TEST(device.certificates.size() == 5U);
    }
}

BOOST_AUTO_TEST_SUITE_END()
