// libxml2 and xmlsec1 as the RIM code uses them: initialised once per process, errors captured
// per call on the calling thread (so a refusal names xmlsec's reason and nothing is printed), and
// owning handles for documents, signature contexts and keys.
#pragma once

#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/evp.h>
#include <xmlsec/keys.h>
#include <xmlsec/xmldsig.h>

#include <memory>
#include <string>

namespace ccattest::gpu::xmlsec {

/// libxml2's parser and xmlsec1 with its OpenSSL back end, set up on the first call (any thread).
/// Throws sdk::failure(CCATTEST_E_INTERNAL) when the library refuses to start.
void ensure_initialized();

/// While alive, xmlsec and libxml2 errors raised on this thread (canonicalization reports through
/// libxml2) are collected here instead of printed.
class ErrorCapture {
public:
    ErrorCapture();
    ~ErrorCapture();
    ErrorCapture(const ErrorCapture &) = delete;
    ErrorCapture &operator=(const ErrorCapture &) = delete;
    /// The errors so far, "; "-separated ("" when none).
    [[nodiscard]] const std::string &text() const noexcept { return text_; }
    void append(const std::string &line);

private:
    std::string text_;
    ErrorCapture *previous_;
    xmlStructuredErrorFunc previous_libxml_handler_;
    void *previous_libxml_context_;
};

struct DocDeleter {
    void operator()(xmlDoc *doc) const noexcept { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

/// A signature context; the enabled-transform list it points to is owned here, not by xmlsec.
class DSigContext {
public:
    DSigContext();
    ~DSigContext();
    DSigContext(const DSigContext &) = delete;
    DSigContext &operator=(const DSigContext &) = delete;
    [[nodiscard]] xmlSecDSigCtx *get() const noexcept { return context_; }
    /// Restricts the transforms a Reference may use to `reference_transforms` (a list of
    /// xmlSecTransformId, owned by this context from now on).
    void restrict_reference_transforms(xmlSecPtrList *reference_transforms) noexcept;
    /// Makes `key` (up-referenced, never taken from KeyInfo) the signature key.
    void use_key(EVP_PKEY *key);

private:
    xmlSecDSigCtx *context_ = nullptr;
    xmlSecPtrList *reference_transforms_ = nullptr;
};

/// Text of an xmlChar string ("" for null).
std::string text(const xmlChar *value);

} // namespace ccattest::gpu::xmlsec
