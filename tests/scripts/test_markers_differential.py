"""Differential test: Airlock's markers against pip's two grammars and
packaging 23.0's evaluation.

A generated corpus of marker expressions (random combinations of every
variable, operator, quoting, nesting and spacing, plus hand-written edge
cases) is evaluated in several environments by bench/requirements_dump.c
("markers" mode) and by the oracle below. For each pair the outcome must
agree: parse error, evaluation error, or (result, str(marker)).

The oracle reads a marker as pip does, in either of its grammars: pip's
vendored packaging 21.3 (pyparsing literals, pip <= 24.0) or packaging's
tokenizer (pip >= 24.1; 23.0's here, held to the whole text). What 21.3
reads is re-spelled with blanks and Python-quoted values, so that
packaging 23.0 evaluates and prints exactly what 21.3 read; a value whose
backslashes Python's literal_eval reads otherwise must be an evaluation
error (docs/requirements.md).
"""
import os
import random
import re
import subprocess
import sys

from packaging._parser import _parse_marker
from packaging._tokenizer import DEFAULT_RULES, ParserSyntaxError, Tokenizer
from packaging.markers import InvalidMarker, Marker
from pip._vendor.packaging.markers import Marker as Marker21

BUILD = os.environ.get("AIRLOCK_BUILD_DIR", "")
DUMP = os.path.join(BUILD, "requirements_dump")

FIELDS = ["os_name", "sys_platform", "platform_machine", "platform_python_implementation",
          "platform_release", "platform_system", "platform_version", "python_version",
          "python_full_version", "implementation_name", "implementation_version", "extra"]

ENVS = [
    dict(os_name="posix", sys_platform="linux", platform_machine="x86_64",
         platform_python_implementation="CPython", platform_release="6.1.0-13-amd64",
         platform_system="Linux", platform_version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1",
         python_version="3.11", python_full_version="3.11.2", implementation_name="cpython",
         implementation_version="3.11.2", extra=""),
    dict(os_name="nt", sys_platform="win32", platform_machine="AMD64",
         platform_python_implementation="CPython", platform_release="10",
         platform_system="Windows", platform_version="10.0.19041", python_version="3.8",
         python_full_version="3.8.10", implementation_name="cpython",
         implementation_version="3.8.10", extra="Test_Extra"),
    dict(os_name="posix", sys_platform="darwin", platform_machine="arm64",
         platform_python_implementation="PyPy", platform_release="22.6.0",
         platform_system="Darwin", platform_version="Darwin Kernel Version 22.6.0",
         python_version="3.12", python_full_version="3.12.0rc1", implementation_name="pypy",
         implementation_version="7.3.12", extra="security"),
    dict(os_name="posix", sys_platform="linux2", platform_machine="aarch64",
         platform_python_implementation="CPython", platform_release="",
         platform_system="Linux", platform_version="", python_version="2.7",
         python_full_version="2.7.18+", implementation_name="cpython",
         implementation_version="2.7.18", extra="tests.extra"),
]

VARS = ["python_version", "python_full_version", "os_name", "os.name", "sys_platform",
        "sys.platform", "platform_release", "platform_system", "platform_version",
        "platform.version", "platform_machine", "platform.machine",
        "platform_python_implementation", "platform.python_implementation",
        "python_implementation", "implementation_name", "implementation_version", "extra"]
VALUES = ["3.11", "3.8", "3", "2.7", "3.11.2", "3.12.0rc1", "3.11.*", "3.*", "posix", "nt",
          "linux", "win32", "darwin", "Linux", "Windows", "x86_64", "AMD64", "arm64",
          "CPython", "PyPy", "cpython", "pypy", "test-extra", "Test_Extra", "security",
          "tests.extra", "", " 3.11 ", "1.0+local", "abc", "lin", "6", "10", "v3.11",
          "os_name", "3.11,3.12", "3.11;x", "7.3"]
OPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"]

