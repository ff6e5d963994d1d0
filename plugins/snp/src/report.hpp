// The SEV-SNP ATTESTATION_REPORT (AMD publication 56860): parsing with every reserved field
// checked, TCB decoding per product line, and the normalized claims.
#pragma once

#include <ccattest/support/bytes.hpp>

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ccattest::snp {

inline constexpr size_t report_size = 0x4A0;
inline constexpr size_t signed_size = 0x2A0; // the signature covers bytes [0, 0x2A0)

enum class Product { milan, genoa, turin };
enum class SigningKey { vcek, vlek, none };

std::string_view product_name(Product product);  ///< "milan"
std::string_view product_title(Product product); ///< "Milan" (as in AMD certificate names)
std::optional<Product> product_from_name(std::string_view name); ///< "milan", "Milan-B0", "Genoa"
/// From the report's CPUID family and model (v3+): family 19h models 00-0F Milan, 10-1F and A0-AF
/// Genoa (incl. Bergamo/Siena), family 1Ah models 00-11 Turin.
std::optional<Product> product_from_cpuid(uint8_t family, uint8_t model);
std::string_view signing_key_name(SigningKey key);

/// A decoded TCB_VERSION. Milan/Genoa: byte0 BL, byte1 TEE, byte6 SNP, byte7 microcode.
/// Turin: byte0 FMC, byte1 BL, byte2 TEE, byte3 SNP, byte7 microcode.
struct Tcb {
    uint64_t raw = 0;
    uint8_t bootloader = 0;
    uint8_t tee = 0;
    uint8_t snp = 0;
    uint8_t microcode = 0;
    std::optional<uint8_t> fmc;
};
Tcb decode_tcb(uint64_t raw, Product product);
uint64_t encode_tcb(const Tcb &tcb, Product product);
boost::json::object tcb_claims(const Tcb &tcb);
/// A raw TCB_VERSION as 16 hex digits (how the collateral folder and the simulator name files).
std::string tcb_hex(uint64_t raw);

/// Every field of a report, copied out of the raw bytes (kept alongside for the signature).
struct Report {
    std::array<uint8_t, report_size> raw{};
    uint32_t version = 0;
    uint32_t guest_svn = 0;
    uint64_t policy = 0;
    std::array<uint8_t, 16> family_id{};
    std::array<uint8_t, 16> image_id{};
    uint32_t vmpl = 0;
    uint32_t signature_algo = 0;
    uint64_t current_tcb = 0;
    uint64_t platform_info = 0;
    bool author_key_en = false;
    bool mask_chip_key = false;
    SigningKey signing_key = SigningKey::vcek;
    std::array<uint8_t, 64> report_data{};
    std::array<uint8_t, 48> measurement{};
    std::array<uint8_t, 32> host_data{};
    std::array<uint8_t, 48> id_key_digest{};
    std::array<uint8_t, 48> author_key_digest{};
    std::array<uint8_t, 32> report_id{};
    std::array<uint8_t, 32> report_id_ma{};
    uint64_t reported_tcb = 0;
    std::optional<std::array<uint8_t, 3>> cpuid; ///< family, model, stepping (v3+)
    std::array<uint8_t, 64> chip_id{};
    uint64_t committed_tcb = 0;
    uint8_t current_build = 0, current_minor = 0, current_major = 0;
    uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
    uint64_t launch_tcb = 0;
    std::optional<uint64_t> launch_mit_vector;  ///< v5
    std::optional<uint64_t> current_mit_vector; ///< v5
    std::array<uint8_t, 48> signature_r{};      ///< big-endian
    std::array<uint8_t, 48> signature_s{};      ///< big-endian
};

/// Parses exactly 0x4A0 bytes of report versions 2 to 5. Throws sdk::failure(CCATTEST_E_MALFORMED)
/// naming the field for a wrong size, an unsupported version or algorithm, a non-zero reserved
/// field, or an invalid policy/key bit.
Report parse_report(std::span<const uint8_t> bytes);

/// The evidence_digest claim: SHA-256 of the bytes the AMD secure processor signed (0x000-0x29F),
/// so every encoding of one report (any token form, any carried certificates, s or n-s in its
/// ECDSA signature) has one digest. The core keys its replay store by it.
std::array<uint8_t, 32> evidence_digest(const Report &report);

/// The product line a report states (v3+ CPUID), if any.
std::optional<Product> report_product(const Report &report);

/// The normalized claims of a verified report (README: "Claims").
boost::json::object report_claims(const Report &report, Product product);

} // namespace ccattest::snp
