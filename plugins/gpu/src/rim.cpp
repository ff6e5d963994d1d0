// NVIDIA RIMs: reading the SWID tag (libxml2, no DTDs, no network), the enveloped XML signature
// (xmlsec1 with the key given, under the shape rules of rim.hpp), the signing chain, the
// comparison with a report's measurement blocks, and the RIM service's ids.
#include "rim.hpp"

#include "xmlsec_session.hpp"

#include <ccattest/authorizer.hpp>

#include <libxml/parser.h>
#include <libxml/xmlstring.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

namespace ccattest::gpu {

/// The parsed tree. Verification takes the lock: xmlsec walks (and may annotate) the tree, and one
/// cached Rim may be checked by several verifier threads.
class RimDocument {
public:
    RimDocument(xmlsec::DocPtr doc, std::string what)
        : doc_(std::move(doc)), what_(std::move(what)) {}
    [[nodiscard]] xmlDoc *doc() const noexcept { return doc_.get(); }
    [[nodiscard]] const std::string &what() const noexcept { return what_; }
    [[nodiscard]] std::mutex &mutex() const noexcept { return mutex_; }

private:
    xmlsec::DocPtr doc_;
    std::string what_;
    mutable std::mutex mutex_;
};

namespace {

constexpr const char *swid_ns = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
constexpr const char *sha384_ns = "http://www.w3.org/2001/04/xmlenc#sha384";
constexpr const char *tcg_rim_ns =
    "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-"
    "model/";
constexpr const char *dsig_ns = "http://www.w3.org/2000/09/xmldsig#";
constexpr size_t sha384_size = 48;
// Block indices are one byte and start at 1 (spdm.hpp), so a RIM index is at most 253.
constexpr uint32_t max_rim_index = 253;
constexpr uint32_t max_alternatives = 64;

constexpr std::array canonicalization_algorithms{
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
};
constexpr std::array signature_algorithms{
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
};
constexpr std::array digest_algorithms{
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
};
constexpr const char *enveloped_signature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

[[noreturn]] void malformed(const std::string &what, const std::string &problem) {
    throw sdk::failure(CCATTEST_E_MALFORMED, "RIM " + what + ": " + problem);
}

[[noreturn]] void refused(const std::string &what, const std::string &problem) {
    throw sdk::failure(CCATTEST_E_VERIFICATION_FAILED, "RIM " + what + ": " + problem);
}

const xmlChar *xml(const char *text) {
    return reinterpret_cast<const xmlChar *>(text);
}

bool is_element(const xmlNode *node, const char *name, const char *ns) {
    return node != nullptr && node->type == XML_ELEMENT_NODE &&
           xmlStrEqual(node->name, xml(name)) != 0 && node->ns != nullptr &&
           xmlStrEqual(node->ns->href, xml(ns)) != 0;
}

std::vector<xmlNode *> element_children(const xmlNode *parent) {
    std::vector<xmlNode *> out;
    for (xmlNode *child = parent->children; child != nullptr; child = child->next) {
        if (child->type == XML_ELEMENT_NODE) {
            out.push_back(child);
        }
    }
    return out;
}

std::vector<xmlNode *> children_named(const xmlNode *parent, const char *name, const char *ns) {
    std::vector<xmlNode *> out;
    for (xmlNode *child : element_children(parent)) {
        if (is_element(child, name, ns)) {
            out.push_back(child);
        }
    }
    return out;
}

xmlNode *only_child(const std::string &what, const xmlNode *parent, const char *name,
                    const char *ns) {
    auto found = children_named(parent, name, ns);
    if (found.size() != 1) {
        malformed(what, std::to_string(found.size()) + " " + name + " elements (one expected)");
    }
    return found.front();
}

/// The attribute without a namespace (ns == nullptr) or in namespace `ns`.
std::optional<std::string> attribute(const xmlNode *node, const char *name,
                                     const char *ns = nullptr) {
    xmlChar *value =
        ns == nullptr ? xmlGetNoNsProp(node, xml(name)) : xmlGetNsProp(node, xml(name), xml(ns));
    if (value == nullptr) {
        return std::nullopt;
    }
    std::string out = xmlsec::text(value);
    xmlFree(value);
    return out;
}

std::string required_attribute(const std::string &what, const xmlNode *node, const char *name,
                               const std::string &element, const char *ns = nullptr) {
    auto value = attribute(node, name, ns);
    if (!value || value->empty()) {
        malformed(what, element + " has no " + name);
    }
    return *value;
}

uint32_t decimal(const std::string &what, const std::string &text, const std::string &field,
                 uint32_t max) {
    uint32_t value = 0;
    const auto *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value > max) {
        malformed(what,
                  field + " \"" + text + "\" is not a number from 0 to " + std::to_string(max));
    }
    return value;
}

/// Every element of the tree, in document order (iterative: depth is bounded by libxml2 only).
template <typename Visit> void for_each_element(xmlNode *root, Visit visit) {
    xmlNode *node = root;
    while (node != nullptr) {
        if (node->type == XML_ELEMENT_NODE) {
            visit(node);
        }
        if (node->children != nullptr && node->type == XML_ELEMENT_NODE) {
            node = node->children;
            continue;
        }
        while (node != nullptr && node != root && node->next == nullptr) {
            node = node->parent;
        }
        node = (node == nullptr || node == root) ? nullptr : node->next;
    }
}

void check_bytes(std::span<const uint8_t> bytes, const std::string &what) {
    if (bytes.size() > max_rim_size) {
        malformed(what, "larger than " + std::to_string(max_rim_size) + " bytes");
    }
    if (bytes.empty()) {
        malformed(what, "empty");
    }
    // A DOCTYPE is refused before the parser sees it: no DTD, internal or external, no entities.
    const std::string_view text(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    if (text.find("<!DOCTYPE") != std::string_view::npos) {
        malformed(what, "a DOCTYPE is not allowed (no DTDs or entity declarations)");
    }
    if (text.find('\0') != std::string_view::npos) {
        malformed(what, "contains a NUL byte (not UTF-8 XML text)");
    }
    const std::string copy(text); // xmlCheckUTF8 reads up to a NUL
    if (xmlCheckUTF8(reinterpret_cast<const unsigned char *>(copy.c_str())) == 0) {
        malformed(what, "not valid UTF-8");
    }
    // Canonicalization drops what lies outside the root element, so no byte may lie there that a
    // change could hide in: the document starts with its root element's tag (no declaration) and
    // ends with its end tag and line feeds only (NVIDIA's end with two).
    if (text.front() != '<' || text.starts_with("<?") || text.starts_with("<!")) {
        malformed(what, "must start with its root element (no XML declaration, comment or "
                        "whitespace before it)");
    }
    const std::string_view after_root = text.substr(text.find_last_of('>') + 1);
    if (after_root.find_first_not_of('\n') != std::string_view::npos) {
        malformed(what, "must end with its root element's end tag and line breaks only");
    }
}

// Canonicalization without comments drops comments and processing instructions wherever they
// are: unsigned bytes inside the signed document, refused.
void refuse_unsigned_nodes(const std::string &what, const xmlNode *node) {
    for (; node != nullptr; node = node->next) {
        if (node->type == XML_COMMENT_NODE || node->type == XML_PI_NODE) {
            malformed(what,
                      std::string(node->type == XML_COMMENT_NODE ? "a comment"
                                                                 : "a processing instruction") +
                          " (not covered by the signature) is not allowed");
        }
        refuse_unsigned_nodes(what, node->children);
    }
}

xmlsec::DocPtr parse_xml(std::span<const uint8_t> bytes, const std::string &what) {
    xmlsec::ensure_initialized();
    std::unique_ptr<xmlParserCtxt, decltype(&xmlFreeParserCtxt)> parser(xmlNewParserCtxt(),
                                                                        xmlFreeParserCtxt);
    if (!parser) {
        throw sdk::failure(CCATTEST_E_INTERNAL, "libxml2: no parser context");
    }
    // No network, no DTD loading or default attributes, no entity substitution; errors are kept
    // in the context rather than printed.
    constexpr int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlsec::DocPtr doc(xmlCtxtReadMemory(parser.get(), reinterpret_cast<const char *>(bytes.data()),
                                         static_cast<int>(bytes.size()), nullptr, "UTF-8",
                                         options));
    if (!doc || parser->wellFormed == 0) {
        const xmlError *error = xmlCtxtGetLastError(parser.get());
        std::string reason = error != nullptr && error->message != nullptr
                                 ? std::string(error->message)
                                 : std::string("not well-formed");
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
            reason.pop_back();
        }
        const int line = error != nullptr ? error->line : 0;
        malformed(what, "not well-formed XML (line " + std::to_string(line) + ": " + reason + ")");
    }
    if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
        malformed(what, "a DOCTYPE is not allowed (no DTDs or entity declarations)");
    }
    return doc;
}

