#!/usr/bin/python3
"""Differential test of Airlock's inventory against importlib.metadata (the
comparison is test_inventory_differential.py's) on the real site-packages of
../shared/data/metadata-real: importlib finds the 80 distributions with a
Name and a Version that SOURCES.md lists, and Airlock the same. Exits 77
without the shared data."""
import os
import sys

import test_inventory_differential as inv


def main():
    if not os.access(inv.DUMP, os.X_OK):
        print(f"inventory_dump not built at {inv.DUMP}")
        return 1
    real = os.path.join(inv.SHARED, "data", "metadata-real", "site-packages")
    if not os.path.isdir(real):
        print(f"skip: the real site-packages are not in {real}")
        return 77
    inv.check_dir("metadata-real", real)
    if inv.counts["metadata-real"] != 80:
        inv.failures.append(f"metadata-real: importlib found {inv.counts['metadata-real']} "
                            "with Name and Version, SOURCES.md says 80")
    for f in inv.failures:
        print("FAIL", f)
    return 1 if inv.failures else 0


if __name__ == "__main__":
    sys.exit(main())
