#include "verifier.hpp"

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <tuple>

namespace ccattest::snp {
using sdk::failure;
using support::Bytes;
using support::Certificate;
using support::to_hex;
namespace fs = std::filesystem;

namespace {

// VCEK/VLEK X.509 extensions (AMD publication 57230).
constexpr const char *oid_product_name = "1.3.6.1.4.1.3704.1.2";
constexpr const char *oid_bl_spl = "1.3.6.1.4.1.3704.1.3.1";
constexpr const char *oid_tee_spl = "1.3.6.1.4.1.3704.1.3.2";
constexpr const char *oid_snp_spl = "1.3.6.1.4.1.3704.1.3.3";
constexpr const char *oid_ucode_spl = "1.3.6.1.4.1.3704.1.3.8";
constexpr const char *oid_fmc_spl = "1.3.6.1.4.1.3704.1.3.9";
constexpr const char *oid_hw_id = "1.3.6.1.4.1.3704.1.4";
constexpr const char *oid_csp_id = "1.3.6.1.4.1.3704.1.5";

constexpr size_t max_collateral_file = size_t{1} << 20U;

constexpr size_t max_cached_leaves = 4096;

// The hardware id a VCEK names: 64 raw bytes (Milan, Genoa), 8 on Turin, or either wrapped in an
// OCTET STRING (newer certificates).
Bytes hardware_id(const Verifier::Leaf &vcek, Product product) {
    if (!vcek.hardware_id) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, "VCEK has no hardware id extension");
    }
    const size_t expected = product == Product::turin ? 8 : 64;
    if (vcek.hardware_id->size() == expected) {
        return *vcek.hardware_id;
    }
    Bytes inner = support::der_octet_string(*vcek.hardware_id, "VCEK hardware id");
    if (inner.size() != expected) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "VCEK hardware id is " + std::to_string(inner.size()) + " bytes, expected " +
                          std::to_string(expected) + " for " + std::string(product_title(product)));
    }
    return inner;
}

void compare_spl(const Verifier::Leaf &leaf, size_t index, const char *name, uint8_t reported,
                 const char *kind) {
    if (!leaf.spl.at(index)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      std::string(kind) + " has no " + name + " extension");
    }
    if (*leaf.spl.at(index) != reported) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, "REPORTED_TCB " + std::string(name) + " " +
                                                          std::to_string(reported) +
                                                          " differs from the " + kind + "'s " +
                                                          std::to_string(*leaf.spl.at(index)));
    }
}

std::shared_ptr<const Verifier::Leaf> describe_leaf(Certificate certificate) {
    auto leaf =
        std::make_shared<Verifier::Leaf>(Verifier::Leaf{std::move(certificate), {}, {}, {}, {}});
    const Certificate &c = leaf->certificate;
    leaf->kind = c.extension(oid_csp_id) ? SigningKey::vlek : SigningKey::vcek;
    leaf->hardware_id = c.extension(oid_hw_id);
    if (const auto name = c.extension(oid_product_name)) {
        const std::string text = support::der_ia5_string(*name, "certificate product name");
        leaf->product = product_from_name(text);
        if (!leaf->product) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "certificate names an unknown product \"" + text + "\"");
        }
    }
    const std::array<const char *, 5> oids = {oid_bl_spl, oid_tee_spl, oid_snp_spl, oid_ucode_spl,
                                              oid_fmc_spl};
    for (size_t i = 0; i < oids.size(); ++i) {
        if (const auto value = c.extension(oids[i])) {
            leaf->spl[i] = support::der_integer(*value, std::string("certificate SPL ") + oids[i]);
        }
    }
    return leaf;
}

bool matches_der(const Bytes &der, const Certificate &certificate) {
    return support::sha256(der) == certificate.sha256();
}

bool is_signing_certificate(const Certificate &certificate) {
    return certificate.extension(oid_hw_id) || certificate.extension(oid_csp_id);
}

