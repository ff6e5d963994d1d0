// Fuzz target: the x-nv-gpu token decoder (ccattest-gpu-v1 JSON, NVIDIA's evidence JSON, raw SPDM
// report, NRAS detached EAT, RIM document). Refusals are sdk::failure(MALFORMED) with a message;
// a ccattest token is accepted only in its one spelling (encode_token writes back exactly the
// input), and so are the forms kept as they are (raw report, EAT, RIM); NVIDIA's JSON, when its
// devices can be written as a ccattest token, decodes from that token to the same devices.
#include "evidence.hpp"
#include "fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

namespace gpu = ccattest::gpu;

bool same_devices(const gpu::Evidence &a, const gpu::Evidence &b) {
    if (a.devices.size() != b.devices.size()) {
        return false;
    }
    for (size_t i = 0; i < a.devices.size(); ++i) {
        const auto &x = a.devices[i];
        const auto &y = b.devices[i];
        if (x.kind != y.kind || x.arch != y.arch || x.report != y.report ||
            x.certificates != y.certificates) {
            return false;
        }
    }
    return a.rims == b.rims && a.ocsp_responses == b.ocsp_responses;
}

// NVIDIA's JSON is written as a ccattest token, which holds only chains of 2 to 8 certificates
// and a stated architecture; anything else encode_token refuses with INVALID_ARGUMENT.
void check_nvidia(const gpu::Evidence &evidence) {
    std::string token;
    try {
        token = gpu::encode_token(evidence);
    } catch (const ccattest::sdk::failure &e) {
        fuzz::require(e.status() == CCATTEST_E_INVALID_ARGUMENT,
                      std::string("encode_token refused with another status: ") + e.what());
        return;
    }
    gpu::Evidence again;
    try {
        again = gpu::decode_token({reinterpret_cast<const uint8_t *>(token.data()), token.size()});
    } catch (const ccattest::sdk::failure &e) {
        fuzz::finding(std::string("a token encode_token wrote is refused: ") + e.what());
    }
    fuzz::require(again.form == gpu::TokenForm::ccattest && same_devices(evidence, again),
                  "NVIDIA evidence written as a ccattest token decodes to other devices");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gpu::Evidence evidence;
    try {
        evidence = gpu::decode_token({data, size});
    } catch (const ccattest::sdk::failure &e) {
        fuzz::require(e.status() == CCATTEST_E_MALFORMED,
                      std::string("decode_token refused with a status other than MALFORMED: ") +
                          e.what());
        fuzz::require(!std::string(e.what()).empty(), "decode_token refused without a message");
        return 0;
    }
    const std::string_view input = fuzz::text_of(data, size);
    switch (evidence.form) {
    case gpu::TokenForm::nvidia_evidence: check_nvidia(evidence); return 0;
    case gpu::TokenForm::raw_spdm:
        fuzz::require(size >= 2 && data[0] == 0x11 && data[1] == 0xE0 &&
                          evidence.devices.size() == 1 && evidence.devices[0].certificates.empty(),
                      "raw SPDM form for bytes that do not start 0x11 0xe0, or not one device");
        break;
    case gpu::TokenForm::nras_eat:
    case gpu::TokenForm::rim_document:
        fuzz::require(evidence.text == input && evidence.devices.empty(),
                      "an EAT or RIM document is not kept as it is");
        break;
    case gpu::TokenForm::ccattest:
        fuzz::require(input.starts_with('{') && !evidence.devices.empty(),
                      "ccattest form without a JSON object and a device");
        break;
    }
    fuzz::require(gpu::encode_token(evidence) == input,
                  "an accepted token is not the text encode_token writes for it");
    return 0;
}
