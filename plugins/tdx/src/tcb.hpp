// TCB status grading, as Intel's quote verification library does it for TDX: the platform's TCB
// level from the PCK's SGX components and PCESVN and the TD's TEE_TCB_SVN (with the TDX module
// identity), the QE's level from its ISVSVN, and the combined status.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccattest::tdx {

enum class TcbStatus {
    up_to_date,
    sw_hardening_needed,
    configuration_needed,
    configuration_and_sw_hardening_needed,
    out_of_date,
    out_of_date_configuration_needed,
    revoked,
};
/// Intel's spelling: "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
/// "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked".
std::string_view tcb_status_name(TcbStatus status) noexcept;
std::optional<TcbStatus> parse_tcb_status(std::string_view name) noexcept;

struct TcbLevel {
    std::array<uint8_t, 16> sgx_components{};
    uint16_t pcesvn = 0;
    std::array<uint8_t, 16> tdx_components{};
    int64_t tcb_date = 0;
    std::string tcb_date_text;
    TcbStatus status = TcbStatus::up_to_date;
    std::vector<std::string> advisory_ids;
};

struct TdxModule {
    std::array<uint8_t, 48> mrsigner{};
    std::array<uint8_t, 8> attributes{};
    std::array<uint8_t, 8> attributes_mask{};
};

struct ModuleTcbLevel {
    uint8_t isvsvn = 0;
    int64_t tcb_date = 0;
    std::string tcb_date_text;
    TcbStatus status = TcbStatus::up_to_date;
    std::vector<std::string> advisory_ids;
};

struct TdxModuleIdentity {
    std::string id; ///< "TDX_" and the module's major version as two hex digits, e.g. "TDX_03"
    TdxModule module;
    std::vector<ModuleTcbLevel> levels;
};

struct QeTcbLevel {
    uint16_t isvsvn = 0;
    int64_t tcb_date = 0;
    std::string tcb_date_text;
    TcbStatus status = TcbStatus::up_to_date;
    std::vector<std::string> advisory_ids;
};

/// What the grading reads from the evidence.
struct PlatformTcb {
    std::array<uint8_t, 16> pck_components{};            ///< SGX TCB components of the PCK
    uint16_t pcesvn = 0;                                 ///< of the PCK
    std::array<uint8_t, 16> tee_tcb_svn{};               ///< of the TD report
    std::optional<std::array<uint8_t, 16>> tee_tcb_svn2; ///< TD report 1.5
    std::array<uint8_t, 48> mr_signer_seam{};
    std::array<uint8_t, 8> seam_attributes{};
};

/// A graded status with what it rests on.
struct Grade {
    TcbStatus status = TcbStatus::up_to_date;
    std::vector<std::string> advisory_ids;
    std::string tcb_date; ///< the matched level's tcbDate as written
};

struct TcbInfo; // collateral.hpp
struct QeIdentity;
struct EnclaveReport; // quote.hpp

/// The platform's grade: the first level (document order) whose SGX components and PCESVN the PCK
/// meets and whose TDX components the TEE TCB SVN meets, converged with the TDX module identity's
/// level. Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) with the reason when no level
/// matches, the module's signer or attributes do not match the TCB info, or the matched status
/// is Revoked.
Grade grade_platform(const TcbInfo &tcb_info, const PlatformTcb &platform);

/// The QE's grade: its identity (MRSIGNER, ISVPRODID, MISCSELECT and attributes under their masks)
/// must match the QE report, then the first level whose ISVSVN the report meets. Throws
/// sdk::failure(CCATTEST_E_VERIFICATION_FAILED) when the identity does not match, no level
/// matches, or the level is Revoked.
Grade grade_qe(const QeIdentity &identity, const EnclaveReport &qe_report);

/// The combined status of a platform and its QE (a QE out of date makes the platform out of
/// date; the advisory ids of both are kept, in order, without duplicates; tcb_date is the older of
/// the two). Throws sdk::failure(CCATTEST_E_VERIFICATION_FAILED) when either is Revoked (the
/// graders above never return Revoked).
Grade combine(const Grade &platform, const Grade &qe);

} // namespace ccattest::tdx