/// Hash0 .. Hash<alternatives - 1>, spelled exactly as they are read ("Hash01" is not Hash1).
bool is_hash_name(const std::string &name, uint32_t alternatives) {
    for (uint32_t k = 0; k < alternatives; ++k) {
        if (name == "Hash" + std::to_string(k)) {
            return true;
        }
    }
    return false;
}

RimMeasurement read_resource(const std::string &what, const xmlNode *resource) {
    RimMeasurement out;
    const std::string index_text = required_attribute(what, resource, "index", "a Resource");
    out.index = decimal(what, index_text, "Resource index", max_rim_index);
    const std::string element = "Resource index " + std::to_string(out.index);
    const std::string active = required_attribute(what, resource, "active", element);
    if (active != "True" && active != "False") {
        malformed(what, element + ": active \"" + active + "\" is neither True nor False");
    }
    out.active = active == "True";
    const uint32_t alternatives =
        decimal(what, required_attribute(what, resource, "alternatives", element),
                element + " alternatives", max_alternatives);
    if (alternatives == 0) {
        malformed(what, element + " has 0 alternatives");
    }
    out.size = decimal(what, required_attribute(what, resource, "size", element), element + " size",
                       static_cast<uint32_t>(max_rim_size));
    out.name = attribute(resource, "name").value_or("");
    for (const xmlAttr *attr = resource->properties; attr != nullptr; attr = attr->next) {
        if (attr->ns != nullptr && xmlStrEqual(attr->ns->href, xml(sha384_ns)) != 0) {
            const std::string name = xmlsec::text(attr->name);
            if (!is_hash_name(name, alternatives)) {
                malformed(what, (element + ": hash attribute ").append(name) +
                                    " is not one of Hash0..Hash" +
                                    std::to_string(alternatives - 1));
            }
        }
    }
    for (uint32_t k = 0; k < alternatives; ++k) {
        const std::string name = "Hash" + std::to_string(k);
        const auto hex = attribute(resource, name.c_str(), sha384_ns);
        if (!hex) {
            malformed(what, (element + " has no ").append(name).append(" (SHA-384 namespace)"));
        }
        auto digest = support::parse_hex(*hex);
        if (!digest || digest->size() != sha384_size) {
            malformed(what, (element + ": ").append(name).append(" is not 48 bytes of hex"));
        }
        out.alternatives.push_back(std::move(*digest));
    }
    return out;
}