// AMD's key distribution service: the VCEK of a chip at a TCB, and each product line's CRLs.
std::string kds_base(const std::string &url, SigningKey kind, Product product) {
    std::string base = url;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    return base + (kind == SigningKey::vlek ? "/vlek/v1/" : "/vcek/v1/") +
           std::string(product_title(product));
}

std::string spl_parameter(const char *name, uint8_t value) {
    const std::string digits = std::to_string(value);
    return std::string(name) + "=" + (digits.size() < 2 ? "0" : "") + digits;
}

std::string kds_vcek_url(const std::string &kds_url, Product product, const std::string &hwid,
                         const Tcb &tcb) {
    std::string url = kds_base(kds_url, SigningKey::vcek, product) + "/" + hwid + "?" +
                      spl_parameter("blSPL", tcb.bootloader) + "&" +
                      spl_parameter("teeSPL", tcb.tee) + "&" + spl_parameter("snpSPL", tcb.snp) +
                      "&" + spl_parameter("ucodeSPL", tcb.microcode);
    if (product == Product::turin) {
        url += "&" + spl_parameter("fmcSPL", tcb.fmc.value_or(0));
    }
    return url;
}

std::vector<fs::path> der_or_pem(const fs::path &stem) {
    fs::path der = stem;
    der += ".der";
    fs::path pem = stem;
    pem += ".pem";
    return {der, pem};
}

std::string describe(const Certificate &certificate) {
    return "certificate \"" + certificate.subject_cn() + "\"";
}

} // namespace

struct Verifier::ChainResult {
    const ProductRoots *roots;
    int64_t valid_until;
};

Verifier::Verifier(VerifierConfig config, support::Host host)
    : config_(std::move(config)), trust_(TrustStore::amd(config_.trust_dir)), host_(host),
      collateral_(host,
                  config_.collateral_dir ? std::vector{*config_.collateral_dir}
                                         : std::vector<fs::path>{},
                  max_collateral_file) {
    if (config_.allow_simulated && !config_.simulator_state_dir) {
        throw failure(
            CCATTEST_E_CONFIG,
            "allow_simulated needs simulator.state_dir: the simulator's roots live there");
    }
    // Every object of every file is used: VCEKs/VLEKs become candidates, CRLs are checked; other
    // certificates must be roots this verifier already trusts, since chains are built from those
    // alone and an unknown ARK or ASK here would be ignored without anyone noticing.
    for (const auto &file : config_.certificate_files) {
        support::X509Objects objects;
        try {
            objects = support::parse_x509_objects(support::read_file(file, max_collateral_file),
                                                  file.string());
        } catch (const failure &e) {
            // A bad file in the config is a config error (the message names the file and problem).
            throw failure(e.status() == CCATTEST_E_MALFORMED ? CCATTEST_E_CONFIG : e.status(),
                          e.what());
        }
        for (auto &certificate : objects.certificates) {
            if (is_signing_certificate(certificate)) {
                try {
                    extra_leaves_.push_back(describe_leaf(std::move(certificate)));
                } catch (const failure &e) {
                    // An undecodable extension (SPL, product name) is a config error too.
                    throw failure(CCATTEST_E_CONFIG, file.string() + ": " + e.what());
                }
            } else if (!is_trusted_root(certificate)) {
                throw failure(CCATTEST_E_CONFIG,
                              file.string() + ": " + describe(certificate) +
                                  " is neither a VCEK/VLEK nor one of the trusted ARK/ASK/ASVK");
            }
        }
        for (auto &crl : objects.crls) {
            extra_crls_.push_back({std::move(crl), "configured CRL " + file.string()});
        }
    }
}

