// A stand-in for NVIDIA's libnvidia-ml.so.1 that the GPU source (plugins/gpu/src/nvml.cpp) loads
// in tests: the NVML functions it calls, answering like a driver would, from NVIDIA's real H100
// report and chain in tests/data/gpu/.
//
// Controlled through the environment, read at every call:
//   FAKE_NVML_MODE  ok (default), cc_off, ppcie (CC off, protected PCIe on), no_driver
//                   (nvmlInit_v2 fails), cc_not_supported, one_fails (GPU 1's report fails),
//                   ampere, blackwell, oversized_report, oversized_chain, empty_chain,
//                   bad_chain (text that is no PEM)
//   FAKE_NVML_GPUS  number of GPUs (default 1)
//   FAKE_NVML_LOG   a file to which each call appends a line: "init", "shutdown",
//                   "report <index> <nonce hex>"
// Every GPU answers with the real report whose request nonce (bytes 4..36) is replaced by the
// nonce it was given, and with the real PEM chain, as NVML returns it.
//
// Built with FAKE_NVML_WITHOUT_CC, it is a driver older than confidential computing: the CC
// functions are missing.
//
// The structures are NVML's, written out here independently of the plugin's nvml.hpp so that a
// mistake in one shows up as a failing test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define FAKE_NVML_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using nvml_return = int;
constexpr nvml_return ok = 0;
constexpr nvml_return invalid_argument = 2;
constexpr nvml_return not_supported = 3;
constexpr nvml_return driver_not_loaded = 9;
constexpr nvml_return gpu_is_lost = 15;
constexpr nvml_return argument_version_mismatch = 25;

struct cc_system_state {
    unsigned int environment;
    unsigned int cc_feature;
    unsigned int dev_tools_mode;
};
struct cc_settings {
    unsigned int version;
    unsigned int environment;
    unsigned int cc_feature;
    unsigned int dev_tools_mode;
    unsigned int multi_gpu_mode;
};
struct gpu_certificate {
    unsigned int cert_chain_size;
    unsigned int attestation_cert_chain_size;
    unsigned char cert_chain[0x1000];
    unsigned char attestation_cert_chain[0x1400];
};
struct gpu_attestation_report {
    unsigned int is_cec_attestation_report_present;
    unsigned int attestation_report_size;
    unsigned int cec_attestation_report_size;
    unsigned char nonce[0x20];
    unsigned char attestation_report[0x2000];
    unsigned char cec_attestation_report[0x1000];
};

// A device handle is the GPU's index plus one (never null).
void *handle_of(unsigned index) {
    return reinterpret_cast<void *>(uintptr_t{index} + 1U);
}
unsigned index_of(void *device) {
    return static_cast<unsigned>(reinterpret_cast<uintptr_t>(device) - 1U);
}

std::string mode() {
    const char *value = std::getenv("FAKE_NVML_MODE");
    return value != nullptr ? value : "ok";
}
bool mode_is(const char *name) {
    return mode() == name;
}

unsigned gpu_count() {
    const char *value = std::getenv("FAKE_NVML_GPUS");
    return value != nullptr ? static_cast<unsigned>(std::strtoul(value, nullptr, 10)) : 1U;
}

void log_line(const std::string &line) {
    const char *file = std::getenv("FAKE_NVML_LOG");
    if (file != nullptr) {
        std::ofstream(file, std::ios::app) << line << "\n";
    }
}

[[maybe_unused]] std::vector<unsigned char> vector_file(const char *name) {
    std::ifstream in(std::string(GPU_VECTORS) + "/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool valid_device(void *device) {
    return device != nullptr && index_of(device) < gpu_count();
}

} // namespace

FAKE_NVML_EXPORT nvml_return nvmlInit_v2() {
    if (mode_is("no_driver")) {
        return driver_not_loaded;
    }
    log_line("init");
    return ok;
}

FAKE_NVML_EXPORT nvml_return nvmlShutdown() {
    log_line("shutdown");
    return ok;
}

FAKE_NVML_EXPORT const char *nvmlErrorString(nvml_return status) {
    switch (status) {
    case ok: return "Success";
    case invalid_argument: return "Invalid Argument";
    case not_supported: return "Not Supported";
    case driver_not_loaded: return "Driver Not Loaded";
    case gpu_is_lost: return "GPU is lost";
    case argument_version_mismatch: return "Argument version mismatch";
    default: return "Unknown Error";
    }
}

