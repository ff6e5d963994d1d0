// The GPU simulator: SPDM 1.1 GET_MEASUREMENTS exchanges in the byte layout spdm.hpp documents,
// with the opaque data NVIDIA's GPUs send (the real H100 report
// tests/data/gpu/nvtrust_hopper_report.bin gives the fields, their order and sizes), signed by
// each simulated device's attestation leaf (simulator_pki.hpp); the driver and VBIOS RIMs those
// devices match; and OCSP answers for the simulated chains.
//
// Measurements: 64 blocks of SHA-384 digests, derived from (component, chip, version, index) so a
// given driver and VBIOS always measure the same. On GPUs the driver RIM owns indices 7 and
// 21..40 (as NVIDIA's driver RIM tests/data/gpu/nvat_rim_driver_gh100_550.144.03.xml does), the
// VBIOS RIM 1..6 and 8..20; NVSwitches have a VBIOS RIM only, owning 1..40, and report no driver
// version. Indices 0 and 41..63 are active in no RIM and measure zero.
#include "simulator.hpp"
#include "rim.hpp"
#include "sim_rim.hpp"
#include "simulator_pki.hpp"

#include <ccattest/support/sim/state.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace ccattest::gpu {
using sdk::failure;
using support::Bytes;
using support::Certificate;
namespace fs = std::filesystem;

namespace {

constexpr size_t digest_size = 48;
constexpr uint32_t block_count = 64;
constexpr uint8_t dmtf_specification = 0x01;
constexpr uint8_t dmtf_value_type = 0x01; // as NVIDIA's blocks state it
constexpr uint8_t request_signature = 0x01;
constexpr uint8_t all_measurements = 0xFF;
constexpr uint8_t status_unavailable = 0x55; // 'U', as the real report's status bytes
constexpr size_t vbios_version_size = 8;
constexpr size_t max_driver_version_size = 32;
// The driver index whose RIM lists zeros as a second alternative (as NVIDIA's does for 23), and
// the one whose devices report the RIM's second alternative, not its first.
constexpr uint32_t zero_alternative_index = 23;
constexpr uint32_t second_alternative_index = 35;

using Digest = std::array<uint8_t, digest_size>;

enum class Owner { none, driver, vbios };

// NVSwitches have no driver RIM (rim.hpp's driver_rim_id): their VBIOS RIM owns every active
// index.
Owner owner_of(DeviceKind kind, uint32_t index) {
    if (index == 0 || index > 40) {
        return Owner::none;
    }
    if (kind == DeviceKind::gpu && (index == 7 || index >= 21)) {
        return Owner::driver;
    }
    return Owner::vbios;
}

const char *active_indices(DeviceKind kind) {
    return kind == DeviceKind::gpu ? "active in neither simulated RIM (driver: 7 and 21-40; VBIOS: "
                                     "1-6 and 8-20)"
                                   : "not active in the simulated VBIOS RIM (1-40)";
}

void check(bool ok, const char *what) {
    if (!ok) {
        throw failure(CCATTEST_E_INTERNAL,
                      std::string("GPU simulator: ") + what + ": " + support::openssl_error());
    }
}

Digest sha384(std::string_view text) {
    Digest digest{};
    unsigned int length = 0;
    check(EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha384(), nullptr) ==
                  1 &&
              length == digest.size(),
          "SHA-384");
    return digest;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// ---- the config ---------------------------------------------------------------------------------

[[noreturn]] void refuse(const std::string &problem) {
    throw failure(CCATTEST_E_CONFIG, "the GPU simulator " + problem);
}

// "96.00.9f.00.01" as its five bytes.
std::optional<std::array<uint8_t, 5>> parse_vbios_version(const std::string &text) {
    std::array<uint8_t, 5> parts{};
    if (text.size() != 14) {
        return std::nullopt;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0 && text[i * 3 - 1] != '.') {
            return std::nullopt;
        }
        const auto byte = support::parse_hex(std::string_view(text).substr(i * 3, 2));
        if (!byte) {
            return std::nullopt;
        }
        parts[i] = (*byte)[0];
    }
    return parts;
}

