// NVIDIA's management library (NVML) as this plugin uses it: loaded at run time with dlopen, so
// the plugin loads and verifies on machines without a GPU driver, and never linked.
//
// The declarations below are the part of NVML's C interface the GPU source calls, written out
// here because no NVIDIA header is available at build time. Every function returns an NVML status
// (0 is success); nvmlErrorString turns one into text. The structures are NVML's exactly (plain
// `unsigned int` and byte arrays, no packing): a caller owns them and NVML fills them in.
//
// Attestation with NVML: nvmlSystemGetConfComputeState says whether confidential computing (CC
// mode) is on; for each GPU, nvmlDeviceGetConfComputeGpuCertificate gives its attestation
// certificate chain (PEM text, leaf first, in attestationCertChain) and
// nvmlDeviceGetConfComputeGpuAttestationReport, given a 32-byte nonce in `nonce`, gives the SPDM
// GET_MEASUREMENTS request and signed response (attestationReport, layout in spdm.hpp). The size
// fields are NVML's word for how much of each array it filled; the source never reads beyond the
// array whatever they say.
#pragma once

#include "evidence.hpp"
#include "spdm.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ccattest::gpu::nvml {

using Return = int; ///< NVML status: 0 is success
using Device = void *;

inline constexpr Return success = 0;
inline constexpr Return error_not_supported = 3;
inline constexpr Return error_driver_not_loaded = 9;

/// Architecture codes of nvmlDeviceGetArchitecture.
inline constexpr unsigned arch_hopper = 9;
inline constexpr unsigned arch_blackwell = 10;

/// ccFeature of the system CC state.
inline constexpr unsigned cc_feature_enabled = 1;
/// multiGpuMode of the CC settings: protected PCIe (GPUs and NVSwitches attested together).
inline constexpr unsigned multi_gpu_protected_pcie = 1;

struct ConfComputeSystemState {
    unsigned int environment;    ///< 0 unavailable, 1 simulation, 2 production
    unsigned int cc_feature;     ///< 0 off, 1 on
    unsigned int dev_tools_mode; ///< 0 off, 1 on
};

struct ConfComputeSettings {
    unsigned int version; ///< the caller sets settings_version_1
    unsigned int environment;
    unsigned int cc_feature;
    unsigned int dev_tools_mode;
    unsigned int multi_gpu_mode; ///< 0 none, 1 protected PCIe
};
/// NVML's versioned-structure rule: the structure's size with the version in the top byte.
inline constexpr unsigned int settings_version_1 =
    static_cast<unsigned int>(sizeof(ConfComputeSettings)) | (1U << 24U);

inline constexpr size_t cert_chain_capacity = 0x1000;
inline constexpr size_t attestation_cert_chain_capacity = 0x1400;
struct ConfComputeGpuCertificate {
    unsigned int cert_chain_size;
    unsigned int attestation_cert_chain_size;
    unsigned char cert_chain[cert_chain_capacity];
    unsigned char attestation_cert_chain[attestation_cert_chain_capacity];
};

inline constexpr size_t attestation_report_capacity = 0x2000;
inline constexpr size_t cec_attestation_report_capacity = 0x1000;
struct ConfComputeGpuAttestationReport {
    unsigned int is_cec_attestation_report_present;
    unsigned int attestation_report_size;
    unsigned int cec_attestation_report_size;
    unsigned char nonce[spdm_nonce_size]; ///< input
    unsigned char attestation_report[attestation_report_capacity];
    unsigned char cec_attestation_report[cec_attestation_report_capacity];
};

/// The functions the source calls, resolved from the loaded library.
struct Functions {
    Return (*init)() = nullptr; ///< nvmlInit_v2
    Return (*shutdown)() = nullptr;
    const char *(*error_string)(Return) = nullptr;
    Return (*system_get_conf_compute_state)(ConfComputeSystemState *) = nullptr;
    /// nvmlSystemGetConfComputeSettings: optional (drivers before protected PCIe lack it)
    Return (*system_get_conf_compute_settings)(ConfComputeSettings *) = nullptr;
    Return (*device_get_count)(unsigned int *) = nullptr; ///< nvmlDeviceGetCount_v2
    Return (*device_get_handle_by_index)(unsigned int, Device *) = nullptr; ///< ..._v2
    Return (*device_get_architecture)(Device, unsigned int *) = nullptr;
    Return (*device_get_conf_compute_gpu_certificate)(Device,
                                                      ConfComputeGpuCertificate *) = nullptr;
    Return (*device_get_conf_compute_gpu_attestation_report)(
        Device, ConfComputeGpuAttestationReport *) = nullptr;
};

/// NVML loaded and started for the lifetime of the object: dlopen, every symbol resolved,
/// nvmlInit_v2; the destructor calls nvmlShutdown and dlclose. NVML counts its own starts, so
/// several of these may live at once (one per attestation).
class Session {
public:
    /// Throws sdk::failure: CCATTEST_E_NO_DEVICE when the library is absent, lacks a symbol
    /// (naming it) or finds no driver; CCATTEST_E_IO when nvmlInit_v2 fails otherwise.
    explicit Session(const std::string &library);
    ~Session();
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    [[nodiscard]] const Functions &functions() const noexcept { return functions_; }
    /// "<nvmlErrorString text> (NVML code N)".
    [[nodiscard]] std::string describe(Return status) const;

private:
    void *handle_ = nullptr;
    Functions functions_;
};

/// How the machine's GPUs are set up for confidential computing.
struct CcMode {
    bool cc_on = false;
    bool protected_pcie = false; ///< NVSwitches are part of the trust boundary
};

/// Throws sdk::failure(CCATTEST_E_NO_DEVICE) when neither CC mode nor protected PCIe is on
/// ("confidential computing (CC mode) is off on this machine") or the driver does not offer CC.
CcMode cc_mode(const Session &nvml);

/// Evidence of every GPU, each attested with `nonce`. Throws sdk::failure: CCATTEST_E_NO_DEVICE
/// for no GPU or a GPU of an architecture without attestation (naming its index);
/// CCATTEST_E_IO naming the GPU's index, the NVML call and NVML's error for a GPU that fails, and
/// for a reply that does not fit NVML's own structure or holds no certificate chain.
std::vector<DeviceEvidence> attest_gpus(const Session &nvml,
                                        std::span<const uint8_t, spdm_nonce_size> nonce);

} // namespace ccattest::gpu::nvml
