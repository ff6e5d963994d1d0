// See xmlsec_session.hpp. xmlsec's error callback is process-wide, so it writes into a
// thread-local sink: each thread sees only the errors of its own calls.
#include "xmlsec_session.hpp"

#include <ccattest/authorizer.hpp>

#include <libxml/parser.h>
#include <xmlsec/errors.h>
#include <xmlsec/keysdata.h>
#include <xmlsec/list.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmlsec.h>

#include <mutex>

namespace ccattest::gpu::xmlsec {
namespace {

// Enough for a reason; a hostile document must not grow it without bound.
constexpr size_t max_error_text = 2048;

thread_local ErrorCapture *current_capture = nullptr;

void collect_error(const char * /*file*/, int /*line*/, const char *func,
                   const char * /*error_object*/, const char * /*error_subject*/, int /*reason*/,
                   const char *msg) {
    if (current_capture == nullptr) {
        return;
    }
    std::string line = func != nullptr ? func : "xmlsec";
    if (msg != nullptr && *msg != '\0') {
        line += ": ";
        line += msg;
    }
    current_capture->append(line);
}

void collect_libxml_error(void *context, xmlError *error) {
    if (context == nullptr || error == nullptr || error->message == nullptr) {
        return;
    }
    std::string line = std::string("libxml2: ") + error->message;
    while (!line.empty() && line.back() == '\n') {
        line.pop_back();
    }
    static_cast<ErrorCapture *>(context)->append(line);
}

void initialize_once() {
    xmlInitParser();
    // xmlsec1's state is process-wide, but this code may be linked twice into one process (a test
    // that also loads the plugin): a second xmlSecInit would orphan the first one's registrations.
    // Registered transforms mean another copy started it; then only the callback is ours.
    // (The validity test first: asking an unstarted list its size makes xmlsec print an error.)
    xmlSecPtrListPtr transforms = xmlSecTransformIdsGet();
    if (xmlSecPtrListIsValid(transforms) && xmlSecPtrListGetSize(transforms) > 0) {
        xmlSecErrorsSetCallback(collect_error);
        return;
    }
    if (xmlSecInit() < 0) {
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: xmlSecInit failed");
    }
    if (xmlSecCheckVersion() != 1) {
        throw sdk::failure(CCATTEST_E_INTERNAL,
                           "xmlsec1: the loaded library is not the version built against");
    }
    if (xmlSecOpenSSLAppInit(nullptr) < 0 || xmlSecOpenSSLInit() < 0) {
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: the OpenSSL back end did not start");
    }
    // After the back end's start, which may install its own callback.
    xmlSecErrorsSetCallback(collect_error);
}

} // namespace

void ensure_initialized() {
    static std::once_flag once;
    std::call_once(once, initialize_once);
}

// libxml2's structured handler is per thread (its globals are thread-local), like our sink.
ErrorCapture::ErrorCapture()
    : previous_(current_capture), previous_libxml_handler_(xmlStructuredError),
      previous_libxml_context_(xmlStructuredErrorContext) {
    current_capture = this;
    xmlSetStructuredErrorFunc(this, collect_libxml_error);
}

ErrorCapture::~ErrorCapture() {
    current_capture = previous_;
    xmlSetStructuredErrorFunc(previous_libxml_context_, previous_libxml_handler_);
}

void ErrorCapture::append(const std::string &line) {
    if (text_.size() >= max_error_text) {
        return;
    }
    if (!text_.empty()) {
        text_ += "; ";
    }
    text_ += line.substr(0, max_error_text - text_.size());
}

DSigContext::DSigContext() : context_(xmlSecDSigCtxCreate(nullptr)) {
    if (context_ == nullptr) {
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: no signature context");
    }
}

DSigContext::~DSigContext() {
    // Detached first, so the list is freed exactly once whatever xmlsec's finalizer does with it.
    context_->enabledReferenceTransforms = nullptr;
    xmlSecDSigCtxDestroy(context_);
    if (reference_transforms_ != nullptr) {
        xmlSecPtrListDestroy(reference_transforms_);
    }
}

void DSigContext::restrict_reference_transforms(xmlSecPtrList *reference_transforms) noexcept {
    if (reference_transforms_ != nullptr) {
        xmlSecPtrListDestroy(reference_transforms_);
    }
    reference_transforms_ = reference_transforms;
    context_->enabledReferenceTransforms = reference_transforms;
}

void DSigContext::use_key(EVP_PKEY *key) {
    if (key == nullptr || EVP_PKEY_up_ref(key) != 1) {
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: no key to use");
    }
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(key);
    if (data == nullptr) {
        EVP_PKEY_free(key);
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: the key's type is not supported");
    }
    xmlSecKeyPtr xmlsec_key = xmlSecKeyCreate();
    if (xmlsec_key == nullptr || xmlSecKeySetValue(xmlsec_key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        if (xmlsec_key != nullptr) {
            xmlSecKeyDestroy(xmlsec_key);
        }
        throw sdk::failure(CCATTEST_E_INTERNAL, "xmlsec1: could not make a key");
    }
    if (context_->signKey != nullptr) {
        xmlSecKeyDestroy(context_->signKey);
    }
    context_->signKey = xmlsec_key;
}

std::string text(const xmlChar *value) {
    return value == nullptr ? std::string() : std::string(reinterpret_cast<const char *>(value));
}

} // namespace ccattest::gpu::xmlsec