bool dotted_version(const std::string &text) {
    if (text.empty() || text.size() > max_driver_version_size || text.front() == '.' ||
        text.back() == '.' || text.find("..") != std::string::npos) {
        return false;
    }
    return std::all_of(
               text.begin(), text.end(),
               [](char c) { return c == '.' || std::isdigit(static_cast<unsigned char>(c)); }) &&
           text.find('.') != std::string::npos;
}

void check_devices(const SimulatorConfig &config) {
    if (config.device_count == 0 || config.device_count > max_devices) {
        refuse("needs 1 to " + std::to_string(max_devices) + " devices, not " +
               std::to_string(config.device_count));
    }
    if (config.kind == DeviceKind::gpu && config.arch == Arch::ls10) {
        refuse("makes GPUs of architecture hopper or blackwell, not ls10 (the NVSwitch "
               "architecture)");
    }
    if (config.kind == DeviceKind::nvswitch && config.arch != Arch::ls10) {
        refuse("makes NVSwitches of architecture ls10 only, not " +
               std::string(arch_name(config.arch)));
    }
}

void check_versions(const SimulatorConfig &config) {
    if (!dotted_version(config.driver_version)) {
        refuse("needs a dotted driver_version (like 570.124.06), not \"" + config.driver_version +
               "\"");
    }
    if (!parse_vbios_version(config.vbios_version)) {
        refuse("needs a vbios_version of five dotted hex bytes (like 96.00.9f.00.01), not \"" +
               config.vbios_version + "\"");
    }
}

void check_mismatches(const SimulatorConfig &config) {
    if (config.mismatch_device && *config.mismatch_device >= config.device_count) {
        refuse("has no device " + std::to_string(*config.mismatch_device) +
               " to mismatch (mismatch_device counts from 0; there are " +
               std::to_string(config.device_count) + " devices)");
    }
    for (const uint32_t index : config.mismatched_indices) {
        if (index >= block_count || owner_of(config.kind, index) == Owner::none) {
            refuse("cannot mismatch index " + std::to_string(index) + ": it is " +
                   active_indices(config.kind));
        }
    }
}

void check_config(const SimulatorConfig &config) {
    check_devices(config);
    check_versions(config);
    check_mismatches(config);
}

// ---- measurements -------------------------------------------------------------------------------

const char *chip_of(const SimulatorConfig &config) {
    return sim::chip_profile(config.arch).chip;
}

// Index `index`'s value for this driver and VBIOS; `variant` "golden" is what the RIM expects.
Digest derived_value(const SimulatorConfig &config, uint32_t index, std::string_view variant) {
    const bool driver = owner_of(config.kind, index) == Owner::driver;
    const std::string text = "ccattest GPU simulator|" + std::string(variant) + "|" +
                             (driver ? "driver|" : "vbios|") + chip_of(config) + "|" +
                             (driver ? config.driver_version : lower(config.vbios_version)) + "|" +
                             std::to_string(index);
    return sha384(text);
}

Digest measured_value(const SimulatorConfig &config, uint32_t index, bool mismatching) {
    if (owner_of(config.kind, index) == Owner::none) {
        return Digest{};
    }
    const bool tampered =
        mismatching && std::find(config.mismatched_indices.begin(), config.mismatched_indices.end(),
                                 index) != config.mismatched_indices.end();
    return derived_value(config, index, tampered ? "tampered" : "golden");
}

std::vector<Bytes> alternatives_of(const SimulatorConfig &config, uint32_t index) {
    const Digest golden = derived_value(config, index, "golden");
    if (index == zero_alternative_index) {
        return {Bytes(golden.begin(), golden.end()), Bytes(digest_size, 0)};
    }
    if (index == second_alternative_index) {
        const Digest other = derived_value(config, index, "alternative");
        return {Bytes(other.begin(), other.end()), Bytes(golden.begin(), golden.end())};
    }
    return {Bytes(golden.begin(), golden.end())};
}