EDGE = [
    'os_name == "posix" junk', 'os_name == "a" and', '(os_name == "posix"', 'os_name = "posix"',
    'unknown_var == "x"', '"a" == "b"', '"posix" == "os_name"', 'os_name == sys_platform',
    'extra == "Test_Extra"', '(extra == "Test_Extra")', 'extra == "a" or extra == "Test.Extra"',
    "os_name=='posix'and python_version>='3'", "os_name == 'posix' or", "not in", "",
    'python_version >= "3" and (os_name == "nt" or (sys_platform == "linux"))',
    'python_version<"3"or os_name=="x"', '((os_name == "posix"))', 'os_name not  in "xposix"',
    'os_name notin "x"', 'os_namex == "posix"', '"3.8" < python_version', 'python_version',
    'os_name == "posix" and ((python_version >= "3" or os_name == "nt"))',
    'python_version ~= "3"', 'python_version == "3.11.*"', 'python_full_version != "3.11.*"',
    'platform_release >= "5"', 'os_name in "posix,nt"', "os_name == 'pos\"ix'",
    'python_version >= "3.6" and', 'and os_name == "posix"', '(((((os_name == "posix")))))',
    # issue 13: what pip <= 24.0 reads and packaging >= 22 refuses
    "os_name=='posix'andpython_version>'3'", "os_name=='nt'orpython_version>'3'",
    "'posix'inos_name", "'nt'not inos_name", "python_version>'3'andos_name=='posix'",
    "os_name == 'po\\six'", "os_name != 'a\\tb'", "os_name != '\\\\'", "os_name != '\\x41'",
    "os_name == 'a\\'", "os_name != \"\\'\"", "os_name not\tin 'x'",
]

# A backslash that Python's literal_eval reads otherwise than pyparsing.
AMBIGUOUS = re.compile(r"""\\([\\'"abvx0-7NuU]|$|(?=['"]))""")


def respell(markers):
    """21.3's parse tree as text packaging 23.0 reads the same way."""
    out = []
    for m in markers:
        if isinstance(m, str):
            out.append(m)
        elif isinstance(m, list):
            out.append("(" + respell(m) + ")")
        else:
            out.append(" ".join(repr(x.value) if type(x).__name__ == "Value" else x.value
                                for x in m))
    return " ".join(out)


def parses_whole_23(expr):
    t = Tokenizer(expr, rules=DEFAULT_RULES)
    try:
        _parse_marker(t)
    except ParserSyntaxError:
        return False
    t.consume("WS")
    return t.check("END")


# Most atoms compare a variable with a value of its kind, so that most
# cases evaluate to true or false: drawn from all of VALUES and OPS, 37% of
# cases were evaluation errors (a version operator on a name, or a name
# compared with a version) and only 7,406 of 16,132 compared a result.
VERSION_VARS = ["python_version", "python_full_version", "implementation_version"]
VERSION_VALUES = ["3.11", "3.8", "3", "2.7", "3.11.2", "3.12.0rc1", "3.11.*", "3.*", "7.3",
                  "1.0+local", "2.7.18", "3.12"]
NAME_VALUES = ["posix", "nt", "linux", "win32", "darwin", "Linux", "Windows", "x86_64", "AMD64",
               "arm64", "CPython", "PyPy", "cpython", "pypy", "test-extra", "Test_Extra",
               "security", "tests.extra", "", "lin", "os_name", "linux2", "Darwin", "aarch64"]


def gen_atom(rng):
    if rng.random() < 0.75:
        left = rng.choice(VARS)
        if left in VERSION_VARS:
            op, value = rng.choice(OPS), rng.choice(VERSION_VALUES)
        else:
            op, value = rng.choice(["==", "!=", "in", "not in"]), rng.choice(NAME_VALUES)
        quote = '"' if rng.random() < 0.5 else "'"
        right = quote + value + quote
        if rng.random() < 0.15:
            left, right = right, left
        sp = rng.choice([" ", "", "  ", "\t"])
        return f"{left}{sp}{op}{sp}{right}"
    left = rng.choice(VARS)
    right = '"%s"' % rng.choice(VALUES) if rng.random() < 0.5 else "'%s'" % rng.choice(VALUES)
    if rng.random() < 0.15:
        left, right = right, left
    if rng.random() < 0.03:
        right = rng.choice(VARS)
    sp = rng.choice([" ", "", "  ", "\t"])
    return f"{left}{sp}{rng.choice(OPS)}{sp}{right}"


