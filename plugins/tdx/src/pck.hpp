// Intel's SGX extensions of a PCK certificate (the SEQUENCE under OID 1.2.840.113741.1.13.1):
// PPID (.1), TCB (.2: components .2.1-.2.16, PCESVN .2.17, CPUSVN .2.18), PCE-ID (.3), FMSPC (.4),
// SGX type (.5), and, for multi-package platforms, platform instance id (.6) and configuration
// (.7). Parsed with support::DerReader.
#pragma once

#include <ccattest/support/bytes.hpp>
#include <ccattest/support/crypto.hpp>

#include <array>
#include <cstdint>
#include <optional>

namespace ccattest::tdx {

inline constexpr const char *sgx_extensions_oid = "1.2.840.113741.1.13.1";

struct PckExtensions {
    support::Bytes ppid;                      ///< 16 bytes
    std::array<uint8_t, 16> tcb_components{}; ///< SGX TCB component SVNs 1..16
    uint16_t pcesvn = 0;
    std::array<uint8_t, 16> cpusvn{};
    std::array<uint8_t, 2> pce_id{};
    std::array<uint8_t, 6> fmspc{};
    int sgx_type = 0; ///< 0 standard, 1 scalable, 2 scalable with integrity
    std::optional<std::array<uint8_t, 16>> platform_instance_id;
};

/// The SGX extensions of a PCK leaf. Throws sdk::failure(CCATTEST_E_MALFORMED) naming the
/// certificate and the field: the extension missing, a member missing or of the wrong size, a
/// component SVN outside 0..255, PCESVN outside 0..65535, a member twice.
PckExtensions parse_pck_extensions(const support::Certificate &pck);

} // namespace ccattest::tdx