// The firmware measurement the leaf certifies and the opaque data repeats.
Digest fwid_of(const SimulatorConfig &config) {
    return sha384("ccattest GPU simulator|fmc|" + std::string(chip_of(config)) + "|" +
                  lower(config.vbios_version));
}

// ---- the report ---------------------------------------------------------------------------------

void append(Bytes &out, std::span<const uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

void append_u16(Bytes &out, size_t value) {
    out.push_back(static_cast<uint8_t>(value & 0xFFU));
    out.push_back(static_cast<uint8_t>((value >> 8U) & 0xFFU));
}

void append_u24(Bytes &out, size_t value) {
    append_u16(out, value & 0xFFFFU);
    out.push_back(static_cast<uint8_t>((value >> 16U) & 0xFFU));
}

void append_u32(Bytes &out, uint32_t value) {
    std::array<uint8_t, 4> bytes{};
    support::put_u32_le(bytes.data(), value);
    append(out, bytes);
}

void append_u64(Bytes &out, uint64_t value) {
    std::array<uint8_t, 8> bytes{};
    support::put_u64_le(bytes.data(), value);
    append(out, bytes);
}

void append_field(Bytes &out, uint16_t type, std::span<const uint8_t> value) {
    append_u16(out, type);
    append_u16(out, value.size());
    append(out, value);
}

// `text` NUL-padded to `size` bytes (at least one NUL).
Bytes padded(const std::string &text, size_t size) {
    Bytes out(text.begin(), text.end());
    out.resize(std::max(size, text.size() + 1), 0);
    return out;
}

// NVIDIA's VBIOS version field: the first four parts as a little-endian 32-bit word, then the
// fifth ("96.00.9f.00.01" is 00 9f 00 96 01 00 00 00).
Bytes vbios_field(const SimulatorConfig &config) {
    const auto parts = *parse_vbios_version(config.vbios_version);
    Bytes out{parts[3], parts[2], parts[1], parts[0], parts[4]};
    out.resize(vbios_version_size, 0);
    return out;
}

// Per index, how many times it was measured: once when a RIM owns it.
Bytes measurement_counts(DeviceKind kind) {
    Bytes out;
    for (uint32_t index = 0; index < block_count; ++index) {
        append_u32(out, owner_of(kind, index) == Owner::none ? 0 : 1);
    }
    return out;
}

Bytes opaque_data(const SimulatorConfig &config, const sim::Device &device, const Digest &fwid) {
    const sim::ChipProfile &profile = sim::chip_profile(config.arch);
    const std::array<uint8_t, 1> unavailable{status_unavailable};
    Bytes out;
    append_field(out, opaque_type::vbios_version, vbios_field(config));
    append_field(out, opaque_type::board_id, profile.board_id);
    append_field(out, opaque_type::chip_sku, padded(profile.chip_sku, 9));
    append_field(out, opaque_type::chip_sku_mod, padded(profile.chip_sku_mod, 5));
    append_field(out, opaque_type::project, padded(profile.project, 5));
    append_field(out, opaque_type::project_sku, padded(profile.project_sku, 5));
    append_field(out, opaque_type::project_sku_mod, Bytes(2, 0));
    if (config.kind == DeviceKind::nvswitch) {
        // No driver version: a switch's measurements are its firmware's (one VBIOS RIM).
        append_field(out, opaque_type::switch_pdi, device.pdi);
    } else {
        append_field(out, opaque_type::driver_version, padded(config.driver_version, 0));
        Bytes gpu_info;
        append_u64(gpu_info, profile.gpu_info);
        append_field(out, opaque_type::gpu_info, gpu_info);
    }
    append_field(out, opaque_type::msrscnt, measurement_counts(config.kind));
    Bytes cprinfo;
    append_u32(cprinfo, profile.cprinfo);
    append_field(out, opaque_type::cprinfo, cprinfo);
    if (config.kind == DeviceKind::gpu) {
        append_field(out, opaque_type::nvdec0_status, unavailable);
    }
    append_field(out, opaque_type::fwid, fwid);
    append_field(out, opaque_type::protected_pcie_status, unavailable);
    return out;
}

Bytes measurement_record(const SimulatorConfig &config, bool mismatching) {
    Bytes record;
    for (uint32_t index = 0; index < block_count; ++index) {
        const Digest value = measured_value(config, index, mismatching);
        record.push_back(static_cast<uint8_t>(index + 1)); // a RIM's index i is block i + 1
        record.push_back(dmtf_specification);
        append_u16(record, 3 + value.size());
        record.push_back(dmtf_value_type);
        append_u16(record, value.size());
        append(record, value);
    }
    return record;
}

Bytes spdm_report(const SimulatorConfig &config, const sim::Device &device,
                  std::span<const uint8_t, spdm_nonce_size> nonce, const Digest &fwid,
                  bool mismatching) {
    Bytes report{spdm_version_1_1, spdm_get_measurements, request_signature, all_measurements};
    append(report, nonce);
    report.push_back(0); // slot 0
    const Bytes record = measurement_record(config, mismatching);
    const Bytes opaque = opaque_data(config, device, fwid);
    report.insert(report.end(),
                  {spdm_version_1_1, spdm_measurements, 0, 0, static_cast<uint8_t>(block_count)});
    append_u24(report, record.size());
    append(report, record);
    std::array<uint8_t, spdm_nonce_size> responder_nonce{};
    check(RAND_bytes(responder_nonce.data(), static_cast<int>(responder_nonce.size())) == 1,
          "responder nonce");
    append(report, responder_nonce);
    append_u16(report, opaque.size());
    append(report, opaque);
    const auto [r, s] =
        support::ecdsa_sign(device.leaf.key.get(), support::EcdsaAlgorithm::p384_sha384, report);
    append(report, r);
    append(report, s);
    return report;
}

// ---- RIMs and OCSP ------------------------------------------------------------------------------

RimSpec rim_spec(const SimulatorConfig &config, Owner owner) {
    const sim::ChipProfile &profile = sim::chip_profile(config.arch);
    const bool nvswitch = config.kind == DeviceKind::nvswitch;
    RimSpec spec;
    spec.tag_id = owner == Owner::driver
                      ? driver_rim_id(nvswitch, profile.chip, config.driver_version)
                      : vbios_rim_id(nvswitch, profile.project, profile.project_sku,
                                     profile.chip_sku, lower(config.vbios_version));
    spec.name = profile.chip;
    spec.version = owner == Owner::driver ? config.driver_version : lower(config.vbios_version);
    spec.product = profile.chip;
    spec.edition = owner == Owner::vbios ? "VBIOS" : "GPU";
    for (uint32_t index = 0; index < block_count; ++index) {
        RimMeasurement measurement;
        measurement.index = index;
        measurement.active = owner_of(config.kind, index) == owner;
        measurement.alternatives = measurement.active ? alternatives_of(config, index)
                                                      : std::vector<Bytes>{Bytes(digest_size, 0)};
        measurement.size = digest_size;
        measurement.name = "Measurement_" + std::to_string(index);
        spec.measurements.push_back(std::move(measurement));
    }
    return spec;
}

std::vector<Bytes> device_chain_ocsp(const SimulatorConfig &config, const sim::Fleet &fleet,
                                     int64_t now) {
    std::vector<Bytes> responses;
    for (const sim::Device &device : fleet.devices) {
        responses.push_back(
            sim::ocsp_response(device.leaf.certificate, device.identity, config.ocsp_status, now));
        responses.push_back(sim::ocsp_response(device.identity.certificate, fleet.provisioner,
                                               support::OcspStatus::good, now));
    }
    responses.push_back(sim::ocsp_response(fleet.provisioner.certificate, fleet.architecture_ca,
                                           support::OcspStatus::good, now));
    responses.push_back(sim::ocsp_response(fleet.architecture_ca.certificate, fleet.root,
                                           support::OcspStatus::good, now));
    return responses;
}

std::vector<Bytes> rim_chain_ocsp(const fs::path &state_dir, int64_t now) {
    const sim::RimAuthority authority = sim::load_rim_authority(state_dir);
    return {sim::ocsp_response(authority.signer.certificate, authority.ca,
                               support::OcspStatus::good, now),
            sim::ocsp_response(authority.ca.certificate, authority.root, support::OcspStatus::good,
                               now)};
}

} // namespace

