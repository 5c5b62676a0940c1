/*
 * progress.c - the build's progress line (progress.h).
 */
#include "dbbuild/progress.h"

#include <stdarg.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(progress *p, FILE *out)
{
    p->out = out;
    p->started = now_seconds();
    p->shown = 0;
    p->open = false;
}

double progress_elapsed(const progress *p)
{
    return now_seconds() - p->started;
}

__attribute__((format(printf, 3, 0)))
static void draw(progress *p, double t, const char *fmt, va_list ap)
{
    p->shown = t;
    p->open = true;
    fputs("\rairlock-dbbuild: ", p->out);
    vfprintf(p->out, fmt, ap);
    fputs("\033[K", p->out);
    fflush(p->out);
}

void progress_update(progress *p, const char *fmt, ...)
{
    if (p == NULL)
        return;
    double t = now_seconds();
    if (t - p->started < 1.0 || t - p->shown < 0.25)
        return;
    va_list ap;
    va_start(ap, fmt);
    draw(p, t, fmt, ap);
    va_end(ap);
}

void progress_phase(progress *p, const char *fmt, ...)
{
    if (p == NULL)
        return;
    double t = now_seconds();
    if (t - p->started < 1.0)
        return;
    progress_end(p);
    va_list ap;
    va_start(ap, fmt);
    draw(p, t, fmt, ap);
    va_end(ap);
}

void progress_end(progress *p)
{
    if (p == NULL || !p->open)
        return;
    fputc('\n', p->out);
    p->open = false;
}
