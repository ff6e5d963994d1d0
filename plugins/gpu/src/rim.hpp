// NVIDIA reference integrity manifests (RIMs): ISO/IEC 19770-2 SWID tags listing the golden
// measurements of a driver or VBIOS, with an enveloped W3C XML signature whose KeyInfo carries the
// signing chain (leaf first) up to NVIDIA's RIM root.
//
// The XML is parsed by libxml2 with no network, no DTD loading, no entity expansion (a DOCTYPE is
// refused outright), size-limited; the signature is verified by xmlsec1 with a key this module
// provides (the chain's verified leaf), never one xmlsec picks itself; exactly one Signature, a
// child of the root, with exactly one Reference URI="" (the whole document) and only the
// enveloped-signature and canonicalization transforms, so the elements read are the elements
// signed.
#pragma once

#include "spdm.hpp"

#include <ccattest/support/crypto.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ccattest::gpu {

inline constexpr size_t max_rim_size = size_t{2} << 20U;

struct RimMeasurement {
    uint32_t index = 0; ///< 0-based (SPDM block index - 1)
    bool active = false;
    std::vector<support::Bytes> alternatives; ///< Hash0, Hash1, ... in order
    size_t size = 0;
    std::string name;
};

class RimDocument; // the parsed XML tree (libxml2), kept for the signature check

struct Rim {
    std::string tag_id;
    std::string name;                                ///< SoftwareIdentity name ("GH100")
    std::string version;                             ///< Meta colloquialVersion ("550.144.03")
    std::string product;                             ///< Meta product
    std::string edition;                             ///< Meta edition
    std::string manufacturer;                        ///< Meta FirmwareManufacturer / Entity name
    std::vector<RimMeasurement> measurements;        ///< ordered by index, each index once
    std::vector<support::Certificate> signing_chain; ///< from KeyInfo, leaf first
    support::Bytes sha256;                           ///< of the XML bytes
    std::shared_ptr<const RimDocument> document;
};

/// Reads a RIM without checking its signature. Throws sdk::failure(CCATTEST_E_MALFORMED) naming
/// what is wrong (not XML, a DOCTYPE, not a SoftwareIdentity, no or several Signature elements, a
/// Resource without index or with a bad hash, a repeated index, no KeyInfo certificate).
Rim parse_rim(std::span<const uint8_t> xml, const std::string &what);

/// The XML signature, checked with `key` (the leaf of the verified signing chain) by xmlsec1.
/// Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) "RIM <id>: XML signature does not verify
/// (<xmlsec reason>)", or for a signature shape outside the rules above.
void verify_rim_signature(const Rim &rim, EVP_PKEY *key);

/// A RIM whose chain reached one of `anchors` at `when` and whose signature verified.
struct VerifiedRim {
    Rim rim;
    support::VerifiedChain chain;
};
/// parse_rim's result checked: the KeyInfo chain to one of `anchors` at `when` (CCATTEST_E_EXPIRED
/// when outside its window), then the signature with the chain's leaf.
VerifiedRim verify_rim(Rim rim, const std::vector<support::Certificate> &anchors, int64_t when,
                       support::ChainCache *cache = nullptr);

/// One index whose value is none of the RIM's alternatives.
struct Mismatch {
    uint32_t index = 0; ///< 0-based, as the RIM numbers it
    std::string rim_id;
    std::vector<std::string> expected; ///< hex of each alternative
    std::string actual;                ///< hex of the report's value ("" when the block is absent)
};

/// Compares every active measurement of `rims` with the report's blocks (block index = RIM index
/// + 1). An index active in two RIMs is a conflict and throws sdk::failure(
/// CCATTEST_E_VERIFICATION_FAILED) naming the index and both RIMs.
std::vector<Mismatch> compare_measurements(const std::vector<const Rim *> &rims,
                                           const std::vector<MeasurementBlock> &blocks);

/// NVIDIA's RIM service ids: "NV_GPU_DRIVER_GH100_550.90.07" style for a driver, and
/// "NV_GPU_VBIOS_<project>_<project sku>_<chip sku>_<VBIOS version upper-case hex without dots>"
/// for a VBIOS (switches: NV_SWITCH_... likewise). `chip` is the chip name the RIM service uses
/// ("GH100", "GB100", "LS10").
std::string driver_rim_id(bool nvswitch, const std::string &chip, const std::string &version);
std::string vbios_rim_id(bool nvswitch, const std::string &project, const std::string &project_sku,
                         const std::string &chip_sku, const std::string &vbios_version);

} // namespace ccattest::gpu