std::vector<RimMeasurement> read_payload(const std::string &what, const xmlNode *root) {
    const xmlNode *payload = only_child(what, root, "Payload", swid_ns);
    std::map<uint32_t, RimMeasurement> by_index;
    for (const xmlNode *resource : children_named(payload, "Resource", swid_ns)) {
        RimMeasurement measurement = read_resource(what, resource);
        const uint32_t index = measurement.index;
        if (!by_index.emplace(index, std::move(measurement)).second) {
            malformed(what, "Resource index " + std::to_string(index) + " appears twice");
        }
    }
    if (by_index.empty()) {
        malformed(what, "the Payload has no Resource");
    }
    std::vector<RimMeasurement> out;
    out.reserve(by_index.size());
    for (auto &entry : by_index) {
        out.push_back(std::move(entry.second));
    }
    return out;
}

xmlNode *the_signature(const std::string &what, xmlNode *root) {
    std::vector<xmlNode *> signatures;
    for_each_element(root, [&](xmlNode *node) {
        if (is_element(node, "Signature", dsig_ns)) {
            signatures.push_back(node);
        }
    });
    if (signatures.size() != 1) {
        malformed(what, std::to_string(signatures.size()) +
                            " ds:Signature elements (exactly one expected)");
    }
    return signatures.front();
}

