#!/usr/bin/python3
"""Differential test of Airlock's inventory against importlib.metadata (the
comparison is test_inventory_differential.py's) on the interpreters pyenv
installed under /root/.pyenv: each site-packages directory as --path, and
each interpreter from 3.10 on (importlib.metadata with _adapters) as
--python. Exits 77 when there are none."""
import glob
import os
import sys

import test_inventory_differential as inv

PYENV = "/root/.pyenv/versions"


def main():
    if not os.access(inv.DUMP, os.X_OK):
        print(f"inventory_dump not built at {inv.DUMP}")
        return 1
    sites = sorted(glob.glob(f"{PYENV}/*/lib/python3*/site-packages"))
    exes = sorted(glob.glob(f"{PYENV}/3.1[0-9]*/bin/python3"))
    if not sites or not exes:
        print(f"skip: no pyenv interpreters (3.10 or later) under {PYENV}")
        return 77
    for sp in sites:
        inv.check_dir("pyenv " + sp.split("/")[4], sp)
    for exe in exes:
        inv.compare("pyenv --python " + exe.split("/")[4], inv.run_dump(["--python", exe]),
                    inv.run_oracle(exe, [], ["-E"]))
    # Every interpreter has at least pip or setuptools installed.
    inv.check_floors({label: 1 for label in inv.counts})
    for f in inv.failures:
        print("FAIL", f)
    return 1 if inv.failures else 0


if __name__ == "__main__":
    sys.exit(main())