FAKE_NVML_EXPORT nvml_return nvmlDeviceGetCount_v2(unsigned int *count) {
    *count = gpu_count();
    return ok;
}

FAKE_NVML_EXPORT nvml_return nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **device) {
    if (index >= gpu_count()) {
        return invalid_argument;
    }
    *device = handle_of(index);
    return ok;
}

FAKE_NVML_EXPORT nvml_return nvmlDeviceGetArchitecture(void *device, unsigned int *arch) {
    if (!valid_device(device)) {
        return invalid_argument;
    }
    *arch = mode_is("ampere") ? 7U : mode_is("blackwell") ? 10U : 9U;
    return ok;
}

#ifndef FAKE_NVML_WITHOUT_CC

FAKE_NVML_EXPORT nvml_return nvmlSystemGetConfComputeState(cc_system_state *state) {
    if (mode_is("cc_not_supported")) {
        return not_supported;
    }
    const bool off = mode_is("cc_off") || mode_is("ppcie");
    *state = cc_system_state{2, off ? 0U : 1U, 0};
    return ok;
}

FAKE_NVML_EXPORT nvml_return nvmlSystemGetConfComputeSettings(cc_settings *settings) {
    if (settings->version != (sizeof(cc_settings) | (1U << 24U))) {
        return argument_version_mismatch;
    }
    const bool ppcie = mode_is("ppcie");
    const bool off = mode_is("cc_off") || ppcie;
    *settings = cc_settings{settings->version, 2, off ? 0U : 1U, 0, ppcie ? 1U : 0U};
    return ok;
}

FAKE_NVML_EXPORT nvml_return nvmlDeviceGetConfComputeGpuCertificate(void *device,
                                                                    gpu_certificate *certificate) {
    if (!valid_device(device)) {
        return invalid_argument;
    }
    const auto chain = vector_file("nvtrust_hopper_cert_chain.pem");
    if (chain.empty() || chain.size() > sizeof certificate->attestation_cert_chain) {
        return invalid_argument; // the test data is missing: let the test see a failure
    }
    std::memset(certificate, 0, sizeof *certificate);
    if (mode_is("empty_chain")) {
        return ok;
    }
    if (mode_is("bad_chain")) {
        const char text[] = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
        std::memcpy(certificate->attestation_cert_chain, text, sizeof text - 1);
        certificate->attestation_cert_chain_size = sizeof text - 1;
        return ok;
    }
    std::memcpy(certificate->attestation_cert_chain, chain.data(), chain.size());
    certificate->attestation_cert_chain_size = static_cast<unsigned int>(chain.size());
    if (mode_is("oversized_chain")) {
        certificate->attestation_cert_chain_size = sizeof certificate->attestation_cert_chain + 1U;
    }
    return ok;
}

FAKE_NVML_EXPORT nvml_return
nvmlDeviceGetConfComputeGpuAttestationReport(void *device, gpu_attestation_report *report) {
    if (!valid_device(device)) {
        return invalid_argument;
    }
    const unsigned index = index_of(device);
    std::string nonce_hex;
    for (const unsigned char byte : report->nonce) {
        nonce_hex += "0123456789abcdef"[byte >> 4U];
        nonce_hex += "0123456789abcdef"[byte & 0xFU];
    }
    log_line("report " + std::to_string(index) + " " + nonce_hex);
    if (mode_is("one_fails") && index == 1) {
        return gpu_is_lost;
    }
    auto answer = vector_file("nvtrust_hopper_report.bin");
    if (answer.size() < 36 || answer.size() > sizeof report->attestation_report) {
        return invalid_argument; // the test data is missing: let the test see a failure
    }
    std::memcpy(answer.data() + 4, report->nonce, sizeof report->nonce);
    std::memcpy(report->attestation_report, answer.data(), answer.size());
    report->attestation_report_size = static_cast<unsigned int>(answer.size());
    report->is_cec_attestation_report_present = 0;
    report->cec_attestation_report_size = 0;
    if (mode_is("oversized_report")) {
        // Far beyond the structure: a caller trusting it would read past the end.
        report->attestation_report_size = 0xFFFFFFF0U;
    }
    return ok;
}

#endif