std::vector<support::Certificate> read_key_info(const std::string &what, xmlNode *signature) {
    std::vector<support::Certificate> chain;
    for (const xmlNode *key_info : children_named(signature, "KeyInfo", dsig_ns)) {
        for (const xmlNode *data : children_named(key_info, "X509Data", dsig_ns)) {
            for (const xmlNode *element : children_named(data, "X509Certificate", dsig_ns)) {
                xmlChar *content = xmlNodeGetContent(element);
                std::string base64 = xmlsec::text(content);
                xmlFree(content);
                std::erase(base64, '\n'); // the only separator check_unsigned_parts allows
                const std::string name = "KeyInfo certificate " + std::to_string(chain.size());
                try {
                    chain.push_back(support::Certificate::parse(
                        support::base64_decode(base64, name), name, support::Encoding::der));
                } catch (const sdk::failure &e) {
                    malformed(what, e.what());
                }
            }
        }
    }
    if (chain.empty()) {
        malformed(what, "no X509Certificate in the signature's KeyInfo");
    }
    return chain;
}

void read_meta(const std::string &what, const xmlNode *root, Rim &rim) {
    const xmlNode *meta = only_child(what, root, "Meta", swid_ns);
    rim.version = required_attribute(what, meta, "colloquialVersion", "Meta");
    rim.product = required_attribute(what, meta, "product", "Meta");
    rim.edition = required_attribute(what, meta, "edition", "Meta");
    const xmlNode *entity = only_child(what, root, "Entity", swid_ns);
    const std::string entity_name = required_attribute(what, entity, "name", "Entity");
    rim.manufacturer = attribute(meta, "FirmwareManufacturer", tcg_rim_ns).value_or(entity_name);
}

} // namespace

Rim parse_rim(std::span<const uint8_t> xml_bytes, const std::string &what) {
    check_bytes(xml_bytes, what);
    xmlsec::DocPtr doc = parse_xml(xml_bytes, what);
    refuse_unsigned_nodes(what, doc->children);
    xmlNode *root = xmlDocGetRootElement(doc.get());
    if (!is_element(root, "SoftwareIdentity", swid_ns)) {
        malformed(what, "the root element is not a SWID SoftwareIdentity");
    }
    Rim rim;
    rim.tag_id = required_attribute(what, root, "tagId", "SoftwareIdentity");
    rim.name = required_attribute(what, root, "name", "SoftwareIdentity");
    read_meta(what, root, rim);
    rim.measurements = read_payload(what, root);
    rim.signing_chain = read_key_info(what, the_signature(what, root));
    const auto digest = support::sha256(xml_bytes);
    rim.sha256.assign(digest.begin(), digest.end());
    rim.document = std::make_shared<const RimDocument>(std::move(doc), what);
    return rim;
}

