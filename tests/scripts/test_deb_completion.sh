#!/bin/sh
# The bash completion the packages install (packaging/completions/) against
# the programs' own help: every command `airlock --help` and
# `airlock-dbbuild --help` list, every option each command's --help names
# (its usage lines and its option lines), every value a usage line spells
# `--opt a|b`, and every report format of `scan --format`, must come back
# from the completion function when completed in place, as bash-completion
# would call it. An option added to a program without its completion
# fails here. Needs bash and bash-completion; skipped otherwise.
[ -n "${BASH_VERSION:-}" ] || {
    command -v bash >/dev/null 2>&1 || { echo "skip: bash is missing"; exit 77; }
    exec bash "$0" "$@"
}
set -u
src=${AIRLOCK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
lib=/usr/share/bash-completion/bash_completion
[ -r "$lib" ] || { echo "skip: $lib is missing (apt-get install bash-completion)"; exit 77; }
for b in "${AIRLOCK_BIN:-}" "${AIRLOCK_DBBUILD_BIN:-}"; do
    [ -x "$b" ] || { echo "FAIL: AIRLOCK_BIN and AIRLOCK_DBBUILD_BIN must name the programs"; exit 1; }
done

# bash_completion reads settings of an interactive shell; these are enough.
# shellcheck disable=SC1090
. "$lib"
. "$src/packaging/completions/airlock"
. "$src/packaging/completions/airlock-dbbuild"

passed=0 failed=0
# complete FUNC WORD... : COMPREPLY for the last word, one a line.
complete_words() {
    local func=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    "$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}"
}
# expect WANTED FUNC WORD... : WANTED is among the completions.
expect() {
    local want=$1
    shift
    if complete_words "$@" | grep -qxF -- "$want"; then
        passed=$((passed + 1))
    else
        echo "FAIL: '${*:2}<TAB>' does not offer '$want'"
        failed=$((failed + 1))
    fi
}
# The options a help text names: its usage lines (to the first blank line)
# and the lines that start with an option.
options_of() {
    { sed -n '1,/^$/p' | grep -oE '(^|[ [])--?[A-Za-z][A-Za-z0-9-]*' | tr -d ' ['
      printf '%s\n' "$1" | grep -E '^ +-' | sed -E 's/^ +//' |
          grep -oE '^(-[A-Za-z0-9]+, )?--?[A-Za-z][A-Za-z0-9-]*' | tr ',' '\n' | tr -d ' '
    } <<<"$1" | sort -u
}
# Values usage and option lines spell as --opt a|b|c: "OPT VALUE" lines.
values_of() {
    { sed -n '1,/^$/p' <<<"$1"; grep -E '^ +-' <<<"$1"; } |
        grep -oE -- '--[A-Za-z-]+ [a-z]+(\|[a-z]+)+' |
        while read -r opt vals; do
            tr '|' '\n' <<<"$vals" | sed "s/^/$opt /"
        done
}
# The commands a top-level help lists ("Commands:" to the blank line).
commands_of() {
    sed -n '/^Commands:/,/^$/p' <<<"$1" | grep -oE '^  [a-z]+' | tr -d ' '
}
# check_command FUNC HELP WORD... : options and values of HELP complete
# after WORD... (--db-dir is airlock's global option, checked on its own).
check_command() {
    local func=$1 help=$2 opt val
    shift 2
    for opt in $(options_of "$help"); do
        [ "$opt" = --db-dir ] && continue
        expect "$opt" "$func" "$@" "${opt:0:2}"
    done
    while read -r opt val; do
        [ -n "$opt" ] && expect "$val" "$func" "$@" "$opt" ""
    done <<<"$(values_of "$help")"
}

A=$AIRLOCK_BIN D=$AIRLOCK_DBBUILD_BIN
top=$("$A" --help)
for opt in $(options_of "$top"); do expect "$opt" _airlock airlock "${opt:0:2}"; done
ncommands=0
for cmd in $(commands_of "$top"); do
    ncommands=$((ncommands + 1))
    expect "$cmd" _airlock airlock ""
    expect "$cmd" _airlock airlock --db-dir /tmp ""
    [ "$cmd" = help ] && continue
    help=$("$A" "$cmd" --help)
    if [ "$cmd" = db ]; then
        # One usage line (and its continuation lines) per subcommand.
        for sub in $(grep -oE ' db [a-z]+' <<<"$help" | awk '{print $2}' | sort -u); do
            expect "$sub" _airlock airlock db ""
            part=$(sed -n '1,/^$/p' <<<"$help" |
                awk -v s="$sub" '/ db [a-z]+/ {on = ($0 ~ (" db " s " ")) || ($0 ~ (" db " s "$"))} on')
            check_command _airlock "$part" airlock db "$sub"
        done
    else
        check_command _airlock "$help" airlock "$cmd"
    fi
done
[ "$ncommands" -ge 3 ] || { echo "FAIL: only $ncommands commands in airlock --help"; failed=$((failed + 1)); }

# Every report format scan's help lists after --format FORMAT.
formats=$("$A" scan --help | grep -E -- '--format FORMAT' | sed -E 's/.*--format FORMAT +//' |
    tr ',' '\n' | sed -E 's/\(default\)//; s/^ +| +$//g' | grep -E '^[a-z]+$')
[ "$(wc -w <<<"$formats")" -ge 6 ] || { echo "FAIL: formats not found in scan --help"; failed=$((failed + 1)); }
for f in $formats; do expect "$f" _airlock airlock scan --format ""; done

top=$("$D" --help)
for opt in --version --help; do expect "$opt" _airlock_dbbuild airlock-dbbuild "${opt:0:2}"; done
ncommands=0
for cmd in $(commands_of "$top"); do
    ncommands=$((ncommands + 1))
    expect "$cmd" _airlock_dbbuild airlock-dbbuild ""
    check_command _airlock_dbbuild "$("$D" "$cmd" --help)" airlock-dbbuild "$cmd"
done
[ "$ncommands" -ge 3 ] || { echo "FAIL: only $ncommands commands in airlock-dbbuild --help"; failed=$((failed + 1)); }

# And the check can fail: an option no program has is not offered.
if complete_words _airlock airlock scan --no-such-option | grep -q .; then
    echo "FAIL: the completion offers anything"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