Certificate simulated_device_root(const fs::path &state_dir) {
    return sim::load_device_root(state_dir);
}

Certificate simulated_rim_root(const fs::path &state_dir) {
    return sim::load_rim_root(state_dir);
}

Evidence simulate_evidence(const SimulatorConfig &config,
                           std::span<const uint8_t, spdm_nonce_size> nonce, int64_t now) {
    check_config(config);
    const Digest fwid = fwid_of(config);
    const sim::Fleet fleet =
        sim::load_fleet(config.state_dir, config.arch, config.device_count, fwid);
    Evidence evidence;
    evidence.form = TokenForm::ccattest;
    for (size_t index = 0; index < fleet.devices.size(); ++index) {
        const bool mismatching = !config.mismatch_device || *config.mismatch_device == index;
        DeviceEvidence device;
        device.kind = config.kind;
        device.arch = config.arch;
        device.report = spdm_report(config, fleet.devices[index], nonce, fwid, mismatching);
        for (const Certificate &certificate : fleet.chain(index)) {
            device.certificates.push_back(certificate.der());
        }
        evidence.devices.push_back(std::move(device));
    }
    if (config.include_rims) {
        evidence.rims = simulated_rims(config, now);
    }
    if (config.include_ocsp) {
        evidence.ocsp_responses = device_chain_ocsp(config, fleet, now);
        // The RIM chain's answers only with the RIMs: a verifier refuses answers nothing uses.
        for (Bytes &response :
             config.include_rims ? rim_chain_ocsp(config.state_dir, now) : std::vector<Bytes>{}) {
            evidence.ocsp_responses.push_back(std::move(response));
        }
    }
    return evidence;
}

