# Shared by scripts/serve and scripts/test: make sure the tools they need are on this machine.
# Source it; every function exits with a clear message when it cannot help.

# uv (from PyPI), into the user's site when the system Python is managed by the distribution.
ensure_uv() {
    local user_bin
    user_bin="$(python3 -m site --user-base 2>/dev/null)/bin"
    export PATH="$PATH:$user_bin"
    command -v uv >/dev/null && return 0
    echo "== installing uv (pip, user site)" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
        || python3 -m pip install --quiet uv \
        || true
    hash -r
    if ! command -v uv >/dev/null; then
        echo "uv could not be installed with pip; install it, then run this again" >&2
        exit 1
    fi
}

# Debian's mosquitto (the MQTT tests run a real broker) and chromium (the browser tests).
ensure_test_packages() {
    local missing=() sudo=""
    command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
    command -v mosquitto_sub >/dev/null || missing+=(mosquitto-clients)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "the tests need: ${missing[*]} (apt-get install them as root)" >&2
            exit 1
        fi
        sudo="sudo"
    fi
    echo "== installing ${missing[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
