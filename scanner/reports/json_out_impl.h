/*
 * json_out_impl.h - json_out.c's calls that json_out_part.c uses (private
 * to the two files).
 */
#ifndef AIRLOCK_JSON_OUT_IMPL_H
#define AIRLOCK_JSON_OUT_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "scanner/reports/json_out.h"

/* Hand the formatted text buffered in `j` to its FILE*, sink or writer
 * thread; `more`: the document goes on (a writer thread may be started). */
void jo_flush_more(json_out *j, bool more);

/* Hand the twin's buffered text to its sink (or the writer thread). */
void jo_twin_flush(json_out *j);

/* Append `n` bytes of formatted text, as they are (no escaping). */
void jo_put_long(json_out *j, const char *p, size_t n);

/* Append `n` bytes to the twin, as they are (twin mode only). */
void jo_tput(json_out *j, const void *data, size_t n);

#endif
