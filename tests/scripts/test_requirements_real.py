"""Differential test of Airlock's requirement-file reader against pip's, on
the real files of ../shared/data/requirements-real (the comparison itself is
test_requirements_differential.py's): every top-level file listed in
SOURCES.md gives pip's rows, and the distinct exact pins SOURCES.md gives for
each. Exits 77 without the shared data or the dump tool.
"""
import os
import sys

import test_requirements_differential as diff

# What the files held when this floor was set: 43 top-level files, 3,322
# rows pip yields. Fewer means the reference shrank, or a file stopped being
# compared; raise the floors when the data grows.
MIN_FILES = 43
MIN_ROWS = 3200


def main():
    if not diff.BUILD or not os.access(diff.DUMP, os.X_OK):
        print(f"skip: requirements_dump not found at {diff.DUMP!r}")
        return 77
    if not os.path.isfile(os.path.join(diff.REAL, "SOURCES.md")):
        print(f"skip: the real requirement files are not in {diff.REAL}")
        return 77
    totals = dict(files=0, agree_files=0, rows=0, rejected=0, pip_fatal=0)
    failures = []
    top = diff.top_level_real()
    diff.compare(diff.REAL, top, totals, failures)
    pinned = diff.check_pin_counts(failures)
    print(f"real files: {totals}; pin counts checked against SOURCES.md: {pinned} files")
    if len(top) < MIN_FILES or totals["files"] < MIN_FILES or pinned < MIN_FILES:
        failures.append(f"{totals['files']} files compared, {pinned} pin counts checked "
                        f"(floor {MIN_FILES})")
    if totals["rows"] < MIN_ROWS:
        failures.append(f"{totals['rows']} rows compared (floor {MIN_ROWS})")
    for msg in failures:
        print("FAIL", msg)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
