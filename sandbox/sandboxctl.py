#!/usr/bin/env python3
"""Sandbox VPSes on this machine: systemd containers reached over real SSH.

No container registry is reachable, so every image starts from a debootstrapped Debian
rootfs (`docker import`) and is cached by a hash of everything that went into it.

    sandboxctl.py build [--suite bookworm]           build (or reuse) the VPS image
    sandboxctl.py plan KIND ... [--suite S]           which images those kinds need, and which are cached
    sandboxctl.py load NAME KIND=TAG ... [--suite S]  put images into a host's Docker under the tags
                                                      production pulls (what a registry would serve)
    sandboxctl.py up NAME[:PORT] ... [--suite S] [--inventory FILE] [--vm]
                                                      --vm: virtual machines with their own kernel
                                                      (sandbox/vm.py), not containers
    sandboxctl.py down [NAME ...]                     remove hosts (all sandbox hosts if none)
    sandboxctl.py status

A Dockerfile that names `host-ca-certificates.crt` gets this machine's CA bundle
(HBOT_HOST_CA_BUNDLE, default /etc/ssl/certs/ca-certificates.crt) placed beside it in the
build context, so that pip behind a TLS-intercepting proxy works; the bundle's bytes are
then part of that image's content hash. Other images are hashed and built exactly as before.

A Dockerfile with a line `# sandbox-base: KIND` is built FROM the image of that other kind (built
or reused first, same suite) instead of the rootfs; that base's tag is part of the content hash.
Dockerfiles without the marker are hashed and built exactly as before.

Progress goes to stderr, so stdout stays what callers parse (the image name, the load's JSON): a
cached image is one line ("reusing TAG"); a build names its tag and Dockerfile, then prints Docker's
step headers as they start, a line with the latest output when a step runs for long, and its time.
HBOT_BUILD_PROGRESS=full streams all of Docker's output instead; on failure its tail is printed anyway.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
IMAGES = HERE / "images"
STATE = Path(os.environ.get("HBOT_SANDBOX_STATE", REPO / "inventories" / "sandbox" / ".state"))
MIRROR = os.environ.get("HBOT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
NETWORK = "hbot-sandbox"
# Image names are <namespace>-<kind>; the image benchmark builds under a throwaway namespace to
# time cold builds without touching the cached images.
IMAGE_NAMESPACE = os.environ.get("HBOT_IMAGE_NAMESPACE", "hbot")
LABEL = "hbot.sandbox"
HOST_CA_BUNDLE = Path(os.environ.get("HBOT_HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
HOST_CA_NAME = "host-ca-certificates.crt"  # what a Dockerfile COPYs to opt in
BASE_MARKER = re.compile(r"^# sandbox-base: ([a-z0-9-]+)\s*$", re.M)  # build FROM another kind
# "steps": a line per Dockerfile step (CI logs stay short); "full": everything Docker prints.
BUILD_PROGRESS = os.environ.get("HBOT_BUILD_PROGRESS", "steps")
HEARTBEAT_SECONDS = 30  # within a long step, the latest output line at most this often
ADMIN_USER = "ops"  # the provider's cloud user, as on a freshly rented VPS
ROOTFS_PACKAGES = (
    "systemd,systemd-sysv,dbus,openssh-server,python3,python3-apt,sudo,iproute2,"
    "iputils-ping,procps,kmod,ca-certificates,gnupg,less"
)
# The flags that boot systemd here: --privileged is refused, these capabilities are not.
SYSTEMD_FLAGS = [
    "--cap-add",
    "SYS_ADMIN",
    "--cap-add",
    "NET_ADMIN",
    # As root on a VPS has it: the VPS's Docker opens /proc/<pid>/ns/* of a container's process (a
    # ptrace access check) to `docker exec` into it, and so to run its healthcheck, whenever that
    # process runs as another user (every monitoring service, the broker after it drops root).
    "--cap-add",
    "SYS_PTRACE",
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--security-opt",
    "systempaths=unconfined",
    "--cgroupns=host",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
    "--tmpfs",
    "/tmp",
]


def log(msg: str) -> None:
    print(f"sandbox: {msg}", file=sys.stderr, flush=True)


def run(*args: str, check: bool = True, capture: bool = False, input: bytes | None = None):
    return subprocess.run(args, check=check, capture_output=capture, input=input)


def out(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def image_exists(tag: str) -> bool:
    return run("docker", "image", "inspect", tag, check=False, capture=True).returncode == 0


@contextlib.contextmanager
def locked(name: str):
    """Hold an exclusive lock named name (a file under STATE): test stages run side by side, and two
    of them must not build the same image or rewrite known_hosts at once."""
    folder = STATE / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def tree_digest(*parts: str | Path) -> str:
    """sha256 over strings and over every file (path + bytes) below the given folders."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            for path in sorted(p for p in part.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(part)).encode())
                digest.update(path.read_bytes())
        else:
            digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def rootfs_tag(suite: str) -> str:
    return f"{IMAGE_NAMESPACE}-rootfs:{suite}-{tree_digest(suite, MIRROR, ROOTFS_PACKAGES)}"


