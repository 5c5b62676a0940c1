#!/usr/bin/python3
"""Write a synthetic site-packages of N installed distributions for
bench_inventory: gen_sitepackages.py DIR [N] (default 5000).

Deterministic (fixed seed). Each distribution is what pip leaves behind: a
NAME-VERSION.dist-info with METADATA, RECORD, INSTALLER, WHEEL and
top_level.txt, plus the package directory. METADATA sizes follow real wheels:
a header block of 1-4 KiB (classifiers, Requires-Dist, Project-URL) and a
README body log-normally distributed around 6 KiB, up to ~200 KiB; one in 20
has no body at all. Refuses to write inside the Airlock source tree.
"""
import math
import os
import random
import sys

WORDS = ("security offline python package vulnerability advisory database scan "
         "version release wheel metadata install environment network client server "
         "parser fast simple robust library tool data cache async http json yaml").split()
CLASSIFIERS = [
    "Development Status :: 5 - Production/Stable", "Intended Audience :: Developers",
    "License :: OSI Approved :: MIT License", "Operating System :: OS Independent",
    "Programming Language :: Python :: 3", "Programming Language :: Python :: 3.8",
    "Programming Language :: Python :: 3.9", "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12",
    "Topic :: Software Development :: Libraries", "Typing :: Typed",
]


def metadata(rng, name, version):
    h = [f"Metadata-Version: 2.{rng.randint(0, 4)}", f"Name: {name}", f"Version: {version}",
         f"Summary: {' '.join(rng.choices(WORDS, k=8))}",
         f"Home-page: https://example.org/{name}", "Author: Someone",
         "Author-email: someone@example.org", "License: MIT",
         f"Requires-Python: >=3.{rng.randint(6, 9)}"]
    h += [f"Classifier: {c}" for c in rng.sample(CLASSIFIERS, rng.randint(3, len(CLASSIFIERS)))]
    for _ in range(rng.randint(0, 25)):
        h.append(f"Requires-Dist: {rng.choice(WORDS)}-{rng.choice(WORDS)}>={rng.randint(0, 9)}.0"
                 + ("; extra == 'test'" if rng.random() < 0.3 else ""))
    for _ in range(rng.randint(0, 6)):
        h.append(f"Project-URL: {rng.choice(WORDS).title()}, https://example.org/{name}/x")
    text = "\n".join(h) + "\nDescription-Content-Type: text/markdown\n"
    if rng.random() < 0.05:
        return text
    size = min(200_000, int(math.exp(rng.gauss(math.log(6000), 1.0))))
    body = []
    n = 0
    while n < size:
        line = " ".join(rng.choices(WORDS, k=rng.randint(4, 14)))
        body.append(line)
        n += len(line) + 1
    return text + "\n" + "\n".join(body) + "\n"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: gen_sitepackages.py DIR [N]")
    out = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 5000
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    if out == repo or out.startswith(repo + os.sep):
        sys.exit("gen_sitepackages.py: refusing to write inside the source tree")
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20240101)
    for i in range(n):
        name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{i}"
        version = f"{rng.randint(0, 30)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}"
        di = os.path.join(out, f"{name}-{version}.dist-info")
        os.makedirs(di, exist_ok=True)
        with open(os.path.join(di, "METADATA"), "w") as f:
            f.write(metadata(rng, name.replace("_", "-"), version))
        with open(os.path.join(di, "RECORD"), "w") as f:
            for k in range(rng.randint(3, 30)):
                f.write(f"{name}/mod{k}.py,sha256=abc,{rng.randint(100, 9999)}\n")
        with open(os.path.join(di, "INSTALLER"), "w") as f:
            f.write("pip\n")
        with open(os.path.join(di, "WHEEL"), "w") as f:
            f.write("Wheel-Version: 1.0\nGenerator: bdist_wheel\nRoot-Is-Purelib: true\n"
                    "Tag: py3-none-any\n")
        with open(os.path.join(di, "top_level.txt"), "w") as f:
            f.write(name + "\n")
        pkg = os.path.join(out, name)
        os.makedirs(pkg, exist_ok=True)
        with open(os.path.join(pkg, "__init__.py"), "w") as f:
            f.write("")
    print(f"{n} distributions in {out}")


if __name__ == "__main__":
    main()
