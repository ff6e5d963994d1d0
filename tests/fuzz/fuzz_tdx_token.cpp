// Fuzz target: the TDX token decoder (ccattest-tdx-v1 JSON, raw quote, Intel Trust Authority JWT).
// Refusals are sdk::failure(MALFORMED) with a message; a token is accepted only in its one
// spelling, so encode_token writes back exactly the input, and the form matches the first bytes.
#include "evidence.hpp"
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ccattest::tdx::Evidence evidence;
    try {
        evidence = ccattest::tdx::decode_token({data, size});
    } catch (const ccattest::sdk::failure &e) {
        fuzz::require(e.status() == CCATTEST_E_MALFORMED,
                      "decode_token refused with a status other than MALFORMED");
        fuzz::require(!std::string(e.what()).empty(), "decode_token refused without a message");
        return 0;
    }
    const std::string_view input = fuzz::text_of(data, size);
    fuzz::require(ccattest::tdx::encode_token(evidence) == input,
                  "an accepted token is not the text encode_token writes for it");
    switch (evidence.form) {
    case ccattest::tdx::TokenForm::raw_quote:
        fuzz::require(size >= 2 && (data[0] == 4 || data[0] == 5) && data[1] == 0,
                      "raw quote form for bytes that do not start with version 4 or 5");
        break;
    case ccattest::tdx::TokenForm::ita_jwt:
        fuzz::require(input.starts_with("eyJ") && evidence.quote.empty(),
                      "ITA JWT form for a text that does not start with eyJ, or with a quote");
        break;
    case ccattest::tdx::TokenForm::ccattest:
        fuzz::require(input.starts_with('{') && !evidence.quote.empty() && evidence.jwt.empty(),
                      "ccattest form without a JSON object and a quote");
        break;
    }
    return 0;
}