namespace {

template <size_t N>
bool listed(const std::array<const char *, N> &allowed, const std::optional<std::string> &value) {
    return value && std::any_of(allowed.begin(), allowed.end(),
                                [&](const char *entry) { return *value == entry; });
}

void check_reference(const std::string &what, const xmlNode *reference) {
    const auto uri = attribute(reference, "URI");
    if (!uri || !uri->empty()) {
        refused(what, "XML signature refused: Reference URI " +
                          (uri ? "\"" + *uri + "\"" : std::string("absent")) +
                          " (only URI=\"\", the whole document, is accepted)");
    }
    for (const xmlNode *child : element_children(reference)) {
        if (is_element(child, "Transforms", dsig_ns)) {
            for (const xmlNode *transform : element_children(child)) {
                const auto algorithm = attribute(transform, "Algorithm");
                if (!is_element(transform, "Transform", dsig_ns) ||
                    !(listed(canonicalization_algorithms, algorithm) ||
                      algorithm == enveloped_signature)) {
                    refused(what, "XML signature refused: transform \"" + algorithm.value_or("?") +
                                      "\" (only enveloped-signature and canonicalization)");
                }
            }
        } else if (is_element(child, "DigestMethod", dsig_ns)) {
            if (!listed(digest_algorithms, attribute(child, "Algorithm"))) {
                refused(what, "XML signature refused: digest method \"" +
                                  attribute(child, "Algorithm").value_or("?") + "\"");
            }
        } else if (!is_element(child, "DigestValue", dsig_ns)) {
            refused(what, "XML signature refused: unexpected element " + xmlsec::text(child->name) +
                              " in Reference");
        }
    }
}

void check_signed_info(const std::string &what, const xmlNode *signed_info) {
    size_t references = 0;
    for (const xmlNode *child : element_children(signed_info)) {
        const auto algorithm = attribute(child, "Algorithm");
        if (is_element(child, "CanonicalizationMethod", dsig_ns)) {
            if (!listed(canonicalization_algorithms, algorithm)) {
                refused(what, "XML signature refused: canonicalization \"" +
                                  algorithm.value_or("?") + "\"");
            }
        } else if (is_element(child, "SignatureMethod", dsig_ns)) {
            if (!listed(signature_algorithms, algorithm)) {
                refused(what, "XML signature refused: signature method \"" +
                                  algorithm.value_or("?") + "\"");
            }
        } else if (is_element(child, "Reference", dsig_ns)) {
            ++references;
            check_reference(what, child);
        } else {
            refused(what, "XML signature refused: unexpected element " + xmlsec::text(child->name) +
                              " in SignedInfo");
        }
    }
    if (references != 1) {
        refused(what, "XML signature refused: " + std::to_string(references) +
                          " Reference elements (exactly one expected)");
    }
}

// Base64 as a signature writes it: the alphabet, padding, and "\n" between lines.
bool base64_text(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' ||
               c == '=' || c == '\n';
    });
}

// Everything in the Signature but SignedInfo lies outside what the signature covers (the
// enveloped transform removes it all), so it may hold nothing a changed byte could hide in: no
// text between elements but line breaks, no comments or processing instructions, and base64
// values in one spelling (a tab for a line break would still decode the same).
void check_unsigned_parts(const std::string &what, const xmlNode *element) {
    const bool holds_base64 = is_element(element, "SignatureValue", dsig_ns) ||
                              is_element(element, "X509Certificate", dsig_ns);
    for (const xmlNode *child = element->children; child != nullptr; child = child->next) {
        if (child->type == XML_ELEMENT_NODE) {
            if (!is_element(child, "SignedInfo", dsig_ns)) {
                check_unsigned_parts(what, child);
            }
            continue;
        }
        const std::string text = child->type == XML_TEXT_NODE ? xmlsec::text(child->content) : "";
        const bool allowed = child->type == XML_TEXT_NODE &&
                             (holds_base64 ? base64_text(text) : text.empty() || text == "\n");
        if (!allowed) {
            refused(what, "XML signature refused: unsigned " +
                              std::string(child->type == XML_TEXT_NODE ? "text" : "content") +
                              " inside " + xmlsec::text(element->name) +
                              " (only line breaks between elements, and base64 values)");
        }
    }
}

/// The one Signature, a child of the root, in the shape rim.hpp allows.
xmlNode *checked_signature(const std::string &what, xmlDoc *doc) {
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *signature = the_signature(what, root);
    if (signature->parent != root) {
        refused(what, "XML signature refused: the Signature is not a child of the root element");
    }
    const auto parts = element_children(signature);
    if (parts.empty() || !is_element(parts.front(), "SignedInfo", dsig_ns) ||
        children_named(signature, "SignedInfo", dsig_ns).size() != 1) {
        refused(what, "XML signature refused: the Signature has no single SignedInfo first");
    }
    for (const xmlNode *part : parts) {
        if (!is_element(part, "SignedInfo", dsig_ns) &&
            !is_element(part, "SignatureValue", dsig_ns) && !is_element(part, "KeyInfo", dsig_ns)) {
            refused(what, "XML signature refused: unexpected element " + xmlsec::text(part->name) +
                              " in Signature");
        }
    }
    check_signed_info(what, parts.front());
    check_unsigned_parts(what, signature);
    return signature;
}

