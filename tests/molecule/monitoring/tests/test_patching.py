"""Patching (#14): a pending reboot is exported by the host (the hardening role's findings, through
node-exporter's textfile collector) and alerted. The flag file is the one Debian's and Ubuntu's postinst
scripts write after a kernel or libc upgrade; the test writes it (no kernel is upgraded here) and
removes it again."""

from __future__ import annotations

FLAG = "/run/reboot-required"


def reboot_required(stack) -> float | None:
    result = stack.query("node_reboot_required")["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def flag(host, present: bool) -> None:
    """Write or remove the flag, then run the host's check as its timer does."""
    with host.sudo():
        host.check_output(("touch %s" if present else "rm -f %s"), FLAG)
        host.check_output("systemctl start hbot-upgrades-findings.service")


def test_a_pending_reboot_is_exported_and_alerted(stack, host):
    with host.sudo():
        assert host.service("hbot-upgrades-findings.timer").is_enabled
        assert host.service("hbot-upgrades-findings.timer").is_running
        was_there = host.file(FLAG).exists  # an upgrade during the converge may have asked for one
    try:
        flag(host, False)
        stack.wait_for(lambda: reboot_required(stack) == 0, timeout=90, what="node_reboot_required 0")
        flag(host, True)
        stack.wait_for(lambda: reboot_required(stack) == 1, timeout=90, what="node_reboot_required 1")
        # The rule waits an hour before it fires; pending shows that it evaluates this very series.
        alerts = stack.wait_for(
            lambda: stack.query('ALERTS{alertname="HostRebootRequired"}')["data"]["result"],
            timeout=90,
            what="HostRebootRequired pending",
        )
        assert alerts[0]["metric"]["alertstate"] == "pending", alerts
    finally:
        flag(host, was_there)
