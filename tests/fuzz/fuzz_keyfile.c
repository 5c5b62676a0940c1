/* libFuzzer target: minisign public and secret key files. Encrypted secret
 * keys are only checked for structure: scrypt is slow by design. */
#include <stddef.h>
#include <stdint.h>

#include "signatures/minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    const char *text = (const char *)data;
    minisign_pubkey pk;
    minisign_pubkey_parse(text, size, "fuzz", &pk, &err);
    int enc = minisign_seckey_is_encrypted(text, size, "fuzz", &err);
    if (enc == 0) {
        minisign_seckey sk;
        if (minisign_seckey_parse(text, size, "fuzz", NULL, &sk, &err) == 0)
            minisign_seckey_wipe(&sk);
    }
    return 0;
}