void add_transforms(xmlSecPtrList *list, const std::vector<xmlSecTransformId> &ids) {
    for (xmlSecTransformId id : ids) {
        if (xmlSecPtrListAdd(list, const_cast<void *>(static_cast<const void *>(id))) < 0) {
            throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: could not list a transform");
        }
    }
}

std::vector<xmlSecTransformId> canonicalization_transforms() {
    return {
        xmlSecTransformInclC14NId,   xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformInclC14N11Id, xmlSecTransformInclC14N11WithCommentsId,
        xmlSecTransformExclC14NId,   xmlSecTransformExclC14NWithCommentsId,
    };
}

/// The same rules as checked_signature, given to xmlsec too: what it may run is only this.
void restrict_context(xmlsec::DSigContext &context) {
    xmlSecDSigCtx *ctx = context.get();
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    add_transforms(&ctx->transformCtx.enabledTransforms, canonicalization_transforms());
    add_transforms(&ctx->transformCtx.enabledTransforms,
                   {xmlSecOpenSSLTransformEcdsaSha384Id, xmlSecOpenSSLTransformEcdsaSha256Id,
                    xmlSecOpenSSLTransformRsaSha256Id, xmlSecOpenSSLTransformRsaSha384Id});
    xmlSecPtrList *reference = xmlSecPtrListCreate(xmlSecTransformIdListId);
    if (reference == nullptr) {
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: no transform list");
    }
    context.restrict_reference_transforms(reference);
    add_transforms(reference, canonicalization_transforms());
    add_transforms(reference, {xmlSecTransformEnvelopedId, xmlSecOpenSSLTransformSha256Id,
                               xmlSecOpenSSLTransformSha384Id, xmlSecOpenSSLTransformSha512Id});
    // The key is ours (use_key); KeyInfo is never read for one.
    if (xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData,
                         const_cast<void *>(static_cast<const void *>(xmlSecKeyDataNameId))) < 0) {
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: could not restrict key data");
    }
}

std::string failure_reason(xmlSecDSigCtx *ctx, const std::string &xmlsec_errors) {
    std::string reason;
    const xmlSecSize count = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
    for (xmlSecSize i = 0; i < count; ++i) {
        const auto *reference = static_cast<const xmlSecDSigReferenceCtx *>(
            xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
        if (reference != nullptr && reference->status != xmlSecDSigStatusSucceeded) {
            reason = "the digest of the signed document does not match its Reference";
        }
    }
    if (reason.empty()) {
        reason = "the SignatureValue does not verify with the signing key";
    }
    if (!xmlsec_errors.empty()) {
        reason += "; xmlsec: " + xmlsec_errors;
    }
    return reason;
}

} // namespace

void verify_rim_signature(const Rim &rim, EVP_PKEY *key) {
    if (!rim.document) {
        throw sdk::failure(CCATTEST_E_INVALID_ARGUMENT, "RIM: no parsed document to verify");
    }
    const std::string &what = rim.document->what();
    xmlsec::ensure_initialized();
    std::lock_guard lock(rim.document->mutex());
    xmlNode *signature = checked_signature(what, rim.document->doc());
    xmlsec::ErrorCapture errors;
    xmlsec::DSigContext context;
    restrict_context(context);
    context.use_key(key);
    const int rc = xmlSecDSigCtxVerify(context.get(), signature);
    if (rc < 0) {
        refused(what, "XML signature does not verify (" +
                          (errors.text().empty() ? std::string("xmlsec refused the signature")
                                                 : errors.text()) +
                          ")");
    }
    if (context.get()->status != xmlSecDSigStatusSucceeded) {
        refused(what, "XML signature does not verify (" +
                          failure_reason(context.get(), errors.text()) + ")");
    }
}