def build_rootfs(suite: str) -> str:
    tag = rootfs_tag(suite)
    with locked(tag):
        if not image_exists(tag):
            debootstrap(suite, tag)
    return tag


def debootstrap(suite: str, tag: str) -> None:
    if not shutil.which("debootstrap"):
        sys.exit("sandbox: debootstrap is missing (make deps installs it)")
    log(f"building {tag}: debootstrap {suite} from {MIRROR} (about a minute)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"rootfs-{suite}-") as tmp:
        root = Path(tmp) / "root"
        run(
            "debootstrap",
            "--variant=minbase",
            f"--include={ROOTFS_PACKAGES}",
            suite,
            str(root),
            MIRROR,
            capture=True,
        )
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-", tag], stdin=tar.stdout, check=True, capture_output=True)
        if tar.wait() != 0:
            sys.exit("sandbox: tar of the rootfs failed")
    log(f"built {tag} in {clock(time.monotonic() - started)}")


def context_extras(context: Path) -> dict[str, bytes]:
    """Files sandboxctl adds to a build context: the host CA bundle, when the Dockerfile asks for it."""
    if HOST_CA_NAME not in (context / "Dockerfile").read_text():
        return {}
    return {HOST_CA_NAME: HOST_CA_BUNDLE.read_bytes() if HOST_CA_BUNDLE.is_file() else b""}


def base_kind(context: Path) -> str | None:
    """The kind named by a `# sandbox-base: KIND` line in the Dockerfile, if any."""
    marker = BASE_MARKER.search((context / "Dockerfile").read_text())
    return marker.group(1) if marker else None


def kind_tag(kind: str, suite: str, base: str) -> str:
    """The tag of images/<kind> built on base: its content hash (base's tag, the build context, the
    files sandboxctl adds to it)."""
    context = IMAGES / kind
    extras = context_extras(context)
    extra_parts = [f"{name}={hashlib.sha256(data).hexdigest()}" for name, data in sorted(extras.items())]
    return f"{IMAGE_NAMESPACE}-{kind}:{suite}-{tree_digest(base, context, *extra_parts)}"


def parent_kind(kind: str) -> str | None:
    parent = base_kind(IMAGES / kind)
    if parent == kind:
        sys.exit(f"sandbox: {kind} names itself as its base")
    return parent


def build_image(kind: str, suite: str) -> str:
    """Build images/<kind>/Dockerfile on the debootstrapped rootfs (or on the image of the kind its
    `# sandbox-base:` line names); reuse it when unchanged."""
    parent = parent_kind(kind)
    base = build_image(parent, suite) if parent else build_rootfs(suite)
    tag = kind_tag(kind, suite, base)
    with locked(tag):
        if image_exists(tag):
            log(f"reusing {tag}")
        else:
            docker_build(kind, suite, base, IMAGES / kind, context_extras(IMAGES / kind), tag)
    run("docker", "tag", tag, f"{IMAGE_NAMESPACE}-{kind}:{suite}")
    return tag


def plan(kinds: list[str], suite: str) -> list[str]:
    """What building these kinds takes, building nothing: a line per image, bases first, saying
    "cached" or "to build" and its Dockerfile. The rootfs is named only when it is to be built."""
    lines: dict[str, str] = {}  # tag -> its line

    def visit(kind: str) -> str:
        parent = parent_kind(kind)
        base = visit(parent) if parent else rootfs_tag(suite)
        if not parent and base not in lines and not image_exists(base):
            lines[base] = f"{base}: to build (debootstrap {suite})"
        tag = kind_tag(kind, suite, base)
        if tag not in lines:
            state = "cached" if image_exists(tag) else "to build"
            lines[tag] = f"{tag}: {state} ({(IMAGES / kind / 'Dockerfile').relative_to(REPO)})"
        return tag

    for kind in kinds:
        visit(kind)
    return list(lines.values())


def clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def shorten(line: str, width: int = 120) -> str:
    line = " ".join(line.split())
    return line if len(line) <= width else line[: width - 3] + "..."


DOCKER_STEP = re.compile(r"^Step \d+/\d+ : ")  # the classic builder's header of each Dockerfile step


def docker_build(kind: str, suite: str, base: str, context: Path, extras: dict[str, bytes], tag: str) -> None:
    log(f"building {tag} from {(context / 'Dockerfile').relative_to(REPO)} on {base}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"context-{kind}-") as tmp:
        build_dir = context
        if extras:
            build_dir = Path(tmp) / kind
            shutil.copytree(context, build_dir)
            for name, data in extras.items():
                (build_dir / name).write_bytes(data)
        code, tail = stream_build(
            kind,
            [
                "docker",
                "build",
                "--force-rm",  # a failed step leaves no stopped container behind
                "--build-arg",
                f"BASE={base}",
                "--build-arg",
                f"SUITE={suite}",
                "-t",
                tag,
                str(build_dir),
            ],
        )
    if code != 0:
        sys.stderr.write(tail[-4000:] + "\n")
        sys.exit(f"sandbox: building {tag} failed")
    log(f"built {tag} in {clock(time.monotonic() - started)}")


def stream_build(kind: str, argv: list[str]) -> tuple[int, str]:
    """Run a docker build, showing its progress on stderr as it goes (BUILD_PROGRESS says how much).
    Returns its exit code and the tail of its output, for the error message."""
    tail: collections.deque[str] = collections.deque(maxlen=100)
    started = shown = time.monotonic()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as build:
        assert build.stdout is not None
        for raw in build.stdout:
            line = raw.decode(errors="replace").rstrip().rsplit("\r", 1)[-1]
            tail.append(line)
            now = time.monotonic()
            if BUILD_PROGRESS == "full":
                print(f"  {line}", file=sys.stderr, flush=True)
            elif DOCKER_STEP.match(line):
                log(f"{kind} [{clock(now - started)}] {shorten(line)}")
                shown = now
            elif line.strip() and now - shown >= HEARTBEAT_SECONDS:
                log(f"{kind} [{clock(now - started)}]   ... {shorten(line)}")
                shown = now
        code = build.wait()
    return code, "\n".join(tail)


def image_id(tag: str, host: str | None = None) -> str | None:
    """The image id a tag names, on this machine or in a sandbox host's nested Docker."""
    where = ["docker", "exec", container(host)] if host else []
    probe = run(*where, "docker", "image", "inspect", "--format", "{{.Id}}", tag, check=False, capture=True)
    return probe.stdout.decode().strip() if probe.returncode == 0 else None


def load(host: str, wanted: dict[str, str], suite: str) -> list[str]:
    """Build (or reuse) each kind and make the host's Docker hold it under the tag production names
    (e.g. hummingbot -> hummingbot/hummingbot:version-2.12.0), so the inventory's image names work as
    written. Images the host already holds under that tag, with the same id, are not sent again.
    Returns the tags that changed."""
    changed = []
    for kind, tag in wanted.items():
        local = build_image(kind, suite)
        local_id = image_id(local)
        if image_id(tag, host) == local_id:
            continue
        if image_id(local, host) != local_id:
            log(f"loading {local} into {host}")
            save = subprocess.Popen(["docker", "save", local], stdout=subprocess.PIPE)
            subprocess.run(["docker", "exec", "-i", container(host), "docker", "load", "-q"],
                           stdin=save.stdout, check=True, capture_output=True)
            if save.wait() != 0:
                sys.exit(f"sandbox: docker save {local} failed")
        run("docker", "exec", container(host), "docker", "tag", local, tag, capture=True)
        changed.append(tag)
    return changed


def ensure_keypair() -> Path:
    STATE.mkdir(parents=True, exist_ok=True)
    STATE.chmod(0o700)
    key = STATE / "id_ed25519"
    # Two scenarios starting at once on a fresh state dir would both run ssh-keygen, and the second
    # fails ("already exists"): one generates, the other waits and finds the key.
    with locked("keypair"):
        if not key.exists():
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hbot-sandbox", "-f", str(key))
    return key


def ensure_network() -> None:
    def exists() -> bool:
        return run("docker", "network", "inspect", NETWORK, check=False, capture=True).returncode == 0

    # Stages start side by side (make test): Docker 20.10 lets two concurrent creates make two networks
    # of one name, after which neither can be named (seen on a cold cache, where every stage waits for
    # the same image builds and then starts at once). One create at a time.
    with locked("network"):
        if not exists() and run("docker", "network", "create", "--label", LABEL, NETWORK, check=False,
                                capture=True).returncode != 0:
            sys.exit(f"sandbox: cannot create the Docker network {NETWORK}")


def container(name: str) -> str:
    return f"hbot-sandbox-{name}"


def wait_for_boot(name: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        result = run(
            "docker", "exec", container(name), "systemctl", "is-system-running", check=False, capture=True
        )
        state = result.stdout.decode().strip()
        if state in ("running", "degraded"):
            return
        time.sleep(1)
    sys.exit(f"sandbox: {name} did not boot within {timeout:.0f}s (systemd says {state!r})")


def weak_passwords(name: str) -> tuple[dict[str, str], bytes]:
    """The provider's passwords for the admin user and root, kept (0600) for the tests that offer them,
    and the chpasswd input that sets them."""
    passwords = {ADMIN_USER: secrets.token_urlsafe(18), "root": secrets.token_urlsafe(18)}
    secret_file = STATE / f"{name}.passwords.json"
    secret_file.write_text(json.dumps(passwords))
    secret_file.chmod(0o600)
    return passwords, "".join(f"{user}:{pw}\n" for user, pw in passwords.items()).encode()


def provision_like_a_provider(name: str, pubkey: str) -> None:
    """What a provider's cloud-init does: the user's key in place and (weak) passwords set."""
    _passwords, chpasswd = weak_passwords(name)
    keys = f"/home/{ADMIN_USER}/.ssh/authorized_keys"
    script = (
        f"set -eu; printf '%s\\n' '{pubkey}' > {keys};"
        f" chown {ADMIN_USER}:{ADMIN_USER} {keys}; chmod 0600 {keys};"
        " chpasswd; until [ -s /etc/ssh/ssh_host_ed25519_key.pub ]; do sleep 0.2; done"
    )
    run("docker", "exec", "-i", container(name), "bash", "-c", script, input=chpasswd)


def host_key(name: str) -> str:
    return out("docker", "exec", container(name), "cat", "/etc/ssh/ssh_host_ed25519_key.pub")


def wait_for_ssh(port: int, key: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = run(
            "ssh",
            *ssh_options(key),
            "-p",
            str(port),
            f"{ADMIN_USER}@127.0.0.1",
            "true",
            check=False,
            capture=True,
        )
        if probe.returncode == 0:
            return
        time.sleep(1)
    sys.exit(f"sandbox: no SSH login on 127.0.0.1:{port} within {timeout:.0f}s: {probe.stderr.decode()}")


def ssh_options(key: Path) -> list[str]:
    return [
        "-i",
        str(key),
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        f"UserKnownHostsFile={STATE / 'known_hosts'}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ConnectTimeout=5",
    ]


def record_known_host(port: int, key_line: str) -> None:
    known = STATE / "known_hosts"
    marker = f"[127.0.0.1]:{port} "
    with locked("known_hosts"):
        lines = known.read_text().splitlines() if known.exists() else []
        lines = [line for line in lines if not line.startswith(marker)]
        keytype, keydata = key_line.split()[:2]
        lines.append(f"{marker}{keytype} {keydata}")
        known.write_text("\n".join(lines) + "\n")


def is_running(name: str) -> bool:
    probe = run("docker", "inspect", "-f", "{{.State.Running}}", container(name), check=False, capture=True)
    return probe.stdout.decode().strip() == "true"


def start_container(name: str, port: int, image: str) -> None:
    run("docker", "rm", "-f", "-v", container(name), check=False, capture=True)
    run("docker", "volume", "rm", "-f", f"{container(name)}-docker", check=False, capture=True)
    labels = ["--label", LABEL, "--label", f"{LABEL}.name={name}", "--label", f"{LABEL}.port={port}"]
    # Nested Docker keeps its data on a volume (the host's ext4), so overlay2 works inside.
    storage = ["-v", f"{container(name)}-docker:/var/lib/docker"]
    run("docker", "run", "-d", "--name", container(name), "--hostname", name, *labels,
        "--network", NETWORK, "-p", f"127.0.0.1:{port}:22", *storage, *SYSTEMD_FLAGS, image, capture=True)


def up(hosts: list[tuple[str, int]], suite: str, reuse: bool = False) -> list[dict]:
    """Start fresh hosts (or, with reuse, keep running ones) and wait until SSH logs in."""
    image = build_image("vps", suite)
    key = ensure_keypair()
    ensure_network()
    pubkey = key.with_suffix(".pub").read_text().strip()
    fresh = []
    for name, port in hosts:
        if reuse and is_running(name):
            log(f"reusing {name} on 127.0.0.1:{port}")
            continue
        log(f"starting {name} ({suite}) on 127.0.0.1:{port}")
        start_container(name, port, image)
        fresh.append((name, port))
    for name, port in fresh:
        wait_for_boot(name)
        provision_like_a_provider(name, pubkey)
        record_known_host(port, host_key(name))
    for _name, port in hosts:
        wait_for_ssh(port, key)
    return [{"name": name, "port": port, "suite": suite, "image": image} for name, port in hosts]


def sandbox_containers(names: list[str] | None = None) -> list[str]:
    found = out("docker", "ps", "-a", "--filter", f"label={LABEL}", "--format", "{{.Names}}").split()
    if names:
        return [c for c in found if c in {container(n) for n in names}]
    return found


def down(names: list[str] | None) -> None:
    import vm  # sandbox/vm.py, which imports this module

    for name in sandbox_containers(names):
        log(f"removing {name}")
        run("docker", "rm", "-f", "-v", name, capture=True)
        run("docker", "volume", "rm", "-f", f"{name}-docker", check=False, capture=True)
    vm.down(names)


@contextlib.contextmanager
def scanner(name: str, network: str = NETWORK):
    """A second machine (nmap, nping, ssh) on the sandbox network, or on another one, for tests that
    probe a VPS from outside; removed afterwards. Yields its container name."""
    image = build_image("scanner", "bookworm")
    if network == NETWORK:
        ensure_network()
    run("docker", "rm", "-f", name, check=False, capture=True)
    run("docker", "run", "-d", "--name", name, "--label", LABEL, "--network", network, image, capture=True)
    try:
        yield name
    finally:
        run("docker", "rm", "-f", name, check=False, capture=True)


def write_inventory(path: Path, hosts: list[dict], group: str = "vps") -> None:
    key = STATE / "id_ed25519"
    lines = [
        "---",
        "# Generated by sandbox/sandboxctl.py; the keys it names exist only on this machine.",
        "all:",
        "  children:",
        f"    {group}:",
        "      hosts:",
    ]
    for host in hosts:
        lines += [
            f"        {host['name']}:",
            "          ansible_host: 127.0.0.1",
            f"          ansible_port: {host['port']}",
            f"          ansible_user: {ADMIN_USER}",
            f"          ansible_ssh_private_key_file: {key}",
            f"          ansible_ssh_common_args: -o UserKnownHostsFile={STATE / 'known_hosts'}",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def parse_host(spec: str, default_port: int) -> tuple[str, int]:
    name, _, port = spec.partition(":")
    return name, int(port) if port else default_port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build (or reuse) an image")
    build.add_argument("--suite", default="bookworm")
    build.add_argument("--kind", default="vps", choices=sorted(p.name for p in IMAGES.iterdir()))
    start = sub.add_parser("up", help="start sandbox hosts")
    start.add_argument("hosts", nargs="+", help="NAME or NAME:PORT (ports count up from 2222)")
    start.add_argument("--suite", default="bookworm")
    start.add_argument("--inventory", type=Path, help="also write an inventory for these hosts here")
    start.add_argument("--json", action="store_true", help="print the started hosts as JSON")
    start.add_argument("--reuse", action="store_true", help="keep hosts that are already running")
    start.add_argument("--vm", action="store_true", help="virtual machines with their own kernel (QEMU)")
    stop = sub.add_parser("down", help="remove sandbox hosts")
    stop.add_argument("hosts", nargs="*")
    sub.add_parser("status", help="list sandbox hosts")
    put = sub.add_parser("load", help="put images into a host's Docker under production's tags")
    put.add_argument("host")
    put.add_argument("images", nargs="+", metavar="KIND=TAG")
    put.add_argument("--suite", default="trixie")
    ahead = sub.add_parser("plan", help="name the images some kinds need, cached or to build (no build)")
    ahead.add_argument("kinds", nargs="+", metavar="KIND", choices=sorted(p.name for p in IMAGES.iterdir()))
    ahead.add_argument("--suite", default="trixie")
    args = parser.parse_args(argv)

    if args.command == "build":
        print(build_image(args.kind, args.suite))
    elif args.command == "up":
        hosts = [parse_host(spec, 2222 + i) for i, spec in enumerate(args.hosts)]
        if args.vm:
            import vm  # sandbox/vm.py, which imports this module

            started = vm.up(hosts, args.suite)
        else:
            started = up(hosts, args.suite, reuse=args.reuse)
        if args.inventory:
            write_inventory(args.inventory, started)
        if args.json:
            print(json.dumps(started))
    elif args.command == "load":
        wanted = dict(spec.split("=", 1) for spec in args.images)
        print(json.dumps({"changed": load(args.host, wanted, args.suite)}))
    elif args.command == "plan":
        print("\n".join(plan(args.kinds, args.suite)))
    elif args.command == "down":
        down(args.hosts or None)
    elif args.command == "status":
        run(
            "docker",
            "ps",
            "-a",
            "--filter",
            f"label={LABEL}",
            "--format",
            "table {{.Names}}\t{{.Status}}\t{{.Ports}}\t{{.Image}}",
        )
        import vm  # sandbox/vm.py, which imports this module

        for name, pid in sorted(vm.running().items()):
            print(f"{name}\tVM, QEMU pid {pid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
