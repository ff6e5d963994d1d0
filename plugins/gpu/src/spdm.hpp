// NVIDIA device attestation reports: an SPDM 1.1 GET_MEASUREMENTS request followed by the
// MEASUREMENTS response (DMTF DSP0274), as NVIDIA GPUs (Hopper, Blackwell) and NVSwitches (LS10)
// return them, with NVIDIA's opaque data (a type-length-value list) inside the response.
//
// Layout (all integers little-endian):
//   request  (37 bytes): version 0x11, code 0xE0, param1 attributes (bit 0: signature requested),
//                        param2 measurement operation (0xFF: all blocks), nonce (32), slot id (1)
//   response:            version 0x11, code 0x60, param1, param2 (slot id in bits 0..3),
//                        number of blocks (1), measurement record length (3, 24-bit),
//                        record: blocks of {index (1), specification (1), size (2),
//                                           DMTF value type (1), value size (2), value},
//                        responder nonce (32), opaque length (2), opaque data,
//                        signature (96: ECDSA P-384 r||s, big-endian)
//   anything after the signature is not signed: ignored and counted.
// The signature covers request || response up to (not including) the signature.
#pragma once

#include <ccattest/support/bytes.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ccattest::gpu {

inline constexpr size_t spdm_nonce_size = 32;
inline constexpr size_t spdm_request_size = 37;
inline constexpr size_t spdm_signature_size = 96;
inline constexpr uint8_t spdm_version_1_1 = 0x11;
inline constexpr uint8_t spdm_get_measurements = 0xE0;
inline constexpr uint8_t spdm_measurements = 0x60;
inline constexpr size_t max_report_size = size_t{64} << 10U;

/// NVIDIA's opaque data field types (the "type" of each type-length-value entry).
namespace opaque_type {
inline constexpr uint16_t cert_issuer_name = 1;
inline constexpr uint16_t cert_authority_key_identifier = 2;
inline constexpr uint16_t driver_version = 3;
inline constexpr uint16_t gpu_info = 4;
inline constexpr uint16_t sku = 5;
inline constexpr uint16_t vbios_version = 6;
inline constexpr uint16_t manufacturer_id = 7;
inline constexpr uint16_t tamper_detection = 8;
inline constexpr uint16_t smc = 9;
inline constexpr uint16_t vpr = 10;
inline constexpr uint16_t nvdec0_status = 11;
inline constexpr uint16_t msrscnt = 12;
inline constexpr uint16_t cprinfo = 13;
inline constexpr uint16_t board_id = 14;
inline constexpr uint16_t chip_sku = 15;
inline constexpr uint16_t chip_sku_mod = 16;
inline constexpr uint16_t project = 17;
inline constexpr uint16_t project_sku = 18;
inline constexpr uint16_t project_sku_mod = 19;
inline constexpr uint16_t fwid = 20;
inline constexpr uint16_t protected_pcie_status = 21;
inline constexpr uint16_t switch_pdi = 22;
inline constexpr uint16_t floorswept_ports = 23;
inline constexpr uint16_t position_id = 24;
inline constexpr uint16_t lock_switch_status = 25;
inline constexpr uint16_t gpu_link_conn = 32;
inline constexpr uint16_t sys_enable_status = 33;
inline constexpr uint16_t opaque_data_version = 34;
inline constexpr uint16_t chip_info = 35;
inline constexpr uint16_t feature_flag = 36;
} // namespace opaque_type

/// "driver_version", "vbios_version", ... for a known type; "type_<n>" otherwise.
std::string opaque_type_name(uint16_t type);

struct OpaqueField {
    uint16_t type = 0;
    support::Bytes value;
};

/// The opaque data, every entry kept in order, and the known ones decoded (strings without their
/// NUL padding; the VBIOS version as "96.00.9f.00.01").
struct OpaqueData {
    std::vector<OpaqueField> fields;
    std::optional<std::string> driver_version;
    std::optional<std::string> vbios_version;
    std::optional<std::string> project;
    std::optional<std::string> project_sku;
    std::optional<std::string> project_sku_mod;
    std::optional<std::string> chip_sku;
    std::optional<std::string> chip_sku_mod;
    std::optional<std::string> sku;
    std::optional<support::Bytes> board_id;
    std::optional<support::Bytes> fwid;
    std::optional<uint32_t> opaque_data_version;
    std::optional<uint8_t> nvdec0_status;
    std::optional<uint8_t> protected_pcie_status;
    std::optional<support::Bytes> switch_pdi;
    /// The first field of `type`, or nullptr.
    [[nodiscard]] const OpaqueField *find(uint16_t type) const noexcept;
};

/// One measurement block with its DMTF measurement.
struct MeasurementBlock {
    uint8_t index = 0;         ///< 1..254 (a RIM's index i is block index i + 1)
    uint8_t specification = 0; ///< bit 0: DMTF
    uint8_t value_type = 0;    ///< DMTFSpecMeasurementValueType (bit 7: raw bit stream)
    support::Bytes value;      ///< the digest (48 bytes on Hopper) or raw value
};

struct SpdmReport {
    // Request.
    uint8_t request_attributes = 0;
    uint8_t measurement_operation = 0;
    std::array<uint8_t, spdm_nonce_size> nonce{};
    uint8_t slot_id = 0;
    // Response.
    uint8_t response_param1 = 0;
    uint8_t response_param2 = 0;
    std::vector<MeasurementBlock> blocks;
    std::array<uint8_t, spdm_nonce_size> responder_nonce{};
    support::Bytes opaque; ///< the opaque data as sent
    OpaqueData opaque_data;
    /// request || response without the signature: what the signature covers.
    support::Bytes signed_bytes;
    std::array<uint8_t, spdm_signature_size> signature{};
    size_t trailing_bytes = 0; ///< unsigned bytes after the signature (ignored)
    size_t request_size = spdm_request_size;
};

/// Parses request and response, every length checked against what remains. Throws
/// sdk::failure(CCATTEST_E_MALFORMED) naming the field, its offset and the problem: wrong version
/// or code, no signature requested, a record length that disagrees with its blocks or runs past
/// the end, a block size that disagrees with its DMTF value size, a repeated block index, an
/// opaque entry running past its data, a report over max_report_size.
SpdmReport parse_spdm_report(std::span<const uint8_t> report);

} // namespace ccattest::gpu
