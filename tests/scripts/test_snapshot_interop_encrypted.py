#!/usr/bin/python3
"""Encrypted secret keys, both ways: stock minisign signs with a key that
airlock-dbbuild encrypted, and airlock-dbbuild signs with a key that stock
minisign encrypted. (Stock minisign reads the passphrase from stdin when it
is not a terminal; airlock-dbbuild from AIRLOCK_PASSPHRASE_FILE.) Each scrypt
takes a few seconds by design."""
import os
import shutil
import subprocess
import sys
import tempfile

AIRLOCK = os.environ.get("AIRLOCK_BIN")
DBBUILD = os.environ.get("AIRLOCK_DBBUILD_BIN")
failures = checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + what)
    failures += not cond


def run(args, **kw):
    # A new session: no controlling terminal, as in CI.
    return subprocess.run(args, capture_output=True, text=True, start_new_session=True, **kw)


def main():
    if not AIRLOCK or not DBBUILD or shutil.which("minisign") is None:
        print("skip: needs AIRLOCK_BIN, AIRLOCK_DBBUILD_BIN and minisign")
        return 77
    tmp = tempfile.mkdtemp(prefix="airlock-enc-")
    j = lambda *p: os.path.join(tmp, *p)
    open(j("pass"), "w").write("correct horse\n")
    open(j("wrong"), "w").write("battery staple\n")
    open(j("src.json"), "w").write("{}\n")
    env = dict(os.environ, AIRLOCK_PASSPHRASE_FILE=j("pass"), SOURCE_DATE_EPOCH="1700000000")
    env.pop("AIRLOCK_TRUSTED_KEYS", None)

    r = run([DBBUILD, "keygen", "-p", j("k.pub"), "-s", j("k.key")], env=env)
    check(r.returncode == 0, "keygen with a passphrase: " + r.stderr.strip())
    key = open(j("k.key")).read().split("\n")[1]
    check(key.startswith("RWRTY0"), "the secret key is marked scrypt-encrypted ('Ed' 'Sc' 'B2')")

    with open(j("pass")) as stdin:
        r = run(["minisign", "-S", "-s", j("k.key"), "-m", j("src.json")], stdin=stdin)
    check(r.returncode == 0, "stock minisign decrypts and signs with an airlock-encrypted key: " + r.stderr.strip())
    r = run(["minisign", "-Vm", j("src.json"), "-p", j("k.pub")])
    check(r.returncode == 0, "stock minisign verifies that signature")

    # (A wrong passphrase is covered by the unit tests, with cheap parameters.)
    noenv = dict(env)
    del noenv["AIRLOCK_PASSPHRASE_FILE"]
    r = run([DBBUILD, "build", "-s", j("k.key"), "-o", j("b.snap"), j("src.json")], env=noenv)
    check(r.returncode == 2 and "AIRLOCK_PASSPHRASE_FILE" in r.stderr,
          "no terminal and no passphrase file: says how to give one")

    # A key that stock minisign 0.11 made and encrypted (minisign -G, passphrase
    # "secretpw"), kept as a fixture so that this test runs one scrypt less.
    corpus = os.path.join(os.environ.get("AIRLOCK_SOURCE_DIR", "."), "tests/fuzz/corpus/keyfile")
    shutil.copy(os.path.join(corpus, "minisign-encrypted.key"), j("m.key"))
    shutil.copy(os.path.join(corpus, "minisign2.pub"), j("m.pub"))
    open(j("mpass"), "w").write("secretpw\n")
    r = run([DBBUILD, "build", "-s", j("m.key"), "-o", j("c.snap"), j("src.json")],
            env=dict(env, AIRLOCK_PASSPHRASE_FILE=j("mpass")))
    check(r.returncode == 0, "airlock-dbbuild decrypts a minisign-encrypted key: " + r.stderr.strip())
    r = run(["minisign", "-Vm", j("c.snap"), "-p", j("m.pub")])
    check(r.returncode == 0, "stock minisign verifies that snapshot")
    r = run([AIRLOCK, "--db-dir", j("db"), "db", "import", j("c.snap"), "--trusted-key", j("m.pub")], env=env)
    check(r.returncode == 0, "airlock imports it")

    shutil.rmtree(tmp)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