def gen_expr(rng, depth=0):
    n = rng.choice([1, 1, 2, 3]) if depth < 3 else 1
    parts = []
    for i in range(n):
        if depth < 3 and rng.random() < 0.2:
            a = "(" + gen_expr(rng, depth + 1) + ")"
        else:
            a = gen_atom(rng)
        if i:
            parts.append(rng.choice([" and ", " or ", "and ", " or"]))
        parts.append(a)
    return "".join(parts)


def broken(expr, rng):
    """`expr` with one fault: cut short, a quote or parenthesis lost, or a
    stray token."""
    i = rng.randrange(1, len(expr)) if len(expr) > 1 else 0
    kind = rng.randrange(4)
    if kind == 0:
        return expr[:i]
    if kind == 1:
        j = max(expr.rfind("'"), expr.rfind('"'))
        return expr[:j] + expr[j + 1:] if j >= 0 else expr + "'"
    if kind == 2:
        return "(" + expr
    return expr[:i] + rng.choice([" = ", " ;", " in in ", "==="]) + expr[i:]


def oracle(expr, env):
    try:
        text = respell(Marker21(expr)._markers)
    except Exception:
        text = expr if parses_whole_23(expr) else None
    if text is None:
        return "parse-error"
    if AMBIGUOUS.search(expr):
        return "eval-error"
    try:
        m = Marker(text)
    except InvalidMarker:
        return "parse-error"
    except Exception:  # ast.literal_eval errors and such: also a parse failure
        return "parse-error"
    try:
        v = m.evaluate(env)
    except Exception:
        return "eval-error"
    return ("true" if v else "false") + "\t" + str(m)


def main():
    if not BUILD or not os.access(DUMP, os.X_OK):
        print(f"requirements_dump not found at {DUMP!r}; skipping")
        return 77
    rng = random.Random(508)
    exprs = EDGE + [gen_expr(rng) for _ in range(4000)]
    # Read with both of pip's grammars, few generated markers are errors
    # (keywords glued to a name parse); broken copies of 200 of them keep
    # the parse errors compared.
    exprs += [broken(e, random.Random(i)) for i, e in enumerate(exprs[len(EDGE):][:200])]
    cases, expected = [], []
    for e in exprs:
        for env in ENVS:
            cases.append("\t".join(env[f] for f in FIELDS) + "\t" + e)
            expected.append(oracle(e, env))
    p = subprocess.run([DUMP, "markers"], input="\n".join(cases) + "\n", capture_output=True,
                       text=True, timeout=300)
    got = p.stdout.split("\n")[:-1]
    if p.returncode != 0 or len(got) != len(cases):
        print(f"FAIL: dump exited {p.returncode} with {len(got)} of {len(cases)} answers")
        print(p.stderr[-2000:])
        return 1
    bad = [(c.split("\t")[-1], c.split("\t")[:12], e, g)
           for c, e, g in zip(cases, expected, got) if e != g]
    kinds = {}
    for e in expected:
        k = e.split("\t")[0]
        kinds[k] = kinds.get(k, 0) + 1
    print(f"{len(exprs)} expressions x {len(ENVS)} environments = {len(cases)} evaluations; "
          f"outcomes {kinds}; disagreements {len(bad)}")
    for expr, env, e, g in bad[:20]:
        print(f"FAIL {expr!r} env={env[7:9]}+extra={env[11]!r}: packaging {e!r} ours {g!r}")
    # Floors: every case is compared (a result, or the same kind of error on
    # both sides), but a corpus or an oracle that drifted into mostly errors
    # would compare little. 16,132 cases: about 10,300 results, 3,800 parse
    # and 2,000 evaluation errors.
    floors = {"true": 4000, "false": 4000, "parse-error": 500, "eval-error": 500}
    low = [f"{k} {kinds.get(k, 0)} < {n}" for k, n in floors.items() if kinds.get(k, 0) < n]
    if len(cases) < 16000 or kinds.get("true", 0) + kinds.get("false", 0) < 0.6 * len(cases):
        low.append(f"{kinds.get('true', 0) + kinds.get('false', 0)} results of {len(cases)} "
                   "cases (floors: 16,000 cases, 60% results)")
    for msg in low:
        print("FAIL: too few cases compared:", msg)
    return 1 if bad or low else 0


if __name__ == "__main__":
    sys.exit(main())
