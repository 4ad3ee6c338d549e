"""Sandbox VPSes as virtual machines: the `vm` image (the container VPS plus Debian's kernel) booted
under QEMU, reached over real SSH like the containers. For what only a machine with its own kernel
shows: the kernel sysctls the hardening role writes, auditd, AppArmor, and so Lynis's own index.

    sandboxctl.py up --vm NAME[:PORT] ... [--suite S] [--inventory FILE]
    sandboxctl.py down [NAME ...]        stops these too

Each VM gets a disk of its own, made from the image's files with `mkfs.ext4 -d` and given, as a
provider's cloud-init would, its host name, the sandbox's SSH key, weak passwords and fresh host keys.
Its SSH port is forwarded to 127.0.0.1:PORT by QEMU's user-mode network, which also gives it DHCP,
DNS and the way out to Debian's archive.

HBOT_VM_ACCEL picks QEMU's accelerator: `tcg` (software emulation, the default) or `kvm`. This
machine's /dev/kvm is kvm_pvm, which runs only kernels built as PVM guests: Debian's stops at its
first emulated instruction ("KVM internal error"), so the VMs run emulated here, a few times slower
than a container (docs/host-layer.md has the figures). HBOT_VM_MEMORY (MiB) and HBOT_VM_CPUS size them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sandboxctl
from sandboxctl import ADMIN_USER, STATE, log, run

VMS = STATE / "vm"
ACCEL = os.environ.get("HBOT_VM_ACCEL", "tcg")
MEMORY_MIB = os.environ.get("HBOT_VM_MEMORY", "2048")
CPUS = os.environ.get("HBOT_VM_CPUS", "2")
DISK_SIZE = "16G"  # sparse: what the host layer, the bots and monitoring write, with room
BOOT_SECONDS = 600  # emulated, a first boot takes one to two minutes; two VMs share two cores


def image_tree(image: str) -> Path:
    """The image's files, unpacked once per image tag (root-owned, as in the image), with what Docker
    leaves in an exported container put back as a VM has it."""
    tree = VMS / "images" / re.sub(r"[^A-Za-z0-9_.-]", "_", image)
    with sandboxctl.locked(f"vm-{image}"):
        if tree.is_dir():
            return tree
        log(f"unpacking {image} for VMs")
        tree.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="unpack-", dir=tree.parent))
        created = sandboxctl.out("docker", "create", image)
        try:
            export = subprocess.Popen(["docker", "export", created], stdout=subprocess.PIPE)
            subprocess.run(["tar", "-x", "-C", str(staging)], stdin=export.stdout, check=True)
            if export.wait() != 0:
                sys.exit(f"sandbox: docker export of {image} failed")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            run("docker", "rm", created, capture=True)
        # Docker exports its own empty /etc/resolv.conf, hosts and hostname, and a /.dockerenv.
        (staging / ".dockerenv").unlink(missing_ok=True)
        (staging / "etc" / "resolv.conf").unlink(missing_ok=True)
        (staging / "etc" / "resolv.conf").symlink_to("../run/systemd/resolve/stub-resolv.conf")
        staging.rename(tree)
    return tree


def boot_files(tree: Path) -> tuple[Path, Path]:
    """Debian's kernel and initramfs, from the image's /boot."""
    kernels = sorted((tree / "boot").glob("vmlinuz-*"))
    if not kernels:
        sys.exit(f"sandbox: no kernel in {tree}/boot")
    version = kernels[-1].name.removeprefix("vmlinuz-")
    return kernels[-1], tree / "boot" / f"initrd.img-{version}"


def make_disk(name: str, tree: Path, pubkey: str) -> tuple[Path, str]:
    """A disk of this VM's own, personalised as a provider's cloud-init would: its name, the key,
    weak passwords, fresh host keys. Returns the disk and the ed25519 host key."""
    folder = VMS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    root = folder / "root"
    run("cp", "-a", "--reflink=auto", str(tree), str(root))
    try:
        (root / "etc" / "hostname").write_text(f"{name}\n")
        (root / "etc" / "hosts").write_text(f"127.0.0.1 localhost\n127.0.1.1 {name}\n")
        keys = root / "home" / ADMIN_USER / ".ssh" / "authorized_keys"
        keys.write_text(f"{pubkey}\n")
        owner = next(line.split(":") for line in (root / "etc" / "passwd").read_text().splitlines()
                     if line.startswith(f"{ADMIN_USER}:"))
        os.chown(keys, int(owner[2]), int(owner[3]))
        keys.chmod(0o600)
        _passwords, chpasswd = sandboxctl.weak_passwords(name)
        run("chroot", str(root), "chpasswd", input=chpasswd)  # the image's own chpasswd and PAM
        for old in (root / "etc" / "ssh").glob("ssh_host_*"):
            old.unlink()
        run("ssh-keygen", "-q", "-A", "-f", str(root), capture=True)
        host_key = (root / "etc" / "ssh" / "ssh_host_ed25519_key.pub").read_text().strip()
        disk = folder / "disk.raw"
        run("mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(disk), DISK_SIZE, capture=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return disk, host_key


def start(name: str, port: int, kernel: Path, initrd: Path, disk: Path) -> None:
    folder = VMS / name
    accel, cpu = ("kvm", "host") if ACCEL == "kvm" else ("tcg,thread=multi", "max")
    run(
        "qemu-system-x86_64", "-name", name, "-accel", accel, "-cpu", cpu, "-m", MEMORY_MIB, "-smp", CPUS,
        "-kernel", str(kernel), "-initrd", str(initrd), "-append", "root=LABEL=root ro console=ttyS0",
        "-drive", f"file={disk},if=virtio,format=raw",
        "-netdev", f"user,id=net0,hostfwd=tcp:127.0.0.1:{port}-:22", "-device", "virtio-net-pci,netdev=net0",
        "-display", "none", "-serial", f"file:{folder / 'console.log'}",
        "-daemonize", "-pidfile", str(folder / "qemu.pid"),
    )  # fmt: skip


def up(hosts: list[tuple[str, int]], suite: str) -> list[dict]:
    """Fresh VMs (any of those names running is replaced), each reachable over SSH when this returns."""
    if not shutil.which("qemu-system-x86_64"):
        sys.exit("sandbox: qemu-system-x86_64 is missing (make host-deps installs it)")
    image = sandboxctl.build_image("vm", suite)
    key = sandboxctl.ensure_keypair()
    pubkey = key.with_suffix(".pub").read_text().strip()
    tree = image_tree(image)
    kernel, initrd = boot_files(tree)
    down([name for name, _ in hosts])
    for name, port in hosts:
        log(f"starting VM {name} ({suite}, {ACCEL}) on 127.0.0.1:{port}")
        disk, host_key = make_disk(name, tree, pubkey)
        sandboxctl.record_known_host(port, host_key)
        start(name, port, kernel, initrd, disk)
    started = time.monotonic()
    for name, port in hosts:
        sandboxctl.wait_for_ssh(port, key, timeout=BOOT_SECONDS)
        log(f"VM {name} answers SSH after {sandboxctl.clock(time.monotonic() - started)}")
    return [{"name": name, "port": port, "suite": suite, "image": image, "vm": True} for name, port in hosts]


def running() -> dict[str, int]:
    """Name -> QEMU's pid, for every sandbox VM whose QEMU is alive."""
    found = {}
    for pidfile in VMS.glob("*/qemu.pid"):
        pid = int(pidfile.read_text().strip() or 0)
        if pid and Path(f"/proc/{pid}").exists():
            found[pidfile.parent.name] = pid
    return found


def down(names: list[str] | None) -> None:
    """Stop these VMs (every sandbox VM if none) and remove their disks."""
    alive = running()
    for name in names if names is not None else sorted(alive):
        if name in alive:
            log(f"stopping VM {name}")
            os.kill(alive[name], signal.SIGTERM)
            deadline = time.monotonic() + 30
            while Path(f"/proc/{alive[name]}").exists() and time.monotonic() < deadline:
                time.sleep(0.2)
        if (VMS / name).is_dir():
            shutil.rmtree(VMS / name)
