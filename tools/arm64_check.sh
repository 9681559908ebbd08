#!/usr/bin/env bash
# Tooling: the device bundle on an arm64 userland, under emulation (not part of make test).
#
#   sudo tools/arm64_check.sh [ROOTFS]      # default ROOTFS: /work/arm64-root (outside the repo)
#
# 1. installs qemu-user-static, binfmt-support and debootstrap (Debian/Ubuntu, as root);
# 2. debootstraps a minimal Debian bookworm arm64 root file system into ROOTFS (first stage here,
#    second stage under qemu-aarch64 via binfmt_misc), with python3, python3-venv and pip;
# 3. creates a venv there holding only the aarch64 wheels of numpy and ai-edge-litert at
#    constraints.txt's versions (downloaded from PyPI by the host's pip, installed offline);
# 4. writes the device bundle (python -m utils device-bundle, the active COURSE_PROFILE; smoke by
#    default here), runs its script once on x86 in the clean venv (tools/device_venv.py) and once
#    in the arm64 root under qemu (chroot), one thread each;
# 5. compares every model's raw outputs (tools/arm64_compare.py): int8 bit for bit, float by the
#    largest difference; then the int8 models once more with LiteRT's reference kernels on both
#    sides. Timings under emulation mean nothing; the script says so.
# Each step is skipped when already done (the root file system and its venv are reused).
set -euo pipefail
ROOTFS=${1:-/work/arm64-root}
REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$REPO/.venv/bin/python}
export COURSE_PROFILE=${COURSE_PROFILE:-smoke}
OUT=$REPO/build/arm64-check
RUNS=${RUNS:-5}

[ "$(id -u)" = 0 ] || { echo "Run me as root (apt-get, debootstrap, chroot)."; exit 1; }
command -v qemu-aarch64-static >/dev/null && command -v debootstrap >/dev/null ||
    apt-get install -y qemu-user-static binfmt-support debootstrap
mountpoint -q /proc/sys/fs/binfmt_misc ||
    mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 || true
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
    { echo "binfmt_misc has no qemu-aarch64 entry: emulation cannot run here."; exit 1; }

if [ ! -x "$ROOTFS/usr/bin/python3" ]; then
    debootstrap --arch=arm64 --foreign --variant=minbase \
        --include=python3,python3-venv,python3-pip,ca-certificates \
        bookworm "$ROOTFS" http://deb.debian.org/debian
    chroot "$ROOTFS" /debootstrap/debootstrap --second-stage
fi
# /proc inside the root, but not /sys: with the host's /sys bound in, LiteRT's CPU detection
# (cpuinfo) reads the x86 host's CPU lists and the emulated Python dies of a segmentation fault
# (qemu 7.2, "uncaught target signal 11"); without it cpuinfo prints "failed to parse the list
# of possible processors" three times and LiteRT runs on.
mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
trap 'umount "$ROOTFS/proc" 2>/dev/null || true' EXIT
if [ ! -x "$ROOTFS/opt/bench/bin/python" ] ||
    ! chroot "$ROOTFS" /opt/bench/bin/python -c "import numpy, ai_edge_litert.interpreter"; then
    # the aarch64 wheels (bookworm's Python 3.11, glibc 2.36) fetched by the host's pip, so that
    # its network settings and certificates apply, then installed offline inside the root
    rm -rf "$ROOTFS/root/wheels"
    "$PY" -m pip download --only-binary=:all: --implementation cp --python-version 3.11 \
        --platform manylinux_2_27_aarch64 --platform manylinux_2_28_aarch64 \
        --platform manylinux2014_aarch64 -c "$REPO/constraints.txt" \
        -d "$ROOTFS/root/wheels" numpy ai-edge-litert
    chroot "$ROOTFS" python3 -m venv /opt/bench
    chroot "$ROOTFS" /opt/bench/bin/pip install --no-index --find-links /root/wheels \
        numpy ai-edge-litert
fi

rm -rf "$OUT" && mkdir -p "$OUT"
(cd "$REPO" && PYTHONPATH="$REPO" "$PY" -m utils device-bundle --out "$OUT/bundle")
CLEAN=$(cd "$REPO" && PYTHONPATH="$REPO" "$PY" -m tools.device_venv | tail -1)
cp -r "$OUT/bundle" "$OUT/x86"
env -i PATH="$PATH" "$CLEAN" "$OUT/x86/course_device_benchmark.py" --runs "$RUNS" --threads 1
rm -rf "$ROOTFS/root/bundle" && cp -r "$OUT/bundle" "$ROOTFS/root/bundle"
chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin /opt/bench/bin/python \
    /root/bundle/course_device_benchmark.py --runs "$RUNS" --threads 1
cp -r "$ROOTFS/root/bundle" "$OUT/arm64"
"$CLEAN" "$REPO/tools/arm64_compare.py" "$OUT/x86" "$OUT/arm64" | tee "$OUT/comparison.txt"

# The int8 models again with LiteRT's portable reference kernels on both sides (no XNNPACK, no
# architecture-specific code): where these agree bit for bit, the differences above come from
# the optimized kernels (their rounding), not from the models or the wheels.
mapfile -t INT8 < <("$CLEAN" -c "import json, sys; [print(v['variant']) for v in
    json.load(open(sys.argv[1]))['variants'] if v['format'] == 'int8']" "$OUT/bundle/bundle.json")
REF=(--runs 2 --warmup 0 --threads 1 --kernels reference --variants "${INT8[@]}")
mkdir -p "$OUT/x86-ref" "$ROOTFS/root/ref"
env -i PATH="$PATH" "$CLEAN" "$OUT/x86/course_device_benchmark.py" "${REF[@]}" \
    --out "$OUT/x86-ref/results.json"
chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/bin:/bin /opt/bench/bin/python \
    /root/bundle/course_device_benchmark.py "${REF[@]}" --out /root/ref/results.json
cp -r "$ROOTFS/root/ref" "$OUT/arm64-ref"
"$CLEAN" "$REPO/tools/arm64_compare.py" "$OUT/x86-ref" "$OUT/arm64-ref" |
    tee "$OUT/comparison-reference-kernels.txt"
