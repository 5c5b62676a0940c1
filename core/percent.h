/*
 * percent.h - decoding %XX escapes in URLs and URL paths.
 */
#ifndef AIRLOCK_PERCENT_H
#define AIRLOCK_PERCENT_H

/* Decode every "%XX" (hex, either case) in the NUL-terminated `text` into
 * its byte. "%00" and malformed escapes are kept as written, so the result
 * never holds an embedded NUL. Returns a new string owned by the caller. */
char *percent_decode(const char *text);

#endif
