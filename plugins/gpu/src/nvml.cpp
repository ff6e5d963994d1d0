#include "nvml.hpp"

#include <ccattest/support/crypto.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <memory>

namespace ccattest::gpu::nvml {
using sdk::failure;
using support::Bytes;

namespace {

// A device chain in a token holds 2..8 certificates (evidence.hpp); NVML's has 5.
constexpr size_t min_chain_certificates = 2;
constexpr size_t max_chain_certificates = 8;

template <typename Function>
void resolve(void *handle, const std::string &library, const char *symbol, Function &target) {
    // POSIX lets a data pointer from dlsym be converted to a function pointer.
    void *address = ::dlsym(handle, symbol);
    if (address == nullptr) {
        throw failure(CCATTEST_E_NO_DEVICE, "NVIDIA management library " + library + " lacks " +
                                                symbol +
                                                " (a driver without confidential computing "
                                                "support, older than release 535?)");
    }
    target = reinterpret_cast<Function>(address);
}

void resolve_all(void *handle, const std::string &library, Functions &f) {
    resolve(handle, library, "nvmlInit_v2", f.init);
    resolve(handle, library, "nvmlShutdown", f.shutdown);
    resolve(handle, library, "nvmlErrorString", f.error_string);
    resolve(handle, library, "nvmlSystemGetConfComputeState", f.system_get_conf_compute_state);
    resolve(handle, library, "nvmlDeviceGetCount_v2", f.device_get_count);
    resolve(handle, library, "nvmlDeviceGetHandleByIndex_v2", f.device_get_handle_by_index);
    resolve(handle, library, "nvmlDeviceGetArchitecture", f.device_get_architecture);
    resolve(handle, library, "nvmlDeviceGetConfComputeGpuCertificate",
            f.device_get_conf_compute_gpu_certificate);
    resolve(handle, library, "nvmlDeviceGetConfComputeGpuAttestationReport",
            f.device_get_conf_compute_gpu_attestation_report);
    if (void *settings = ::dlsym(handle, "nvmlSystemGetConfComputeSettings")) {
        f.system_get_conf_compute_settings =
            reinterpret_cast<decltype(f.system_get_conf_compute_settings)>(settings);
    }
}

std::string architecture_name(unsigned code) {
    switch (code) {
    case 2: return "Kepler";
    case 3: return "Maxwell";
    case 4: return "Pascal";
    case 5: return "Volta";
    case 6: return "Turing";
    case 7: return "Ampere";
    case 8: return "Ada";
    default: return "unknown";
    }
}

std::string gpu_name(unsigned index) {
    return "GPU " + std::to_string(index);
}

// A failed NVML call for one GPU.
[[noreturn]] void device_failed(const Session &nvml, unsigned index, const char *call,
                                Return status) {
    throw failure(CCATTEST_E_IO,
                  gpu_name(index) + ": " + call + " failed: " + nvml.describe(status));
}

Arch architecture(const Session &nvml, unsigned index, Device device) {
    unsigned code = 0;
    const Return status = nvml.functions().device_get_architecture(device, &code);
    if (status != success) {
        device_failed(nvml, index, "nvmlDeviceGetArchitecture", status);
    }
    if (code == arch_hopper) {
        return Arch::hopper;
    }
    if (code == arch_blackwell) {
        return Arch::blackwell;
    }
    throw failure(CCATTEST_E_NO_DEVICE,
                  gpu_name(index) + " is of NVML architecture " + std::to_string(code) + " (" +
                      architecture_name(code) +
                      "), which has no confidential computing attestation (Hopper or "
                      "Blackwell needed)");
}

// The attestation chain as DER certificates, leaf first (NVML's order).
std::vector<Bytes> certificate_chain(const Session &nvml, unsigned index, Device device) {
    // About 9 KiB: on the heap rather than the stack.
    const auto reply = std::make_unique<ConfComputeGpuCertificate>();
    const Return status =
        nvml.functions().device_get_conf_compute_gpu_certificate(device, reply.get());
    if (status != success) {
        device_failed(nvml, index, "nvmlDeviceGetConfComputeGpuCertificate", status);
    }
    const size_t size = reply->attestation_cert_chain_size;
    if (size > sizeof reply->attestation_cert_chain) {
        throw failure(CCATTEST_E_IO, gpu_name(index) + ": NVML claims a certificate chain of " +
                                         std::to_string(size) + " bytes in its " +
                                         std::to_string(sizeof reply->attestation_cert_chain) +
                                         "-byte buffer");
    }
    std::span<const uint8_t> text(reply->attestation_cert_chain, size);
    // A C string's terminator may be counted in the size.
    while (!text.empty() && text.back() == 0) {
        text = text.first(text.size() - 1);
    }
    if (text.empty()) {
        throw failure(CCATTEST_E_IO, gpu_name(index) + ": NVML returned no attestation "
                                                       "certificate chain");
    }
    std::vector<Bytes> chain;
    try {
        for (const auto &certificate : support::Certificate::parse_bundle(
                 text, gpu_name(index) + "'s attestation certificate chain")) {
            chain.push_back(certificate.der());
        }
    } catch (const failure &e) {
        throw failure(CCATTEST_E_IO, e.what());
    }
    if (chain.size() < min_chain_certificates || chain.size() > max_chain_certificates) {
        throw failure(CCATTEST_E_IO, gpu_name(index) + ": NVML returned a certificate chain of " +
                                         std::to_string(chain.size()) +
                                         " certificates (2 to 8 expected)");
    }
    return chain;
}

Bytes attestation_report(const Session &nvml, unsigned index, Device device,
                         std::span<const uint8_t, spdm_nonce_size> nonce) {
    // About 12 KiB: on the heap rather than the stack.
    const auto reply = std::make_unique<ConfComputeGpuAttestationReport>();
    std::copy(nonce.begin(), nonce.end(), std::begin(reply->nonce));
    const Return status =
        nvml.functions().device_get_conf_compute_gpu_attestation_report(device, reply.get());
    if (status != success) {
        device_failed(nvml, index, "nvmlDeviceGetConfComputeGpuAttestationReport", status);
    }
    const size_t size = reply->attestation_report_size;
    if (size == 0 || size > sizeof reply->attestation_report) {
        throw failure(CCATTEST_E_IO, gpu_name(index) + ": NVML claims an attestation report of " +
                                         std::to_string(size) + " bytes in its " +
                                         std::to_string(sizeof reply->attestation_report) +
                                         "-byte buffer");
    }
    return {std::begin(reply->attestation_report), std::begin(reply->attestation_report) + size};
}

DeviceEvidence attest_gpu(const Session &nvml, unsigned index,
                          std::span<const uint8_t, spdm_nonce_size> nonce) {
    Device device = nullptr;
    const Return status = nvml.functions().device_get_handle_by_index(index, &device);
    if (status != success) {
        device_failed(nvml, index, "nvmlDeviceGetHandleByIndex_v2", status);
    }
    DeviceEvidence evidence;
    evidence.kind = DeviceKind::gpu;
    evidence.arch = architecture(nvml, index, device);
    evidence.certificates = certificate_chain(nvml, index, device);
    evidence.report = attestation_report(nvml, index, device, nonce);
    return evidence;
}

} // namespace

Session::Session(const std::string &library) {
    handle_ = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        const char *reason = ::dlerror();
        throw failure(CCATTEST_E_NO_DEVICE, "NVIDIA management library " + library +
                                                " not found (no GPU driver): " +
                                                (reason != nullptr ? reason : "dlopen failed"));
    }
    try {
        resolve_all(handle_, library, functions_);
        const Return status = functions_.init();
        if (status != success) {
            throw failure(status == error_driver_not_loaded ? CCATTEST_E_NO_DEVICE : CCATTEST_E_IO,
                          "nvmlInit_v2 failed: " + describe(status));
        }
    } catch (...) {
        ::dlclose(handle_);
        throw;
    }
}