std::vector<Bytes> simulated_rims(const SimulatorConfig &config, int64_t now) {
    check_config(config);
    if (now < sim::rim_signer_not_before || now >= sim::rim_signer_not_after) {
        refuse("cannot sign RIMs at " + support::rfc3339(now) + ": its RIM signer is valid from " +
               support::rfc3339(sim::rim_signer_not_before) + " to " +
               support::rfc3339(sim::rim_signer_not_after));
    }
    const sim::RimAuthority authority = sim::load_rim_authority(config.state_dir);
    const std::vector<Certificate> chain{authority.signer.certificate, authority.ca.certificate,
                                         authority.root.certificate};
    std::vector<Bytes> rims;
    if (config.kind == DeviceKind::gpu) {
        rims.push_back(
            make_signed_rim(rim_spec(config, Owner::driver), authority.signer.key.get(), chain));
    }
    rims.push_back(
        make_signed_rim(rim_spec(config, Owner::vbios), authority.signer.key.get(), chain));
    return rims;
}

Bytes simulated_ocsp_response(const fs::path &state_dir, const Certificate &subject,
                              support::OcspStatus status, int64_t now) {
    return sim::ocsp_response(subject, sim::find_issuer(state_dir, subject), status, now);
}

} // namespace ccattest::gpu
