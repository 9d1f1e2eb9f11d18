"""The three backends the benchmark times: the bare-kernel minimum, brickd through its
socket, and os-brick's ISCSIConnector in this process. Each has attach, detach, extend and
forget (best-effort cleanup after a failure)."""

import errno
import glob
import itertools
import json
import logging
import os
import socket
import threading
import time

from bedlib import PORTALS, BenchError, Host, log, poll, read, rss_kib, run, write


def connection_data(vol, multipath):
    """cinder's connection_info['data'] for the LIO volume, as os-brick and brickd read it."""
    data = {"target_portal": PORTALS[0], "target_iqn": vol["iqn"], "target_lun": vol["lun"],
            "target_discovered": False, "volume_id": vol["id"], "access_mode": "rw",
            "encrypted": False, "wwn": vol["wwid"]}
    if multipath:
        data.update(target_portals=list(PORTALS), target_iqns=[vol["iqn"]] * 2, target_luns=[vol["lun"]] * 2)
    return data


class Bare:
    """The physical limit: only what the kernel needs, the way brickd's I2 does it.

    Attach: node record, node.session.scan = manual, login (skipped when the session is
    up), a write of "0 0 LUN" to the host's scan file, wait for /dev/sdX (bounded poll);
    multipath: the WWID into multipathd's wwids first, both portals in parallel, wait for
    the dm map. Detach: flush the map (multipath -f), delete the disks, log out and delete
    the node record when no other disk uses the session. No udev link, no identity check.
    """

    name = "bare"

    def __init__(self):
        self.lock = threading.Lock()   # one login per portal at a time (16 volumes share a session)

    def _iscsiadm(self, vol, portal, *args, timeout=180):
        return run(["iscsiadm", "-m", "node", "-T", vol["iqn"], "-p", portal, *args], timeout=timeout)

    def _login(self, vol, portal):
        with self.lock:
            host = Host.session_host(portal)
            if host is None:
                self._iscsiadm(vol, portal, "-o", "new")
                self._iscsiadm(vol, portal, "-o", "update", "-n", "node.session.scan", "-v", "manual")
                self._iscsiadm(vol, portal, "--login")
                host = poll(f"session through {portal}", lambda: Host.session_host(portal), 30)
            return host

    def _path(self, vol, portal):
        host = self._login(vol, portal)
        write(f"/sys/class/scsi_host/host{host}/scan", f"0 0 {vol['lun']}")
        return poll(f"disk at {host}:0:0:{vol['lun']}", lambda: Host.disk_at(host, vol["lun"]), 20)

    def attach(self, vol, multipath, portals=PORTALS):
        if not multipath:
            return {"path": "/dev/" + self._path(vol, PORTALS[0])}
        run(["multipath", "-a", vol["wwid"]])
        threads = [threading.Thread(target=self._path_quiet, args=(vol, p), daemon=True) for p in portals]
        for t in threads:
            t.start()
        want = len(portals)
        dm = poll(f"map {vol['wwid']} with {want} path(s)",
                  lambda: (lambda d: d if d and len(os.listdir(f"/sys/block/{d}/slaves")) >= want else None)(
                      Host.map_of(vol["wwid"])), 60)
        return {"path": "/dev/" + dm}

    def _path_quiet(self, vol, portal):
        try:
            self._path(vol, portal)
        except BenchError as e:
            log(f"bare: path {portal}: {e}")

    def detach(self, vol, multipath, dev, force=False):
        disks = Host.disks_of(vol["wwid"])
        if multipath and Host.map_of(vol["wwid"]):
            if force:
                run(["dmsetup", "message", vol["wwid"], "0", "fail_if_no_path"])
                run(["dmsetup", "remove", "--deferred", vol["wwid"]])
            else:
                run(["multipath", "-f", vol["wwid"]])
        hosts = set()
        for d in disks:
            hosts.add(os.path.realpath(f"/sys/block/{d}/device").split("/")[-1].split(":")[0])
            if force:
                try:
                    write(f"/sys/block/{d}/device/state", "offline")
                except OSError as e:
                    # Linux takes 'offline' only from running/offline: a blocked device (its session in
                    # recovery) answers EINVAL and is deleted as it is
                    if e.errno != errno.EINVAL:
                        raise
            write(f"/sys/block/{d}/device/delete", "1")
        poll("disks gone", lambda: not any(os.path.exists(f"/sys/block/{d}") for d in disks), 30)
        with self.lock:
            for portal in PORTALS:
                host = Host.session_host(portal, logged_in=not force)
                if host is None or str(host) not in hosts:
                    continue
                if glob.glob(f"/sys/class/scsi_host/host{host}/device/session*/target*/*:*:*:*/block"):
                    continue  # another volume's disk still uses the session
                self._iscsiadm(vol, portal, "--logout")
                self._iscsiadm(vol, portal, "-o", "delete")

    def extend(self, vol, dev):
        disks = Host.disks_of(vol["wwid"])
        for d in disks:
            write(f"/sys/block/{d}/device/rescan", "1")
        return int(read(f"/sys/block/{disks[0]}/size")) * 512

    def forget(self, vol, multipath):
        pass