VerifiedRim verify_rim(Rim rim, const std::vector<support::Certificate> &anchors, int64_t when,
                       support::ChainCache *cache) {
    if (rim.signing_chain.empty()) {
        throw sdk::failure(CCATTEST_E_MALFORMED, "RIM: no signing chain");
    }
    const support::Certificate &leaf = rim.signing_chain.front();
    const std::vector<support::Certificate> intermediates(rim.signing_chain.begin() + 1,
                                                          rim.signing_chain.end());
    const std::string what = rim.document ? rim.document->what() : rim.tag_id;
    support::VerifiedChain chain;
    // KeyInfo is outside what the signature covers: every certificate there must be checked.
    support::ChainOptions options;
    options.refuse_unused_certificates = true;
    try {
        chain = cache != nullptr
                    ? cache->verify(leaf, intermediates, anchors, when, options)
                    : support::verify_chain(leaf, intermediates, anchors, when, options);
    } catch (const sdk::failure &e) {
        throw sdk::failure(e.status(), "RIM " + what + ": signing chain: " + e.what());
    }
    verify_rim_signature(rim, chain.path.front().public_key());
    return VerifiedRim{std::move(rim), std::move(chain)};
}

namespace {

std::string rim_label(const Rim &rim) {
    return rim.document ? rim.document->what() : rim.tag_id;
}

const MeasurementBlock *block_at(const std::vector<MeasurementBlock> &blocks, uint32_t index) {
    for (const MeasurementBlock &block : blocks) {
        if (block.index == index + 1) {
            return &block;
        }
    }
    return nullptr;
}

} // namespace

std::vector<Mismatch> compare_measurements(const std::vector<const Rim *> &rims,
                                           const std::vector<MeasurementBlock> &blocks) {
    std::map<uint32_t, const Rim *> owner; // which RIM an active index came from
    std::vector<Mismatch> mismatches;
    for (const Rim *rim : rims) {
        for (const RimMeasurement &measurement : rim->measurements) {
            if (!measurement.active) {
                continue;
            }
            auto [it, fresh] = owner.emplace(measurement.index, rim);
            if (!fresh) {
                throw sdk::failure(CCATTEST_E_VERIFICATION_FAILED,
                                   "measurement index " + std::to_string(measurement.index) +
                                       " is active in both RIM " + rim_label(*it->second) +
                                       " and RIM " + rim_label(*rim));
            }
            const MeasurementBlock *block = block_at(blocks, measurement.index);
            const bool matches =
                block != nullptr &&
                std::any_of(measurement.alternatives.begin(), measurement.alternatives.end(),
                            [&](const support::Bytes &value) { return value == block->value; });
            if (!matches) {
                Mismatch mismatch{measurement.index, rim_label(*rim), {}, ""};
                for (const support::Bytes &value : measurement.alternatives) {
                    mismatch.expected.push_back(support::to_hex(value));
                }
                if (block != nullptr) {
                    mismatch.actual = support::to_hex(block->value);
                }
                mismatches.push_back(std::move(mismatch));
            }
        }
    }
    std::sort(mismatches.begin(), mismatches.end(),
              [](const Mismatch &a, const Mismatch &b) { return a.index < b.index; });
    return mismatches;
}

std::string driver_rim_id(bool nvswitch, const std::string &chip, const std::string &version) {
    if (nvswitch) {
        throw sdk::failure(CCATTEST_E_UNSUPPORTED,
                           "NVIDIA publishes no driver RIM for NVSwitches (VBIOS RIM only)");
    }
    if (chip == "GH100") {
        return "NV_GPU_DRIVER_GH100_" + version;
    }
    if (chip == "GB100") {
        return "NV_GPU_CC_DRIVER_GB100_" + version;
    }
    throw sdk::failure(CCATTEST_E_UNSUPPORTED, "no driver RIM id known for chip \"" + chip + "\"");
}

std::string vbios_rim_id(bool nvswitch, const std::string &project, const std::string &project_sku,
                         const std::string &chip_sku, const std::string &vbios_version) {
    std::string version;
    for (char c : vbios_version) {
        if (c != '.') {
            version += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    const std::string prefix = nvswitch ? "NV_SWITCH_BIOS_" : "NV_GPU_VBIOS_";
    return prefix + project + "_" + project_sku + "_" + chip_sku + "_" + version;
}

} // namespace ccattest::gpu
