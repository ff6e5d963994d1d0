// Fuzz target: the CC info wire format (what one site sends another: site, issue time, challenge,
// tokens). ccattest::CcInfo::from_text either accepts the text or throws MalformedEvidence; nothing
// else may escape. What it accepts must round-trip: to_json, serialized, read back by from_text,
// gives equal fields, and writes the same JSON again.
#include "fuzz_support.hpp"

#include "ccattest/core/cc_manager.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::optional<ccattest::CcInfo> info;
    try {
        info = ccattest::CcInfo::from_text(fuzz::text_of(data, size), "fuzz input");
    } catch (const ccattest::MalformedEvidence &) {
        return 0;
    }
    fuzz::require(!info->site.empty(), "accepted CC info with an empty site");
    fuzz::require(info->issued_at >= 0 && info->issued_at <= ccattest::max_issued_at,
                  "accepted CC info with issued_at out of range");
    for (const auto &[ns, token] : info->tokens) {
        fuzz::require(!token.empty(), "accepted an empty token for " + ns);
    }
    const boost::json::value written = info->to_json();
    const std::string text = boost::json::serialize(written);
    const ccattest::CcInfo back = ccattest::CcInfo::from_text(text, "round trip"); // must not throw
    fuzz::require(back.site == info->site, "round trip changed the site");
    fuzz::require(back.issued_at == info->issued_at, "round trip changed issued_at");
    fuzz::require(back.challenge == info->challenge, "round trip changed the challenge");
    fuzz::require(back.tokens == info->tokens, "round trip changed the tokens");
    fuzz::require(back.to_json() == written, "round trip writes different JSON");
    return 0;
}
