#include "device_chain.hpp"

#include "trust.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <memory>

namespace ccattest::gpu {
using sdk::failure;
using support::Certificate;

namespace {

// NVIDIA's claims give the leaf's serial number in decimal as the device's unique id (the real H100
// chain of tests/data/gpu: 478176379286082186618948445787393647364802107249).
std::string serial_decimal(const Certificate &certificate) {
    const ASN1_INTEGER *serial = X509_get0_serialNumber(certificate.get());
    const std::unique_ptr<BIGNUM, decltype(&BN_free)> number(ASN1_INTEGER_to_BN(serial, nullptr),
                                                             &BN_free);
    if (!number) {
        return {};
    }
    char *text = BN_bn2dec(number.get());
    if (text == nullptr) {
        return {};
    }
    std::string out(text);
    OPENSSL_free(text);
    return out;
}

bool issued_by_name(const Certificate &subject, const Certificate &issuer) {
    return X509_NAME_cmp(X509_get_issuer_name(subject.get()),
                         X509_get_subject_name(issuer.get())) == 0;
}

bool self_issued(const Certificate &certificate) {
    return issued_by_name(certificate, certificate);
}

void check_count(const std::vector<Certificate> &certificates) {
    if (certificates.empty()) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "device certificate chain is empty: a raw SPDM report needs the config's "
                      "certificate_files");
    }
    if (certificates.size() == 1 && self_issued(certificates.front())) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "device certificate chain has only the root (" +
                          support::describe_certificate(certificates.front()) +
                          "): it needs the signing certificate and its issuers");
    }
    if (certificates.size() < 2) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "device certificate chain has " + std::to_string(certificates.size()) +
                          " certificates, needs at least the leaf and the root");
    }
}

void check_links(const std::vector<Certificate> &certificates) {
    for (size_t i = 0; i + 1 < certificates.size(); ++i) {
        if (!issued_by_name(certificates[i], certificates[i + 1])) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "device certificate chain: the issuer \"" + certificates[i].issuer_cn() +
                              "\" of " + support::describe_certificate(certificates[i]) +
                              " is missing (a missing intermediate: the next certificate is " +
                              support::describe_certificate(certificates[i + 1]) + ")");
        }
    }
    if (!self_issued(certificates.back())) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "device certificate chain ends in " +
                          support::describe_certificate(certificates.back()) +
                          ", which is no root: its issuer \"" + certificates.back().issuer_cn() +
                          "\" is missing (a missing intermediate or root)");
    }
}

// The first word of a CN that names a chip ("GH100 A01 GSP FMC LF" -> "GH100").
std::string chip_of(const std::vector<Certificate> &certificates) {
    for (const auto &certificate : certificates) {
        const std::string cn = certificate.subject_cn();
        for (size_t start = 0; start < cn.size();) {
            const size_t end = std::min(cn.find(' ', start), cn.size());
            std::string word = cn.substr(start, end - start);
            if (arch_of_chip(word)) {
                return word;
            }
            start = end + 1;
        }
    }
    return {};
}

// One FWID: SEQUENCE { hashAlg OID, digest OCTET STRING }; nullopt for another sequence.
std::optional<support::Bytes> fwid_of_sequence(std::span<const uint8_t> contents) {
    support::DerReader fwid(contents, "FWID extension, FWID");
    if (fwid.at_end() || fwid.peek_tag("hashAlg") != support::der_tag::object_identifier) {
        return std::nullopt;
    }
    (void)fwid.oid("hashAlg");
    const auto digest = fwid.octet_string("digest");
    fwid.expect_end("digest");
    return support::Bytes(digest.begin(), digest.end());
}

} // namespace

std::optional<Arch> arch_of_chip(const std::string &chip) {
    if (chip == "GH100") {
        return Arch::hopper;
    }
    if (chip.size() == 5 && chip.starts_with("GB10")) {
        return Arch::blackwell;
    }
    if (chip == "LS10") {
        return Arch::ls10;
    }
    return std::nullopt;
}

std::string default_chip(Arch arch) {
    switch (arch) {
    case Arch::hopper: return "GH100";
    case Arch::blackwell: return "GB100";
    case Arch::ls10: return "LS10";
    }
    return {};
}

std::optional<support::Bytes> fwid_of_extension(std::span<const uint8_t> extension) {
    support::DerReader outer(extension, "FWID extension");
    support::DerReader members = outer.enter("TcbInfo");
    outer.expect_end("TcbInfo");
    while (!members.at_end()) {
        const support::DerElement member = members.next("member");
        if (member.tag == support::der_tag::sequence) {
            if (auto fwid = fwid_of_sequence(member.contents)) {
                return fwid;
            }
        } else if (member.tag == support::der_tag::context(6)) {
            support::DerReader list(member.contents, "FWID extension, fwids");
            if (!list.at_end()) {
                return fwid_of_sequence(list.expect(support::der_tag::sequence, "FWID").contents);
            }
        }
    }
    return std::nullopt;
}

DeviceChain decode_device_chain(std::vector<Certificate> certificates) {
    check_count(certificates);
    DeviceChain chain;
    const auto extension = certificates.front().extension(dice_tcb_info_oid);
    if (!extension) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "signing certificate has no FWID extension: the chain's leaf is missing? (" +
                          support::describe_certificate(certificates.front()) +
                          " is first in the chain)");
    }
    chain.fwid = fwid_of_extension(*extension);
    if (!chain.fwid) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "signing certificate's FWID extension holds no FWID");
    }
    check_links(certificates);
    chain.chip = chip_of(certificates);
    chain.arch = arch_of_chip(chain.chip);
    chain.hwmodel = certificates[1].subject_cn();
    chain.ueid = serial_decimal(certificates.front());
    chain.certificates = std::move(certificates);
    return chain;
}

} // namespace ccattest::gpu