std::vector<const ProductRoots *> Verifier::roots_for(Product product) const {
    std::vector<const ProductRoots *> candidates = trust_.for_product(product);
    if (!config_.allow_simulated) {
        return candidates;
    }
    // The simulator's roots are data in its state folder, read once they are all there; the
    // simulator may make them after this verifier was created (same process, first generate).
    const std::lock_guard lock(simulated_mutex_);
    auto &slot = simulated_roots_[product];
    if (!slot) {
        if (auto roots = read_simulated_roots(*config_.simulator_state_dir, product)) {
            slot = std::make_unique<const ProductRoots>(std::move(*roots));
        }
    }
    if (slot) {
        candidates.push_back(slot.get());
    }
    return candidates;
}

bool Verifier::is_trusted_root(const Certificate &certificate) const {
    for (const Product product : {Product::milan, Product::genoa, Product::turin}) {
        const std::vector<const ProductRoots *> candidates = roots_for(product);
        for (const ProductRoots *roots : candidates) {
            for (const Certificate *root : {&roots->ark, &roots->ask, &roots->asvk}) {
                if (root->sha256() == certificate.sha256()) {
                    return true;
                }
            }
        }
    }
    return false;
}

Product Verifier::decide_product(const Report &report, const LeafPtr &leaf) const {
    std::optional<Product> product = report_product(report);
    const char *source = "the report's CPUID";
    if (!product && report.cpuid) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "report CPUID family 0x" + to_hex(std::span(report.cpuid->data(), 1)) +
                          " model 0x" + to_hex(std::span(report.cpuid->data() + 1, 1)) +
                          " is not a Milan, Genoa or Turin processor");
    }
    if (!product && config_.product) {
        product = config_.product;
        source = "the config";
    }
    const auto certified = leaf ? leaf->product : std::nullopt;
    if (!product) {
        if (!certified) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "cannot tell the product line of a version " +
                              std::to_string(report.version) +
                              " report: set \"product\" in the config or supply a certificate "
                              "that names one");
        }
        return *certified;
    }
    if (certified && *certified != *product) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "the signing certificate is for " + std::string(product_title(*certified)) +
                          " but " + source + " says " + std::string(product_title(*product)));
    }
    return *product;
}

std::optional<Product> Verifier::stated_product(const Report &report) const {
    const auto from_report = report_product(report);
    return from_report ? from_report : config_.product;
}

Verifier::LeafPtr Verifier::leaf_of(std::span<const uint8_t> data, const std::string &what,
                                    bool from_file) const {
    const std::pair key(from_file, support::sha256(data));
    {
        const std::shared_lock lock(cache_mutex_);
        if (const auto found = leaf_cache_.find(key); found != leaf_cache_.end()) {
            return found->second;
        }
    }
    LeafPtr leaf;
    if (!from_file) {
        leaf = describe_leaf(Certificate::parse(data, what, support::Encoding::der));
    } else {
        // A collateral file may be a bundle (e.g. VCEK, ASK and ARK in one PEM): its one signing
        // certificate is the leaf, the others must be trusted roots.
        std::vector<Certificate> signing;
        for (auto &certificate : Certificate::parse_bundle(data, what)) {
            if (is_signing_certificate(certificate)) {
                signing.push_back(std::move(certificate));
            } else if (!is_trusted_root(certificate)) {
                throw failure(CCATTEST_E_VERIFICATION_FAILED,
                              what + ": " + describe(certificate) +
                                  " is neither a VCEK/VLEK nor one of the trusted ARK/ASK/ASVK");
            }
        }
        if (signing.size() != 1) {
            throw failure(CCATTEST_E_MALFORMED, what + " holds " + std::to_string(signing.size()) +
                                                    " VCEK/VLEK certificates; expected one");
        }
        leaf = describe_leaf(std::move(signing.front()));
    }
    const std::unique_lock lock(cache_mutex_);
    if (leaf_cache_.size() >= max_cached_leaves) {
        leaf_cache_.clear();
    }
    leaf_cache_.emplace(key, leaf);
    return leaf;
}

