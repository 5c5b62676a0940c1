/*
 * progress.h - the build's progress line on stderr.
 *
 * One line, redrawn in place, that names the phase the build is in. Nothing
 * is drawn until the build has run for a second, so short builds stay quiet,
 * and a redraw happens at most four times a second. Whether to draw at all
 * (a terminal, or --verbose) is the caller's choice: a NULL progress is
 * quiet, and every call takes NULL.
 */
#ifndef AIRLOCK_PROGRESS_H
#define AIRLOCK_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct progress {
    FILE *out;
    double started; /* monotonic seconds when the build began */
    double shown;   /* when the line was last drawn, or 0 */
    bool open;      /* a line is drawn and not yet ended */
} progress;

/* Start the clock; draw on `out`. */
void progress_init(progress *p, FILE *out);

/* Seconds since progress_init. */
double progress_elapsed(const progress *p);

/* Redraw the line as "airlock-dbbuild: TEXT", unless drawn under a quarter
 * of a second ago or the build is under a second old. */
void progress_update(progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Enter a new phase: end the current line, so that it stays on screen, and
 * draw TEXT at once (still not before the build is a second old). */
void progress_phase(progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* End the line, if one is drawn, before other output. */
void progress_end(progress *p);

#endif
