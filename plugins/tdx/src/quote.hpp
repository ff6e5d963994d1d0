// The Intel TDX quote (DCAP quote format, versions 4 and 5) and the SGX enclave report inside it
// (the quoting enclave's report), decoded from bytes with every length checked against the bytes
// present. Decoding checks structure only; verifier.cpp checks the signatures.
//
// Layout (all integers little-endian):
//   header (48 B): version u16, attestation key type u16, TEE type u32, reserved/QE SVN u16,
//     reserved/PCE SVN u16, QE vendor id [16], user data [20];
//   v4: TD report body 1.0 (584 B);  v5: body type u16 (2: TD 1.0, 3: TD 1.5), body size u32, body;
//   signature data size u32, then signature data: ECDSA P-256 signature r||s [64], attestation
//   public key x||y [64], certification data (type u16, size u32, data). Type 6 carries the QE
//   report certification data: QE report [384], its signature r||s [64], QE auth data (size u16,
//   data), and nested certification data (type u16, size u32, data) of type 5: the PCK chain, PEM.
// The quote signature covers header, (v5) body type and size, and body: `signed_part`.
#pragma once

#include <ccattest/support/bytes.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ccattest::tdx {

inline constexpr uint32_t tee_type_tdx = 0x81;
inline constexpr uint16_t attestation_key_ecdsa_p256 = 2;
inline constexpr size_t quote_header_size = 48;
inline constexpr size_t td_report_body_10_size = 584;
inline constexpr size_t td_report_body_15_size = 648;
inline constexpr size_t enclave_report_size = 384;
inline constexpr uint16_t certification_data_pck_chain = 5;
inline constexpr uint16_t certification_data_qe_report = 6;
inline constexpr size_t max_quote_size = size_t{64} << 10U;

using Bytes48 = std::array<uint8_t, 48>;

enum class BodyKind { td10, td15 };

struct TdReportBody {
    std::array<uint8_t, 16> tee_tcb_svn{};
    Bytes48 mr_seam{};
    Bytes48 mr_signer_seam{};
    std::array<uint8_t, 8> seam_attributes{};
    std::array<uint8_t, 8> td_attributes{};
    std::array<uint8_t, 8> xfam{};
    Bytes48 mr_td{};
    Bytes48 mr_config_id{};
    Bytes48 mr_owner{};
    Bytes48 mr_owner_config{};
    std::array<Bytes48, 4> rtmr{};
    std::array<uint8_t, 64> report_data{};
    // TD 1.5 only
    std::optional<std::array<uint8_t, 16>> tee_tcb_svn2;
    std::optional<Bytes48> mr_service_td;
};

/// The SGX enclave report (384 B): cpusvn [16] at 0, miscselect u32 at 16, attributes [16] at 48,
/// mrenclave [32] at 64, mrsigner [32] at 128, isvprodid u16 at 256, isvsvn u16 at 258, report
/// data [64] at 320; the rest reserved.
struct EnclaveReport {
    std::array<uint8_t, 16> cpusvn{};
    uint32_t miscselect = 0;
    std::array<uint8_t, 16> attributes{};
    std::array<uint8_t, 32> mrenclave{};
    std::array<uint8_t, 32> mrsigner{};
    uint16_t isvprodid = 0;
    uint16_t isvsvn = 0;
    std::array<uint8_t, 64> report_data{};
    support::Bytes raw; ///< the 384 bytes the PCK signed
};

struct Quote {
    uint16_t version = 0; ///< 4 or 5
    uint16_t attestation_key_type = 0;
    uint32_t tee_type = 0;
    std::array<uint8_t, 16> qe_vendor_id{};
    std::array<uint8_t, 20> user_data{};
    BodyKind body_kind = BodyKind::td10;
    TdReportBody body;
    support::Bytes signed_part;                ///< header [+ v5 body type and size] + body
    std::array<uint8_t, 64> signature{};       ///< r||s, big-endian each
    std::array<uint8_t, 64> attestation_key{}; ///< P-256 point x||y
    EnclaveReport qe_report;
    std::array<uint8_t, 64> qe_report_signature{};
    support::Bytes qe_auth_data;
    support::Bytes pck_chain_pem; ///< as carried (may end in NUL bytes, which are kept)
    size_t trailing_bytes = 0;    ///< bytes after the signed structure (no signature covers them)
};

/// Decodes a quote. Throws sdk::failure(CCATTEST_E_MALFORMED) naming the field and the problem
/// ("quote: header version 3 is not supported (4 or 5)", "quote: QE auth data (size 40) runs past
/// the end of the QE certification data (12 bytes left)"): versions other than 4 and 5, an
/// attestation key type other than ECDSA P-256, a TEE type other than TDX, a v5 body type other
/// than 2 or 3 or a body size that does not match it, certification data types other than 6 with
/// a nested 5, any length that runs past its enclosing structure, bytes left inside the signature
/// data after the certification data, and quotes over max_quote_size.
Quote parse_quote(std::span<const uint8_t> bytes);

EnclaveReport parse_enclave_report(std::span<const uint8_t, enclave_report_size> bytes);

} // namespace ccattest::tdx
