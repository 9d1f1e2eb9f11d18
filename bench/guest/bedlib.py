"""The bed as the benchmark sees it: commands, sysfs reads, bounded polls, and the reset
to 'nothing attached' between cases. Setup only: nothing here is timed."""

import glob
import os
import subprocess
import time

PORTALS = ("127.0.0.1:3260", "127.0.0.2:3260")
BED = os.path.join(os.environ.get("TB_HOME", "/nonexistent"), "guest", "bed.sh")


class BenchError(Exception):
    """A backend call that did not do its job; the message is the table's reason."""


def log(msg):
    print(f"bench: {msg}", flush=True)


def run(argv, timeout=60, check=True):
    """Runs a command; returns stdout. Raises BenchError naming the command on failure."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"{' '.join(argv)}: no exit within {timeout}s") from e
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(argv)}: rc {p.returncode}: {(p.stderr or p.stdout).strip()[:200]}")
    return p.stdout


def bed(*call):
    """Calls one bed.sh function (setup only, never timed)."""
    run(["bash", "-c", 'source "$0"; "$@"', BED, *call], timeout=60)


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def poll(what, predicate, timeout):
    """Bounded poll, 2 ms at first, backing off to 50 ms; returns the predicate's value."""
    deadline = time.monotonic() + timeout
    pause = 0.002
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise BenchError(f"{what}: not within {timeout}s")
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def rss_kib(pid):
    for line in read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


# ---------------------------------------------------------------- what the host has now

class Host:
    """Read-only looks at sysfs: sessions, sd disks, dm maps."""

    @staticmethod
    def session_host(portal, logged_in=True):
        """SCSI host number of the session through portal (ip:port), or None; with
        logged_in=False also a session in recovery (its portal dead)."""
        ip, port = portal.split(":")
        for c in glob.glob("/sys/class/iscsi_connection/connection*"):
            if read(f"{c}/persistent_address") == ip and read(f"{c}/persistent_port") == port:
                sid = c.rsplit("/connection", 1)[1].split(":")[0]
                if logged_in and read(f"/sys/class/iscsi_session/session{sid}/state") != "LOGGED_IN":
                    return None
                dev = os.path.realpath(f"/sys/class/iscsi_session/session{sid}/device")
                return int(os.path.basename(os.path.dirname(dev))[len("host"):])
        return None

    @staticmethod
    def sessions():
        return sorted(os.path.basename(s) for s in glob.glob("/sys/class/iscsi_session/session*"))

    @staticmethod
    def disk_at(host, lun):
        """sdX at H:0:0:LUN once its /dev node exists, else None."""
        blocks = glob.glob(f"/sys/class/scsi_host/host{host}/device/session*/target{host}:0:0/{host}:0:0:{lun}/block/*")
        if blocks and os.path.exists("/dev/" + os.path.basename(blocks[0])):
            return os.path.basename(blocks[0])
        return None

    @staticmethod
    def disks_of(wwid):
        """sd disks whose sysfs wwid is this volume's."""
        naa = "naa." + wwid[1:]
        return sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                      for p in glob.glob("/sys/block/sd*/device/wwid") if read(p) == naa)

    @staticmethod
    def iscsi_disks():
        return sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                      for p in glob.glob("/sys/block/sd*/device")
                      if "/session" in os.path.realpath(p))

    @staticmethod
    def map_of(wwid):
        """dm-N of the multipath map of this WWID, or None."""
        for u in glob.glob("/sys/block/dm-*/dm/uuid"):
            if read(u) == "mpath-" + wwid:
                return u.split("/")[3]
        return None

    @staticmethod
    def mpath_maps():
        return sorted(read(u)[len("mpath-"):] for u in glob.glob("/sys/block/dm-*/dm/uuid")
                      if read(u).startswith("mpath-"))

    @staticmethod
    def leftovers(vol, sessions_too):
        """What a detach of vol left: its disks, its map, and (when nothing else is attached) sessions."""
        left = [f"disk {d}" for d in Host.disks_of(vol["wwid"])]
        if Host.map_of(vol["wwid"]):
            left.append(f"map {vol['wwid']}")
        if sessions_too:
            left += Host.sessions()
        return left



# ---------------------------------------------------------------- the bed between cases

class Firewall:
    """Drops (not refuses) the packets to one portal through the bed's own bed_portal_drop (an
    iptables DROP rule, the one the kernel tier's packet-drop test uses)."""

    def __init__(self):
        self.cmd, self.why, self.dropped = "bed_portal_drop", None, []

    def drop(self, portal):
        ip = portal.split(":")[0]
        bed("bed_portal_drop", ip)
        self.dropped.append(ip)

    def clear(self):
        while self.dropped:
            bed("bed_portal_undrop", self.dropped.pop())


def reset_bed(firewall):
    """Back to 'nothing attached' on the host, whoever left what (brickd's ledger: Bench.reset)."""
    firewall.clear()
    for portal in PORTALS:
        bed("bed_portal_enable", portal.split(":")[0])
    for wwid in Host.mpath_maps():
        run(["multipathd", "disablequeueing", "map", wwid], check=False)
        run(["dmsetup", "message", wwid, "0", "fail_if_no_path"], check=False)
        run(["multipath", "-f", wwid], check=False, timeout=60)
        run(["dmsetup", "remove", "--force", wwid], check=False)
    for d in Host.iscsi_disks():
        try:
            write(f"/sys/block/{d}/device/state", "offline")
            write(f"/sys/block/{d}/device/delete", "1")
        except OSError as e:
            log(f"reset: delete {d}: {e}")
    run(["iscsiadm", "-m", "node", "--logoutall=all"], check=False, timeout=120)
    run(["iscsiadm", "-m", "node", "-o", "delete"], check=False)
    left = Host.sessions() + Host.iscsi_disks() + Host.mpath_maps()
    if left:
        log(f"reset: still there after reset: {left}")


def settle_sessions_gone():
    """Bounded wait for the kernel to drop sessions a logout removed (asynchronous teardown)."""
    try:
        poll("no iSCSI session", lambda: not Host.sessions(), 10)
    except BenchError:
        pass


