// DCAP collateral documents: TDX TCB info (PCS v4, `tcbInfo` with id "TDX", version 3) and the
// TD quoting enclave's identity (`enclaveIdentity` with id "TD_QE", version 2), decoded strictly
// from their JSON, with the exact bytes their signature covers.
//
// A document is {"tcbInfo"|"enclaveIdentity": {...}, "signature": "<128 hex digits>"}: the
// signature is ECDSA P-256 r||s over the exact bytes of the first member's value as they appear in
// the document (no re-serialization), made with the key of the TCB-signing certificate.
#pragma once

#include "tcb.hpp"

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ccattest::tdx {

inline constexpr size_t max_collateral_json_size = size_t{1} << 20U;

/// What every signed collateral document has.
struct SignedDocument {
    support::Bytes signed_body;          ///< the exact bytes of the body member's value
    std::array<uint8_t, 64> signature{}; ///< r||s
    int64_t issue_date = 0;              ///< seconds since the epoch
    int64_t next_update = 0;
    std::string issue_date_text; ///< as written, e.g. "2023-06-18T11:16:49Z"
    std::string next_update_text;
    int64_t tcb_evaluation_data_number = 0;
};

struct TcbInfo : SignedDocument {
    std::string id; ///< "TDX" (an "SGX" TCB info is refused by the verifier, not the parser)
    int version = 0;
    std::array<uint8_t, 6> fmspc{};
    std::array<uint8_t, 2> pce_id{};
    int tcb_type = 0;
    std::optional<TdxModule> tdx_module;
    std::vector<TdxModuleIdentity> tdx_module_identities;
    std::vector<TcbLevel> levels; ///< in document order (highest first, as Intel publishes)
};

struct QeIdentity : SignedDocument {
    std::string id; ///< "TD_QE"
    int version = 0;
    uint32_t miscselect = 0;
    uint32_t miscselect_mask = 0;
    std::array<uint8_t, 16> attributes{};
    std::array<uint8_t, 16> attributes_mask{};
    std::array<uint8_t, 32> mrsigner{};
    uint16_t isvprodid = 0;
    std::vector<QeTcbLevel> levels;
};

/// Decode a TCB info / QE identity document. Throws sdk::failure(CCATTEST_E_MALFORMED) naming
/// `what`, the member and the problem: not the {body, signature} shape, a duplicate member
/// anywhere, a member missing or of the wrong type, hex of the wrong length or case-mixed
/// garbage, a date that is not RFC 3339 UTC, a TCB status name Intel does not define, an SVN
/// outside its range, a component list not of 16 entries, and documents over
/// max_collateral_json_size. Unknown members are ignored (Intel adds members over time).
TcbInfo parse_tcb_info(std::span<const uint8_t> json, const std::string &what);
QeIdentity parse_qe_identity(std::span<const uint8_t> json, const std::string &what);

/// Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) naming `what` unless `signer`'s P-256 key
/// signed the document's body bytes.
void verify_document_signature(const SignedDocument &document, const support::Certificate &signer,
                               const std::string &what);

/// Throws sdk::failure(CCATTEST_E_EXPIRED) naming `what` and both dates when `when` is before the
/// issue date or after nextUpdate.
void check_document_window(const SignedDocument &document, int64_t when, const std::string &what);

} // namespace ccattest::tdx
