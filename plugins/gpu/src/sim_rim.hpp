// Simulator side of RIMs: a SWID tag in NVIDIA's RIM shape, signed with a real enveloped XML
// signature (xmlsec1: exclusive-free C14N 1.1, ECDSA-SHA384, the signing chain in KeyInfo), so
// the verifier's rim.hpp checks it exactly as it checks NVIDIA's.
#pragma once

#include "rim.hpp"

#include <ccattest/support/crypto.hpp>

#include <openssl/evp.h>

#include <string>
#include <vector>

namespace ccattest::gpu {

struct RimSpec {
    std::string tag_id;
    std::string name;    ///< "GH100"
    std::string version; ///< colloquialVersion
    std::string product; ///< "GH100"
    std::string edition; ///< "GPU" / "VBIOS"
    std::string manufacturer = "NVIDIA Corporation (SIMULATED)";
    std::vector<RimMeasurement> measurements; ///< index, active, alternatives, size
};

/// The RIM's XML bytes, signed by `signer` whose chain (leaf first, root last) goes in KeyInfo.
/// Throws sdk::failure(CCATTEST_E_INTERNAL) when xmlsec fails.
support::Bytes make_signed_rim(const RimSpec &spec, EVP_PKEY *signer,
                               const std::vector<support::Certificate> &chain);

} // namespace ccattest::gpu