class Brickd:
    """brickd through its socket: JSON-RPC 2.0, one object per line, one connection per thread."""

    name = "brickd"

    def __init__(self, sock_path, pid):
        self.sock_path = sock_path
        self.pid = pid
        self.local = threading.local()
        self.ids = itertools.count(1)

    def call(self, method, params, timeout=600):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(self.sock_path)
            self.local.conn, self.local.buf = conn, b""
        conn.settimeout(timeout)
        rid = next(self.ids)
        conn.sendall(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).encode() + b"\n")
        while b"\n" not in self.local.buf:
            chunk = conn.recv(65536)
            if not chunk:
                self.local.conn = None
                raise BenchError(f"brickd closed the connection during {method}")
            self.local.buf += chunk
        line, self.local.buf = self.local.buf.split(b"\n", 1)
        answer = json.loads(line)
        if "error" in answer:
            e = answer["error"]
            data = f" {json.dumps(e['data'])}" if e.get("data") else ""
            raise BenchError(f"{method}: error {e.get('code')}: {e.get('message')}{data}"[:300])
        return answer["result"]

    @staticmethod
    def _ci(vol, multipath):
        return {"driver_volume_type": "iscsi", "serial": vol["id"], "data": connection_data(vol, multipath)}

    def attach(self, vol, multipath):
        return self.call("connect_volume", {"connection_info": self._ci(vol, multipath),
                                            "use_multipath": multipath, "enforce_multipath": False})

    def detach(self, vol, multipath, dev, force=False):
        return self.call("disconnect_volume", {"connection_info": self._ci(vol, multipath), "device_info": dev,
                                               "force": force, "ignore_errors": force})

    def extend(self, vol, dev):
        return self.call("extend_volume", {"connection_info": self._ci(vol, False)})["new_size"]

    def forget(self, vol, multipath):
        try:
            self.detach(vol, multipath, None, force=True)
        except BenchError as e:
            log(f"brickd: forget {vol['id']}: {e}")

    def rss(self):
        return rss_kib(self.pid)


class OsBrick:
    """Debian's python3-os-brick ISCSIConnector in this process, privsep in-process (we are root).

    What made it run on this bed (../shared/reference/kernel-testbed.md §8): oslo's lock
    path set, os_brick.setup(), privsep client mode off, so privileged calls run here
    without sudo or a privsep-helper daemon.
    """

    name = "os-brick"

    def __init__(self, log_file):
        t = time.monotonic()
        logging.basicConfig(filename=log_file, level=logging.INFO,
                            format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
        from oslo_concurrency import lockutils
        from oslo_config import cfg
        lockutils.set_defaults("/tmp/oslo-locks")
        import os_brick
        from os_brick import privileged
        from os_brick.initiator import connector
        cfg.CONF([], project="brickd-bench")
        os_brick.setup(cfg.CONF)
        privileged.default.set_client_mode(False)
        self.version = getattr(os_brick, "__version__", "") or run(
            ["dpkg-query", "-W", "-f=${Version}", "python3-os-brick"], check=False)
        # nova: num_iscsi_scan_tries = 5
        self.single = connector.InitiatorConnector.factory("ISCSI", "sudo", use_multipath=False,
                                                           device_scan_attempts=5)
        self.multi = connector.InitiatorConnector.factory("ISCSI", "sudo", use_multipath=True,
                                                          device_scan_attempts=5)
        self.import_s = time.monotonic() - t

    def _c(self, multipath):
        return self.multi if multipath else self.single

    def attach(self, vol, multipath):
        return self._c(multipath).connect_volume(connection_data(vol, multipath))

    def detach(self, vol, multipath, dev, force=False):
        self._c(multipath).disconnect_volume(connection_data(vol, multipath), dev, force=force,
                                             ignore_errors=force)

    def extend(self, vol, dev):
        return self.single.extend_volume(connection_data(vol, False))

    def forget(self, vol, multipath):
        pass

    @staticmethod
    def rss():
        return rss_kib(os.getpid())


class Broken:
    """Stands in for a backend that could not be set up: every call fails with the reason."""

    def __init__(self, name, reason):
        self.name, self.reason = name, reason

    def __getattr__(self, attr):
        def fail(*_args, **_kwargs):
            raise BenchError(self.reason)
        return fail


