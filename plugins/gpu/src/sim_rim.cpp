// Simulated RIMs: the SWID tag written in the layout of NVIDIA's driver RIMs (see
// tests/data/gpu/nvat_rim_driver_gh100_550.144.03.xml: namespace prefixes, Meta attributes,
// Resource attributes, the signature's algorithms), signed by xmlsec1 through a template.
#include "sim_rim.hpp"

#include "xmlsec_session.hpp"

#include <ccattest/authorizer.hpp>

#include <libxml/xmlsave.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <string>

namespace ccattest::gpu {
namespace {

constexpr const char *swid_ns = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
constexpr const char *sha384_ns = "http://www.w3.org/2001/04/xmlenc#sha384";
constexpr const char *tcg_rim_ns =
    "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-"
    "model/";
// NVIDIA's PCI vendor id, as its RIMs give it.
constexpr const char *nvidia_vendor_id = "5703";

const xmlChar *xml(const char *text) {
    return reinterpret_cast<const xmlChar *>(text);
}
const xmlChar *xml(const std::string &text) {
    return xml(text.c_str());
}

[[noreturn]] void internal(const std::string &step) {
    throw sdk::failure(CCATTEST_E_INTERNAL, "simulated RIM: " + step);
}

template <typename T> T *checked(T *value, const char *step) {
    if (value == nullptr) {
        internal(step);
    }
    return value;
}

/// A line break and indentation before `child`, as NVIDIA's files are laid out.
xmlNode *add_child(xmlNode *parent, xmlNs *ns, const char *name, const char *indent) {
    xmlAddChild(parent, xmlNewText(xml(indent)));
    return checked(xmlNewChild(parent, ns, xml(name), nullptr), name);
}

void set(xmlNode *node, const char *name, const std::string &value, xmlNs *ns = nullptr) {
    checked(xmlNewNsProp(node, ns, xml(name), xml(value)), name);
}

void add_meta(xmlNode *root, xmlNs *swid, const RimSpec &spec) {
    xmlNode *meta = add_child(root, swid, "Meta", "\n    ");
    xmlNs *tcg = checked(xmlNewNs(meta, xml(tcg_rim_ns), xml("ns1")), "TCG namespace");
    set(meta, "colloquialVersion", spec.version);
    set(meta, "edition", spec.edition);
    set(meta, "product", spec.product);
    set(meta, "revision", "r1");
    set(meta, "PayloadType", "direct");
    set(meta, "BindingSpec", "RIMIM", tcg);
    set(meta, "BindingSpecVersion", "1.01", tcg);
    set(meta, "PlatformManufacturerId", nvidia_vendor_id, tcg);
    set(meta, "PlatformManufacturerStr", spec.manufacturer, tcg);
    set(meta, "PlatformModel", spec.product, tcg);
    set(meta, "FirmwareManufacturer", spec.manufacturer, tcg);
    set(meta, "FirmwareManufacturerId", nvidia_vendor_id, tcg);
}

void add_payload(xmlNode *root, xmlNs *swid, xmlNs *sha384, const RimSpec &spec) {
    xmlNode *payload = add_child(root, swid, "Payload", "\n    ");
    checked(xmlNewNs(payload, xml(sha384_ns), xml("SHA384")), "SHA384 namespace");
    for (const RimMeasurement &measurement : spec.measurements) {
        xmlNode *resource = add_child(payload, swid, "Resource", "\n        ");
        set(resource, "type", "Measurement");
        set(resource, "index", std::to_string(measurement.index));
        set(resource, "active", measurement.active ? "True" : "False");
        set(resource, "alternatives", std::to_string(measurement.alternatives.size()));
        for (size_t k = 0; k < measurement.alternatives.size(); ++k) {
            set(resource, ("Hash" + std::to_string(k)).c_str(),
                support::to_hex(measurement.alternatives[k]), sha384);
        }
        set(resource, "name",
            measurement.name.empty() ? "Measurement_" + std::to_string(measurement.index)
                                     : measurement.name);
        set(resource, "size", std::to_string(measurement.size));
    }
    xmlAddChild(payload, xmlNewText(xml("\n    ")));
}

xmlsec::DocPtr build_tag(const RimSpec &spec) {
    xmlsec::DocPtr doc(checked(xmlNewDoc(xml("1.0")), "document"));
    xmlNode *root = checked(xmlNewNode(nullptr, xml("SoftwareIdentity")), "root");
    xmlDocSetRootElement(doc.get(), root);
    xmlSetNs(root, checked(xmlNewNs(root, xml(swid_ns), nullptr), "SWID namespace"));
    xmlNs *swid = checked(xmlNewNs(root, xml(swid_ns), xml("ns0")), "ns0");
    xmlNs *sha384 = checked(xmlNewNs(root, xml(sha384_ns), xml("ns2")), "ns2");
    set(root, "corpus", "false");
    set(root, "name", spec.name);
    set(root, "patch", "false");
    set(root, "supplemental", "false");
    set(root, "tagId", spec.tag_id);
    set(root, "version", "1.0");
    set(root, "tagVersion", "0");
    xmlNode *entity = add_child(root, swid, "Entity", "\n    ");
    set(entity, "name", spec.manufacturer);
    set(entity, "role", "softwareCreator tagCreator");
    add_meta(root, swid, spec);
    add_payload(root, swid, sha384, spec);
    xmlAddChild(root, xmlNewText(xml("\n")));
    return doc;
}

/// The Signature template: C14N 1.1, ECDSA-SHA384, one Reference URI="" (enveloped, C14N 1.1,
/// SHA-384), and KeyInfo with every certificate of `chain` in order.
xmlNode *add_signature_template(xmlDoc *doc, const std::vector<support::Certificate> &chain) {
    xmlNode *signature = checked(
        xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformInclC14N11Id,
                                        xmlSecOpenSSLTransformEcdsaSha384Id, nullptr, xml("ds")),
        "signature template");
    xmlAddChild(xmlDocGetRootElement(doc), signature);
    xmlNode *reference =
        checked(xmlSecTmplSignatureAddReference(signature, xmlSecOpenSSLTransformSha384Id, nullptr,
                                                xml(""), nullptr),
                "reference");
    checked(xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId), "enveloped");
    checked(xmlSecTmplReferenceAddTransform(reference, xmlSecTransformInclC14N11Id), "c14n");
    xmlNode *key_info = checked(xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr), "KeyInfo");
    xmlNode *x509_data = checked(xmlSecTmplKeyInfoAddX509Data(key_info), "X509Data");
    for (const support::Certificate &certificate : chain) {
        // xmlSecTmplX509DataAddCertificate adds one only: the others are plain children too.
        xmlNode *element = checked(
            xmlSecAddChild(x509_data, xmlSecNodeX509Certificate, xmlSecDSigNs), "X509Certificate");
        xmlNodeSetContent(element, xml(support::base64_encode(certificate.der())));
    }
    return signature;
}

support::Bytes serialize(xmlDoc *doc) {
    std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buffer(
        checked(xmlBufferCreate(), "buffer"), xmlBufferFree);
    xmlSaveCtxt *save = checked(xmlSaveToBuffer(buffer.get(), "UTF-8", XML_SAVE_NO_DECL), "save");
    const long written = xmlSaveDoc(save, doc);
    if (xmlSaveClose(save) < 0 || written < 0) {
        internal("could not write the XML");
    }
    const auto *bytes = xmlBufferContent(buffer.get());
    return {bytes, bytes + xmlBufferLength(buffer.get())};
}

} // namespace

support::Bytes make_signed_rim(const RimSpec &spec, EVP_PKEY *signer,
                               const std::vector<support::Certificate> &chain) {
    xmlsec::ensure_initialized();
    xmlsec::DocPtr doc = build_tag(spec);
    xmlNode *signature = add_signature_template(doc.get(), chain);
    xmlsec::ErrorCapture errors;
    xmlsec::DSigContext context;
    context.use_key(signer);
    if (xmlSecDSigCtxSign(context.get(), signature) < 0) {
        internal("xmlsec could not sign (" + errors.text() + ")");
    }
    return serialize(doc.get());
}

} // namespace ccattest::gpu
