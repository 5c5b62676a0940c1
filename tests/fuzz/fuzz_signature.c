/* libFuzzer target: minisign signature files (untrusted input). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "signatures/minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    airlock_error err;
    minisign_sig sig;
    if (minisign_sig_parse((const char *)data, size, "fuzz", &sig, &err) == 0) {
        /* A parsed signature is consistent and verifiable without crashing. */
        if (strlen(sig.trusted_comment) >= MINISIGN_TRUSTED_COMMENT_MAX)
            __builtin_trap();
        minisign_pubkey pk;
        memset(&pk, 0, sizeof pk);
        memcpy(pk.keyid, sig.keyid, sizeof pk.keyid);
        uint8_t hash[MINISIGN_HASH_BYTES] = {0};
        minisign_sig_verify(&sig, &pk, hash, &err);
        minisign_sig_free(&sig);
    }
    return 0;
}