support::CollateralQuery Verifier::signing_query(const Report &report, Product product) const {
    support::CollateralQuery query;
    const fs::path base = product_name(product);
    if (report.signing_key == SigningKey::vlek) {
        query.what = "VLEK"; // AMD gives VLEKs to cloud providers only: never fetched
        query.file_names = der_or_pem(base / "vlek");
        return query;
    }
    const size_t id_size = product == Product::turin ? 8 : 64;
    const std::string hwid = to_hex(std::span(report.chip_id.data(), id_size));
    query.what = "VCEK";
    query.file_names = der_or_pem(base / "vcek" / hwid / tcb_hex(report.reported_tcb));
    query.url =
        kds_vcek_url(config_.kds_url, product, hwid, decode_tcb(report.reported_tcb, product));
    return query;
}

Verifier::LeafPtr Verifier::find_leaf(const Report &report, const Evidence &evidence,
                                      std::optional<Product> product,
                                      support::CollateralLookup *miss) const {
    const bool want_vlek = report.signing_key == SigningKey::vlek;
    const auto &carried = want_vlek ? evidence.vlek : evidence.vcek;
    if (carried) {
        return leaf_of(*carried, want_vlek ? "token VLEK" : "token VCEK", false);
    }
    // Configured files: the first signing certificate of the wanted kind whose hardware id (VCEK)
    // matches the report; a lone candidate is used as is, so a mismatch is reported precisely.
    for (const LeafPtr &candidate : extra_leaves_) {
        if (candidate->kind != report.signing_key) {
            continue;
        }
        if (want_vlek) {
            return candidate;
        }
        try {
            const Bytes hw = hardware_id(
                *candidate, product.value_or(candidate->product.value_or(Product::milan)));
            if (std::equal(hw.begin(), hw.end(), report.chip_id.begin())) {
                return candidate;
            }
        } catch (const failure &) {
            // an undecodable hardware id is reported when this certificate is the only candidate
        }
    }
    if (extra_leaves_.size() == 1) {
        return extra_leaves_.front();
    }
    if (product) {
        support::CollateralLookup lookup = collateral_.find(signing_query(report, *product));
        if (lookup.item) {
            const bool from_file = lookup.item->provenance == support::Provenance::directory;
            return leaf_of(lookup.item->data,
                           std::string(from_file ? "collateral " : "AMD KDS ") +
                               (want_vlek ? "VLEK " : "VCEK ") + lookup.item->origin,
                           from_file);
        }
        if (miss != nullptr) {
            *miss = std::move(lookup);
            if (!miss->miss_reason.empty()) {
                miss->miss_reason = "AMD KDS: " + miss->miss_reason;
            }
        }
    } else if (miss != nullptr && !want_vlek) {
        miss->miss_reason = "the product line of a version " + std::to_string(report.version) +
                            " report is unknown, so no collateral was looked up (set \"product\" "
                            "in the config)";
    }
    return nullptr;
}

Verifier::ChainResult Verifier::verify_chain_cached(const Leaf &leaf_info, Product product,
                                                    int64_t when) const {
    // One call with every candidate product root (built-in, and the simulator's when allowed): the
    // support library's chain cache keeps the verdict for its validity window, so a warm
    // verification skips the RSA work, and the anchor reached says which roots signed.
    const std::vector<const ProductRoots *> candidates = roots_for(product);
    std::vector<Certificate> intermediates;
    std::vector<Certificate> anchors;
    for (const ProductRoots *roots : candidates) {
        intermediates.push_back(leaf_info.kind == SigningKey::vlek ? roots->asvk : roots->ask);
        anchors.push_back(roots->ark);
    }
    const std::string which = leaf_info.kind == SigningKey::vlek ? "VLEK" : "VCEK";
    try {
        const support::VerifiedChain chain =
            chain_cache_.verify(leaf_info.certificate, intermediates, anchors, when);
        for (const ProductRoots *roots : candidates) {
            if (roots->ark.sha256() == chain.anchor().sha256()) {
                return {roots, chain.valid_until - 1};
            }
        }
        throw failure(CCATTEST_E_INTERNAL, which + " chain reached an anchor that is not a root");
    } catch (const failure &e) {
        if (e.status() == CCATTEST_E_EXPIRED) {
            throw failure(CCATTEST_E_EXPIRED, which + " chain: " + e.what());
        }
        if (e.status() == CCATTEST_E_INTERNAL) {
            throw;
        }
        throw failure(CCATTEST_E_VERIFICATION_FAILED, which + " does not chain to the pinned " +
                                                          std::string(product_title(product)) +
                                                          " roots: " + e.what());
    }
}

