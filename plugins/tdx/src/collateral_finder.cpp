#include "collateral_finder.hpp"

#include <ccattest/support/files.hpp>

#include <algorithm>

namespace ccattest::tdx {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::Crl;
namespace fs = std::filesystem;

namespace {

constexpr size_t max_collateral_file = size_t{1} << 20U;
constexpr size_t max_collateral_files = 256;

// Intel's PCS sends the chain of a signed document's issuer beside it, URL-encoded PEM, in these
// response headers.
constexpr const char *tcb_info_chain_header = "TCB-Info-Issuer-Chain";
constexpr const char *qe_identity_chain_header = "SGX-Enclave-Identity-Issuer-Chain";
constexpr const char *pck_crl_chain_header = "SGX-PCK-CRL-Issuer-Chain";

bool starts_with_member(const Bytes &bytes, std::string_view member) {
    const std::string prefix = "{\"" + std::string(member) + "\"";
    auto first = std::find_if(bytes.begin(), bytes.end(), [](uint8_t c) {
        return c != ' ' && c != '\n' && c != '\r' && c != '\t';
    });
    return static_cast<size_t>(bytes.end() - first) >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), first);
}

std::string base_url(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

// Which PCK CA issued a PCK: Intel names two, and PCS serves each one's CRL by that name.
std::string pck_ca_parameter(const Certificate &issuer) {
    const std::string name = issuer.subject_cn();
    if (name.find("Processor") != std::string::npos) {
        return "processor";
    }
    return "platform";
}

std::vector<fs::path> expand(const std::vector<fs::path> &paths) {
    std::vector<fs::path> files;
    for (const auto &path : paths) {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            std::vector<fs::path> inside;
            for (const auto &entry : fs::directory_iterator(path, ec)) {
                if (entry.is_regular_file(ec)) {
                    inside.push_back(entry.path());
                }
            }
            if (ec) {
                throw failure(CCATTEST_E_CONFIG,
                              "collateral folder " + path.string() + ": " + ec.message());
            }
            std::sort(inside.begin(), inside.end()); // a stable order for messages and choices
            files.insert(files.end(), inside.begin(), inside.end());
        } else {
            files.push_back(path);
        }
        if (files.size() > max_collateral_files) {
            throw failure(CCATTEST_E_CONFIG, "more than " + std::to_string(max_collateral_files) +
                                                 " collateral files");
        }
    }
    return files;
}

// The configured document `wanted` accepts with the highest TCB evaluation number (the most
// recent Intel issued), or nullptr.
template <typename Document, typename Wanted>
const Found<Document> *newest_of(const std::vector<Found<Document>> &configured,
                                 const Wanted &wanted) {
    const Found<Document> *newest = nullptr;
    for (const auto &candidate : configured) {
        if (wanted(*candidate.item) &&
            (newest == nullptr || candidate.item->tcb_evaluation_data_number >
                                      newest->item->tcb_evaluation_data_number)) {
            newest = &candidate;
        }
    }
    return newest;
}

} // namespace

std::string_view collateral_origin_name(CollateralOrigin origin) noexcept {
    switch (origin) {
    case CollateralOrigin::token: return "token";
    case CollateralOrigin::configured: return "configured";
    case CollateralOrigin::cache: return "cache";
    case CollateralOrigin::network: return "network";
    }
    return "unknown";
}

CollateralFinder::CollateralFinder(const std::vector<fs::path> &files,
                                   const support::CollateralSource &network, std::string pcs_url,
                                   std::string root_crl_url)
    : network_(network), pcs_url_(base_url(std::move(pcs_url))),
      root_crl_url_(std::move(root_crl_url)) {
    for (const auto &file : expand(files)) {
        try {
            classify(support::read_file(file, max_collateral_file), file.string());
        } catch (const failure &e) {
            throw failure(CCATTEST_E_CONFIG, std::string("collateral: ") + e.what());
        }
    }
}

void CollateralFinder::classify(const Bytes &bytes, const std::string &file) {
    if (starts_with_member(bytes, "tcbInfo")) {
        tcb_infos_.push_back({decode_tcb_info(bytes, "TCB info " + file),
                              CollateralOrigin::configured,
                              "TCB info " + file,
                              {},
                              {}});
        return;
    }
    if (starts_with_member(bytes, "enclaveIdentity")) {
        qe_identities_.push_back({decode_qe_identity(bytes, "QE identity " + file),
                                  CollateralOrigin::configured,
                                  "QE identity " + file,
                                  {},
                                  {}});
        return;
    }
    support::X509Objects objects;
    try {
        objects = support::parse_x509_objects(bytes, file);
    } catch (const failure &e) {
        throw failure(CCATTEST_E_CONFIG,
                      file + " is not a TCB info, QE identity, certificate or CRL (" + e.what() +
                          ")");
    }
    certificates_.insert(certificates_.end(), objects.certificates.begin(),
                         objects.certificates.end());
    for (auto &crl : objects.crls) {
        crls_.push_back({std::make_shared<const Crl>(std::move(crl)),
                         CollateralOrigin::configured,
                         "CRL " + file,
                         {},
                         {}});
    }
}

std::shared_ptr<const TcbInfo> CollateralFinder::decode_tcb_info(const Bytes &bytes,
                                                                 const std::string &what) const {
    return tcb_infos_decoded_.get(
        bytes, [&](std::span<const uint8_t> data) { return parse_tcb_info(data, what); });
}