Session::~Session() {
    // Nothing to do about a failing shutdown: the evidence (or the error) is already decided.
    (void)functions_.shutdown();
    ::dlclose(handle_);
}

std::string Session::describe(Return status) const {
    const char *text = functions_.error_string(status);
    return std::string(text != nullptr ? text : "unknown error") + " (NVML code " +
           std::to_string(status) + ")";
}

CcMode cc_mode(const Session &nvml) {
    ConfComputeSystemState state{};
    Return status = nvml.functions().system_get_conf_compute_state(&state);
    if (status == error_not_supported) {
        throw failure(CCATTEST_E_NO_DEVICE,
                      "confidential computing is not supported by this driver or GPU "
                      "(nvmlSystemGetConfComputeState: " +
                          nvml.describe(status) + ")");
    }
    if (status != success) {
        throw failure(CCATTEST_E_IO,
                      "nvmlSystemGetConfComputeState failed: " + nvml.describe(status));
    }
    CcMode mode;
    mode.cc_on = state.cc_feature == cc_feature_enabled;
    if (nvml.functions().system_get_conf_compute_settings != nullptr) {
        ConfComputeSettings settings{};
        settings.version = settings_version_1;
        status = nvml.functions().system_get_conf_compute_settings(&settings);
        // Only protected PCIe needs the settings; a driver that cannot say is not in that mode.
        mode.protected_pcie =
            status == success && settings.multi_gpu_mode == multi_gpu_protected_pcie;
    }
    if (!mode.cc_on && !mode.protected_pcie) {
        throw failure(CCATTEST_E_NO_DEVICE,
                      "confidential computing (CC mode) is off on this machine");
    }
    return mode;
}

std::vector<DeviceEvidence> attest_gpus(const Session &nvml,
                                        std::span<const uint8_t, spdm_nonce_size> nonce) {
    unsigned count = 0;
    const Return status = nvml.functions().device_get_count(&count);
    if (status != success) {
        throw failure(CCATTEST_E_IO, "nvmlDeviceGetCount_v2 failed: " + nvml.describe(status));
    }
    if (count == 0) {
        throw failure(CCATTEST_E_NO_DEVICE, "no NVIDIA GPU found");
    }
    if (count > max_devices) {
        throw failure(CCATTEST_E_IO, "NVML reports " + std::to_string(count) +
                                         " GPUs; a token carries at most " +
                                         std::to_string(max_devices) + " devices");
    }
    std::vector<DeviceEvidence> devices;
    devices.reserve(count);
    for (unsigned index = 0; index < count; ++index) {
        devices.push_back(attest_gpu(nvml, index, nonce));
    }
    return devices;
}

} // namespace ccattest::gpu::nvml