std::optional<Verifier::CrlSource>
Verifier::collateral_crl(const ProductRoots &roots, SigningKey kind,
                         const std::vector<CrlSource> &known) const {
    support::CollateralQuery query;
    query.what = "CRL";
    query.file_names = der_or_pem(fs::path(product_name(roots.product)) /
                                  (kind == SigningKey::vlek ? "vlek_crl" : "crl"));
    // The service is asked only when nothing else holds this root's CRL. (For the simulator's
    // roots too: AMD's answer names another issuer and is skipped; a test's KDS can serve one.)
    const bool known_crl = std::any_of(known.begin(), known.end(), [&](const CrlSource &source) {
        return source.crl.names_issuer(roots.ark);
    });
    if (!known_crl) {
        query.url = kds_base(config_.kds_url, kind, roots.product) + "/crl";
    }
    const support::CollateralLookup lookup = collateral_.find(query);
    if (!lookup.item) {
        if (!query.url.empty() && collateral_.can_fetch() && !lookup.refused) {
            host_.log(CCATTEST_LOG_WARNING, "no CRL for " + roots.ark.subject_cn() + " (" +
                                                lookup.miss_reason +
                                                "): revocation is not checked");
        }
        return std::nullopt;
    }
    const bool from_file = lookup.item->provenance == support::Provenance::directory;
    const std::string what = (from_file ? "collateral CRL " : "AMD KDS CRL ") + lookup.item->origin;
    return CrlSource{
        support::Crl::parse(lookup.item->data, what,
                            from_file ? support::Encoding::der_or_pem : support::Encoding::der),
        what, false, from_file ? std::string() : lookup.item->origin};
}

std::string Verifier::check_crl(const Evidence &evidence, const ProductRoots &roots,
                                SigningKey kind, const Certificate &leaf, int64_t when) const {
    std::vector<CrlSource> crls;
    if (evidence.crl) {
        crls.push_back({support::Crl::parse(*evidence.crl, "token CRL", support::Encoding::der),
                        "token CRL",
                        true,
                        {}});
    }
    for (const auto &[crl, what] : extra_crls_) {
        crls.push_back({crl, what, false, {}});
    }
    if (auto collateral = collateral_crl(roots, kind, crls)) {
        crls.push_back(std::move(*collateral));
    }
    const Certificate &intermediate = kind == SigningKey::vlek ? roots.asvk : roots.ask;
    std::string applied;
    for (const auto &[crl, what, carried, fetched_from] : crls) {
        if (!crl.names_issuer(roots.ark)) {
            // A token member nothing checks could carry anything; operator files may hold the CRLs
            // of several product lines, so theirs are only skipped.
            if (carried) {
                throw failure(CCATTEST_E_VERIFICATION_FAILED,
                              what + " is issued by \"" + crl.issuer_cn() + "\", not by " +
                                  roots.ark.subject_cn() +
                                  " (the root of this chain): an unrelated CRL is refused");
            }
            continue;
        }
        // Names this chain's ARK: a bad signature is a forgery, a past nextUpdate is stale.
        try {
            crl.verify(roots.ark, when);
        } catch (const failure &e) {
            throw failure(e.status(), what + ": " + e.what());
        }
        if (const auto next_update = crl.next_update(); next_update && !fetched_from.empty()) {
            collateral_.keep_until(fetched_from, *next_update); // AMD's CRL says how long it holds
        }
        for (const Certificate *certificate : {&intermediate, &leaf}) {
            if (crl.revokes(*certificate)) {
                throw failure(CCATTEST_E_VERIFICATION_FAILED,
                              what + " revokes " + certificate->subject_cn());
            }
        }
        applied += (applied.empty() ? "" : ", ") + what;
    }
    if (applied.empty() && config_.require_crl) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      "no CRL of " + roots.ark.subject_cn() +
                          " was found (token, certificate_files, collateral_dir, AMD KDS) and "
                          "require_crl is set: revocation cannot be ruled out");
    }
    return applied;
}

