// One device's certificate chain as the verifier uses it: decoded once (the leaf's FWID, the
// architecture and identity the chain names) and checked level by level, each problem with its own
// reason: too few certificates, a missing leaf (no FWID extension), a missing intermediate, a root
// that is not trusted; then the signatures and validity to the pinned NVIDIA Device Identity CA.
#pragma once

#include "evidence.hpp"

#include <ccattest/support/crypto.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ccattest::gpu {

struct DeviceChain {
    std::vector<support::Certificate> certificates; ///< leaf first, as carried
    std::optional<support::Bytes> fwid;             ///< the leaf's FWID (TCG DICE extension)
    std::optional<Arch> arch;                       ///< from the chain's names (GH100, GB10x, LS10)
    std::string chip;    ///< the chip the names give ("GH100"), "" when none
    std::string hwmodel; ///< the leaf's issuer: the device identity ("GH100 A01 GSP BROM")
    std::string ueid;    ///< the leaf's serial number, in decimal
};

/// Decodes a chain (DER certificates, leaf first) and checks its shape: at least two certificates,
/// the leaf carrying a FWID, each certificate issued (by name) by the next. Throws
/// sdk::failure(CCATTEST_E_VERIFICATION_FAILED) with the reason, CCATTEST_E_MALFORMED for a
/// certificate that does not parse.
DeviceChain decode_device_chain(std::vector<support::Certificate> certificates);

/// The FWID digest of a TCG DICE extension's value: NVIDIA's {version, key, FWID} sequence or the
/// DICE TcbInfo's fwids [6] list (the first FWID). nullopt when it holds none.
std::optional<support::Bytes> fwid_of_extension(std::span<const uint8_t> extension);

/// The architecture a chip name stands for ("GH100" -> hopper, "GB100"/"GB10x" -> blackwell,
/// "LS10" -> ls10); nullopt for another.
std::optional<Arch> arch_of_chip(const std::string &chip);

/// The chip name the RIM service uses for `arch` when the chain names none.
std::string default_chip(Arch arch);

} // namespace ccattest::gpu
