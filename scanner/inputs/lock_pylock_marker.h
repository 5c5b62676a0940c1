/*
 * lock_pylock_marker.h - which extras or dependency groups a pylock.toml
 * package's marker asks for.
 *
 * PEP 751 ties a package to extras and dependency groups only through its
 * marker, with `'NAME' in extras` and `'NAME' in dependency_groups`. This
 * reads a marker as a boolean formula and finds the groups without which it
 * cannot be true: for `A and B` those of A (or of B), for `A or B` the
 * union of both when both have some, for an atom `'x' in dependency_groups`
 * the group x, for anything else none. A marker it cannot read (not PEP 508
 * syntax, over MARKER_MAX_TEXT bytes or MARKER_MAX_DEPTH parentheses deep,
 * more than 64 groups) gives none: the package then holds no group and is
 * not dev, so --no-dev never leaves it out by a guess.
 */
#ifndef AIRLOCK_LOCK_PYLOCK_MARKER_H
#define AIRLOCK_LOCK_PYLOCK_MARKER_H

#include <stdbool.h>

#include "core/buf.h"

/* Append the groups `marker` requires to `group`, joined with ", " in the
 * order they are written (extras as "extra:NAME"), nothing when it requires
 * none; set *dev when the only one is the dependency group "dev" (compared
 * after PEP 503 normalisation), else clear it. */
void pylock_marker_groups(const char *marker, buf *group, bool *dev);

#endif