boost::json::object Verifier::verify(std::span<const uint8_t> token,
                                     std::span<const uint8_t> expected_report_data,
                                     int64_t verification_time) const {
    const Evidence evidence = decode_token(token);
    const Report report = parse_report(evidence.report);
    refuse_unused_certificates(evidence, report.signing_key);
    if (report.signing_key == SigningKey::none) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED, "report is not signed (SIGNING_KEY is none)");
    }
    const char *kind_name = report.signing_key == SigningKey::vlek ? "VLEK" : "VCEK";

    const std::optional<Product> stated = stated_product(report);
    support::CollateralLookup miss;
    const auto leaf = find_leaf(report, evidence, stated, &miss);
    if (leaf == nullptr) {
        // Without a host (a verifier used directly) nothing could have been fetched: say nothing.
        const bool note = !miss.miss_reason.empty() && host_.api() != nullptr;
        throw failure(miss.miss_status != CCATTEST_OK ? miss.miss_status
                                                      : CCATTEST_E_VERIFICATION_FAILED,
                      std::string("no ") + kind_name +
                          ": the token carries none and none was found in certificate_files" +
                          (config_.collateral_dir ? " or " + config_.collateral_dir->string()
                                                  : std::string()) +
                          (note ? "; " + miss.miss_reason : std::string()));
    }
    const Product product = decide_product(report, leaf);
    if (leaf->kind != report.signing_key) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      std::string("report is signed with a ") + kind_name +
                          " but the certificate is a " +
                          (report.signing_key == SigningKey::vlek ? "VCEK" : "VLEK"));
    }

    const ChainResult chain = verify_chain_cached(*leaf, product, verification_time);
    // Certificates the token carries must be the ones the chain was verified with: a token is
    // authentic as a whole, not only in the parts this verifier happens to use.
    const Certificate &intermediate =
        report.signing_key == SigningKey::vlek ? chain.roots->asvk : chain.roots->ask;
    for (const auto &[carried, expected, name] :
         {std::tuple{&evidence.ark, &chain.roots->ark, "ARK"},
          std::tuple{&evidence.ask, &intermediate,
                     report.signing_key == SigningKey::vlek ? "ASVK" : "ASK"}}) {
        if (*carried && !matches_der(**carried, *expected)) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          std::string("the token's ") + name + " is not the " +
                              expected->subject_cn() + " the chain was verified with");
        }
    }
    const std::string crls_applied =
        check_crl(evidence, *chain.roots, report.signing_key, leaf->certificate, verification_time);

    // The certificate must be the one for this chip (VCEK) at this TCB.
    if (report.signing_key == SigningKey::vcek) {
        const Bytes id = hardware_id(*leaf, product);
        if (CRYPTO_memcmp(id.data(), report.chip_id.data(), id.size()) != 0) {
            throw failure(CCATTEST_E_VERIFICATION_FAILED,
                          "CHIP_ID " + to_hex(std::span(report.chip_id.data(), id.size())) +
                              " differs from the VCEK's hardware id " + to_hex(id));
        }
    }
    const Tcb tcb = decode_tcb(report.reported_tcb, product);
    compare_spl(*leaf, 0, "bootloader", tcb.bootloader, kind_name);
    compare_spl(*leaf, 1, "tee", tcb.tee, kind_name);
    compare_spl(*leaf, 2, "snp", tcb.snp, kind_name);
    compare_spl(*leaf, 3, "microcode", tcb.microcode, kind_name);
    if (product == Product::turin) {
        compare_spl(*leaf, 4, "fmc", tcb.fmc.value_or(0), kind_name);
    }

    // AMD does not promise low-s signatures, so both (r, s) and (r, n-s) are accepted; the replay
    // key (evidence_digest) covers the signed bytes only, so both are one piece of evidence.
    if (!support::ecdsa_sha384_verify(leaf->certificate.public_key(),
                                      std::span(report.raw.data(), signed_size), report.signature_r,
                                      report.signature_s, support::EcdsaSignatureForm::any)) {
        throw failure(CCATTEST_E_VERIFICATION_FAILED,
                      std::string("report signature does not verify with the ") + kind_name);
    }
    if (!expected_report_data.empty() &&
        (expected_report_data.size() != report.report_data.size() ||
         CRYPTO_memcmp(expected_report_data.data(), report.report_data.data(),
                       report.report_data.size()) != 0)) {
        throw failure(CCATTEST_E_BINDING_MISMATCH,
                      "REPORT_DATA differs from the expected report data");
    }

    boost::json::object claims = report_claims(report, product);
    claims["simulated"] = chain.roots->simulated;
    claims["token_form"] = token_form_name(evidence.form);
    claims["evidence_digest"] = to_hex(evidence_digest(report));
    claims["chain"] = {{"root", chain.roots->ark.subject_cn()},
                       {"signing_certificate_sha256", to_hex(leaf->certificate.sha256())},
                       {"valid_until", support::rfc3339(chain.valid_until)},
                       {"revocation_checked", !crls_applied.empty()}};
    if (!crls_applied.empty()) {
        claims["chain"].as_object()["crl"] = crls_applied;
    }
    return claims;
}