std::shared_ptr<const QeIdentity>
CollateralFinder::decode_qe_identity(const Bytes &bytes, const std::string &what) const {
    return qe_identities_decoded_.get(
        bytes, [&](std::span<const uint8_t> data) { return parse_qe_identity(data, what); });
}

template <typename Item, typename Decode>
Lookup<Item> CollateralFinder::fetch(const std::string &url, const std::string &what,
                                     const char *chain_header, const Decode &decode) const {
    support::CollateralQuery query;
    query.what = what;
    query.url = url;
    support::CollateralLookup lookup = network_.find(query);
    if (!lookup.item) {
        return {std::nullopt, std::move(lookup.miss_reason), lookup.miss_status};
    }
    const support::CollateralItem &item = *lookup.item;
    Found<Item> found;
    found.origin = item.provenance == support::Provenance::cache ? CollateralOrigin::cache
                                                                 : CollateralOrigin::network;
    found.what = what + " from " + url;
    found.url = url;
    found.item = decode(item.data, found.what);
    if (chain_header != nullptr) {
        if (const auto chain = item.header(chain_header)) {
            const std::string pem =
                support::percent_decode(*chain, found.what + " " + chain_header);
            found.issuer_chain = Certificate::parse_bundle(
                {reinterpret_cast<const uint8_t *>(pem.data()), pem.size()},
                found.what + " " + chain_header);
        }
    }
    return {std::move(found), {}, CCATTEST_OK};
}

Lookup<TcbInfo> CollateralFinder::tcb_info(const Evidence &evidence,
                                           const std::array<uint8_t, 6> &fmspc,
                                           bool may_fetch) const {
    if (evidence.collateral.tcb_info) {
        return {Found<TcbInfo>{decode_tcb_info(*evidence.collateral.tcb_info, "token TCB info"),
                               CollateralOrigin::token,
                               "token TCB info",
                               {},
                               {}},
                {},
                CCATTEST_OK};
    }
    if (const auto *newest =
            newest_of(tcb_infos_, [&](const TcbInfo &info) { return info.fmspc == fmspc; })) {
        return {*newest, {}, CCATTEST_OK};
    }
    if (!may_fetch) {
        return {};
    }
    const std::string url = pcs_url_ + "/tdx/certification/v4/tcb?fmspc=" + support::to_hex(fmspc);
    return fetch<TcbInfo>(url, "TCB info", tcb_info_chain_header,
                          [this](const Bytes &bytes, const std::string &what) {
                              return decode_tcb_info(bytes, what);
                          });
}

Lookup<QeIdentity> CollateralFinder::qe_identity(const Evidence &evidence, bool may_fetch) const {
    if (evidence.collateral.qe_identity) {
        return {Found<QeIdentity>{
                    decode_qe_identity(*evidence.collateral.qe_identity, "token QE identity"),
                    CollateralOrigin::token,
                    "token QE identity",
                    {},
                    {}},
                {},
                CCATTEST_OK};
    }
    if (const auto *newest = newest_of(
            qe_identities_, [](const QeIdentity &identity) { return identity.id == "TD_QE"; })) {
        return {*newest, {}, CCATTEST_OK};
    }
    if (!may_fetch) {
        return {};
    }
    return fetch<QeIdentity>(pcs_url_ + "/tdx/certification/v4/qe/identity", "QE identity",
                             qe_identity_chain_header,
                             [this](const Bytes &bytes, const std::string &what) {
                                 return decode_qe_identity(bytes, what);
                             });
}

Lookup<Crl> CollateralFinder::crl(const Evidence &evidence, const Certificate &issuer, bool root,
                                  bool may_fetch) const {
    const auto &carried = root ? evidence.collateral.root_ca_crl : evidence.collateral.pck_crl;
    const char *name = root ? "token root CA CRL" : "token PCK CRL";
    if (carried) {
        return {Found<Crl>{crls_decoded_.get(*carried,
                                             [&](std::span<const uint8_t> data) {
                                                 return Crl::parse(data, name,
                                                                   support::Encoding::der);
                                             }),
                           CollateralOrigin::token,
                           name,
                           {},
                           {}},
                {},
                CCATTEST_OK};
    }
    for (const auto &candidate : crls_) {
        if (candidate.item->names_issuer(issuer)) {
            return {candidate, {}, CCATTEST_OK};
        }
    }
    if (!may_fetch) {
        return {};
    }
    const std::string url =
        root ? root_crl_url_
             : pcs_url_ + "/sgx/certification/v4/pckcrl?ca=" + pck_ca_parameter(issuer) +
                   "&encoding=der";
    return fetch<Crl>(url, root ? "root CA CRL" : "PCK CRL", root ? nullptr : pck_crl_chain_header,
                      [](const Bytes &bytes, const std::string &what) {
                          return std::make_shared<const Crl>(
                              Crl::parse(bytes, what, support::Encoding::der_or_pem));
                      });
}

std::vector<Certificate> CollateralFinder::certificates(const Evidence &evidence) const {
    std::vector<Certificate> out;
    if (evidence.collateral.tcb_signing_certificate) {
        out.push_back(*certificates_decoded_.get(
            *evidence.collateral.tcb_signing_certificate, [](std::span<const uint8_t> data) {
                return Certificate::parse(data, "token TCB-signing certificate",
                                          support::Encoding::der);
            }));
    }
    out.insert(out.end(), certificates_.begin(), certificates_.end());
    return out;
}

void CollateralFinder::keep_until(const std::string &url, int64_t valid_until) const {
    network_.keep_until(url, valid_until);
}

} // namespace ccattest::tdx
