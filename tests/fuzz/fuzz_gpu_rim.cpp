// Fuzz target: the NVIDIA RIM reader (before any signature check), then the XML signature check
// with a fixed key on what it accepts.
//
// Properties: parse_rim refuses with sdk::failure(MALFORMED) saying "RIM fuzz: " only; an accepted
// RIM has its measurements in strictly increasing index order, each with at least one 48-byte
// alternative, a signing chain, and the SHA-256 of the input; reading it again gives the same
// result; its signature check with a key that signed nothing refuses with VERIFICATION_FAILED
// only (never INTERNAL, never success).
#include "fuzz_support.hpp"
#include "rim.hpp"

#include <ccattest/support/crypto.hpp>
#include <ccattest/support/sim/state.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

using ccattest::sdk::failure;
using namespace ccattest::gpu;

EVP_PKEY *unrelated_key() {
    static const ccattest::support::PkeyPtr key =
        ccattest::support::generate_key(ccattest::support::KeyKind::p384);
    return key.get();
}

void check_accepted(const Rim &rim, std::span<const uint8_t> input) {
    fuzz::require(!rim.measurements.empty() && !rim.signing_chain.empty(),
                  "an accepted RIM has measurements and a signing chain");
    for (size_t i = 0; i < rim.measurements.size(); ++i) {
        const RimMeasurement &measurement = rim.measurements[i];
        fuzz::require(i == 0 || rim.measurements[i - 1].index < measurement.index,
                      "measurements are in strictly increasing index order");
        fuzz::require(!measurement.alternatives.empty(), "each measurement has an alternative");
        for (const auto &value : measurement.alternatives) {
            fuzz::require(value.size() == 48, "each alternative is a SHA-384 digest");
        }
    }
    const auto digest = ccattest::support::sha256(input);
    fuzz::require(rim.sha256 == ccattest::support::Bytes(digest.begin(), digest.end()),
                  "sha256 is the input's");
    const Rim again = parse_rim(input, "fuzz");
    fuzz::require(again.version == rim.version && again.tag_id == rim.tag_id &&
                      again.measurements.size() == rim.measurements.size() &&
                      again.signing_chain.size() == rim.signing_chain.size(),
                  "reading again gives the same RIM");
    try {
        verify_rim_signature(rim, unrelated_key());
        fuzz::finding("a RIM verified with a key that signed nothing");
    } catch (const failure &e) {
        fuzz::require(e.status() == CCATTEST_E_VERIFICATION_FAILED,
                      std::string("signature refusal is not VERIFICATION_FAILED: ") + e.what());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::span<const uint8_t> input(data, size);
    try {
        check_accepted(parse_rim(input, "fuzz"), input);
    } catch (const failure &e) {
        fuzz::require(e.status() == CCATTEST_E_MALFORMED,
                      std::string("refusal status is not MALFORMED: ") + e.what());
        fuzz::require(std::string_view(e.what()).starts_with("RIM fuzz: "),
                      std::string("refusal does not say \"RIM fuzz: \": ") + e.what());
    }
    return 0;
}
