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

# Debian's mosquitto (the MQTT tests run a real broker) and chromium (the browser tests); and
# the container engine that tests/install/test_install_container.py runs docker-compose.yml
# with: podman (runc: crun cannot use this kernel's hybrid cgroups), netavark and aardvark-dns
# (service names resolve between containers), iptables (published ports), podman-compose, and
# mmdebstrap (the base image is made from Debian's packages: no container registry is reachable).
ensure_test_packages() {
    local missing=() containers=() sudo="" tool
    command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
    command -v mosquitto_sub >/dev/null || missing+=(mosquitto-clients)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    for tool in podman runc iptables podman-compose mmdebstrap; do
        command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || containers+=("$tool")
    done
    [ -x /usr/lib/podman/netavark ] || command -v netavark >/dev/null || containers+=(netavark)
    [ -x /usr/lib/podman/aardvark-dns ] || command -v aardvark-dns >/dev/null \
        || containers+=(aardvark-dns)
    [ "${#missing[@]}" -eq 0 ] && [ "${#containers[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "the tests need: ${missing[*]} ${containers[*]} (apt-get install them as root)" >&2
            exit 1
        fi
        sudo="sudo"
    fi
    echo "== installing ${missing[*]} ${containers[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    if [ "${#missing[@]}" -gt 0 ]; then
        $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if [ "${#containers[@]}" -gt 0 ]; then
        $sudo apt-get install -y -qq --no-install-recommends "${containers[@]}" >/dev/null
    fi
}
