#!/usr/bin/env bash
# Prepares this host the way a normal rootless-container host is prepared.
# Run as root. Idempotent. Installs Debian packages, makes /dev/fuse and
# /dev/net/tun usable by ordinary users (0666, as standard distros ship them),
# and creates the non-root user the end-to-end tests run tspod as, with
# /etc/subuid and /etc/subgid ranges.
set -euo pipefail
TEST_USER=${TSPOD_TEST_USER:-tspodtest}
# A second user with no subordinate ids, for the single-id fallback.
SOLO_USER=${TSPOD_TEST_SOLO_USER:-tspodsolo}

if [ "$(id -u)" -ne 0 ]; then
  echo "test/setup/host.sh: run as root (it installs packages and creates a user)" >&2
  exit 1
fi

# debootstrap and attr build the server fixture images (test/fixtures/debian-image.ts);
# curl, redis-tools and postgresql-client are their real clients (test/e2e/servers.test.ts).
# libseccomp-dev and libjansson-dev: the static archives the native helper links (native/).
PKGS=(gcc libc6-dev libseccomp-dev libjansson-dev uidmap docker-registry skopeo busybox-static fuse-overlayfs slirp4netns passt iptables apache2-utils tmux zsh fish
  debootstrap attr curl redis-tools postgresql-client
  podman runc)  # podman: the independent client of the image round-trip tests (test/e2e/image-*.test.ts)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian package starts a registry on :5000 through its init script; tests start their own.
systemctl stop docker-registry 2>/dev/null || true

for dev in /dev/fuse /dev/net/tun; do
  [ -e "$dev" ] && chmod 0666 "$dev"
done

if ! id "$TEST_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$TEST_USER"
fi
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  grep -q "^$TEST_USER:" "$f" || echo "$TEST_USER:200000:65536" >> "$f"
done
id "$SOLO_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$SOLO_USER"
sed -i "/^$SOLO_USER:/d" /etc/subuid /etc/subgid
echo "host ready: user $TEST_USER ($(id -u "$TEST_USER")), $(grep "^$TEST_USER:" /etc/subuid)"