boost::json::object Verifier::inspect(std::span<const uint8_t> token) const {
    const Evidence evidence = decode_token(token);
    const Report report = parse_report(evidence.report);
    const std::optional<Product> stated = stated_product(report);
    LeafPtr leaf;
    try {
        leaf = find_leaf(report, evidence, stated, nullptr);
    } catch (const failure &) {
        // inspect describes what it can; an unreadable certificate leaves the product unknown
    }
    std::optional<Product> product = stated;
    if (!product && leaf) {
        product = leaf->product;
    }
    boost::json::object out = report_claims(report, product.value_or(Product::milan));
    if (!product) {
        out["product"] = "unknown (TCB fields decoded as Milan/Genoa)";
    }
    out["token_form"] = token_form_name(evidence.form);
    out["evidence_digest"] = to_hex(evidence_digest(report));
    out["signature"] = {{"r", to_hex(report.signature_r)}, {"s", to_hex(report.signature_s)}};
    boost::json::object certificates;
    for (const auto &[name, bytes] :
         {std::pair{"ark", &evidence.ark}, std::pair{"ask", &evidence.ask},
          std::pair{"vcek", &evidence.vcek}, std::pair{"vlek", &evidence.vlek}}) {
        if (*bytes) {
            const auto certificate =
                Certificate::parse(**bytes, std::string("token ") + name, support::Encoding::der);
            certificates[name] = {{"subject", certificate.subject_cn()},
                                  {"issuer", certificate.issuer_cn()},
                                  {"not_before", support::rfc3339(certificate.not_before())},
                                  {"not_after", support::rfc3339(certificate.not_after())},
                                  {"sha256", to_hex(certificate.sha256())}};
        }
    }
    if (evidence.crl) {
        certificates["crl"] = {{"bytes", evidence.crl->size()}};
    }
    out["certificates"] = std::move(certificates);
    out["verified"] = false;
    return out;
}

} // namespace ccattest::snp
