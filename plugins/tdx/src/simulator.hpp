// The TDX simulator: a software emulation of a TDX platform and Intel's provisioning services,
// clearly labelled. It keeps a simulated Intel root, PCK Platform CA, PCK leaf (with Intel's SGX
// extensions), TCB-signing certificate and QE attestation key in a state folder (under
// <state_dir>/tdx/), signs quotes v4 and v5 (TD report bodies 1.0 and 1.5) exactly in the hardware
// format, and signs TCB info and QE identity JSON exactly as PCS does, graded to the status the
// configuration asks for. Verifiers trust it only with allow_simulated.
#pragma once

#include "evidence.hpp"
#include "quote.hpp"
#include "tcb.hpp"
#include "trust.hpp"

#include <ccattest/support/crypto.hpp>

#include <array>
#include <filesystem>
#include <span>
#include <vector>

namespace ccattest::tdx {

struct SimulatorConfig {
    std::filesystem::path state_dir;
    uint16_t quote_version = 4;     ///< 4 or 5
    BodyKind body = BodyKind::td10; ///< td15 needs quote_version 5
    Bytes48 mr_td{};
    Bytes48 mr_config_id{};
    Bytes48 mr_owner{};
    Bytes48 mr_owner_config{};
    Bytes48 mr_seam{};
    Bytes48 mr_service_td{};
    std::array<Bytes48, 4> rtmr{};
    uint64_t td_attributes = 0x10000000; ///< SEPT_VE_DISABLE; bit 0 is DEBUG
    uint64_t xfam = 0x61be7;
    std::array<uint8_t, 16> tee_tcb_svn{3, 0, 4};  ///< byte 1: TDX module major version
    std::array<uint8_t, 16> tee_tcb_svn2{3, 0, 4}; ///< TD 1.5 only
    std::array<uint8_t, 16> sgx_components{3, 3, 2, 2, 2, 1, 0, 2};
    uint16_t pcesvn = 11;
    uint16_t qe_isvsvn = 4;
    /// What the collateral grades this platform and its QE as.
    TcbStatus tcb_status = TcbStatus::up_to_date;
    TcbStatus qe_tcb_status = TcbStatus::up_to_date;
    bool include_collateral = true; ///< carry TCB info, QE identity, signer and CRLs in the token
    bool revoke_pck = false;        ///< the PCK CRL lists the PCK leaf
    int64_t collateral_lifetime_s = int64_t{30} * 86400; ///< nextUpdate - issueDate
};

/// The simulator's Intel root, created in <state_dir>/tdx/ on first use and written as PEM to
/// simulated_root_file(state_dir) (trust.hpp, defined in trust.cpp; do not define it here), the
/// file a verifier with allow_simulated trusts.
support::Certificate simulated_root(const std::filesystem::path &state_dir);

/// A signed quote binding report_data, with its collateral (issued at `now` - 1 day) when the
/// config includes it. Throws sdk::failure(CCATTEST_E_CONFIG) for an impossible config (TD 1.5
/// body in a v4 quote), CCATTEST_E_IO for an unusable state folder.
Evidence simulate_evidence(const SimulatorConfig &config, std::span<const uint8_t, 64> report_data,
                           int64_t now);

} // namespace ccattest::tdx
