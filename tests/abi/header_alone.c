/* The ABI header must compile alone, first and only, as strict C99 and as C++ (see CMakeLists.txt).
 */
#include <ccattest/authorizer.h>

/* Use each type once so a broken declaration cannot hide. */
static ccattest_status header_alone_entry(const ccattest_host_api *host,
                                          const ccattest_plugin_api **out_api, char *message,
                                          size_t message_size) {
    ccattest_generate_args generate_args;
    ccattest_verify_args verify_args;
    ccattest_buffer buffer;
    ccattest_authorizer_entry_fn entry = ccattest_authorizer_entry;
    (void)host;
    (void)message;
    (void)message_size;
    (void)entry;
    generate_args.struct_size = (uint32_t)sizeof generate_args;
    verify_args.struct_size = (uint32_t)sizeof verify_args;
    buffer.data = NULL;
    buffer.size = 0;
    *out_api = NULL;
    return generate_args.struct_size + verify_args.struct_size + (ccattest_status)buffer.size == 0u
               ? CCATTEST_E_INTERNAL
               : CCATTEST_OK;
}

int header_alone_probe(void);
int header_alone_probe(void) {
    const ccattest_plugin_api *api = NULL;
    return (int)header_alone_entry(NULL, &api, NULL, 0);
}
