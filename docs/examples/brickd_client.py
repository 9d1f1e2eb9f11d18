#!/usr/bin/env python3
"""How nova-compute (or any Python caller) talks to brickd: JSON-RPC 2.0 over a unix
stream socket, one JSON object per line. Standard library only.

    client = BrickdClient("/run/brickd/brickd.sock")
    props = client.call("get_connector_properties", {"multipath": True, "enforce_multipath": False})
    device_info = client.call("connect_volume", {"connection_info": connection_info,
                                                 "instance_uuid": instance.uuid,
                                                 "use_multipath": True, "enforce_multipath": False})
    # device_info["path"] goes into the libvirt disk's <source dev=...>
    client.call("disconnect_volume", {"connection_info": connection_info, "device_info": device_info,
                                      "force": False, "ignore_errors": False})

Run as a script it prints the connector properties, or with a connection_info JSON file
attaches the volume, prints the answer and detaches it again:

    brickd_client.py [--socket PATH] [--attach-detach FILE]
"""
import argparse
import itertools
import json
import socket
import sys


class BrickdError(Exception):
    """A JSON-RPC error brickd answered: code (see README), message, data."""

    def __init__(self, code, message, data=None):
        super().__init__("brickd error %s: %s" % (code, message))
        self.code = code
        self.message = message
        self.data = data


class BrickdClient:
    """One connection; calls are sent one after another (use one client per thread)."""

    def __init__(self, path="/run/brickd/brickd.sock", timeout=600.0):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._sock.connect(path)
        self._reader = self._sock.makefile("rb")
        self._ids = itertools.count(1)

    def call(self, method, params=None):
        request_id = next(self._ids)
        frame = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method,
                            "params": params or {}}, separators=(",", ":"))
        self._sock.sendall(frame.encode("utf-8") + b"\n")
        line = self._reader.readline()
        if not line:
            raise ConnectionError("brickd closed the connection")
        reply = json.loads(line)
        if reply.get("id") != request_id:
            raise ConnectionError("reply for id %r, expected %r" % (reply.get("id"), request_id))
        if "error" in reply:
            err = reply["error"]
            raise BrickdError(err.get("code"), err.get("message"), err.get("data"))
        return reply["result"]

    def close(self):
        self._reader.close()
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", default="/run/brickd/brickd.sock")
    ap.add_argument("--attach-detach", metavar="FILE", help="connection_info JSON file")
    args = ap.parse_args()
    with BrickdClient(args.socket) as client:
        if not args.attach_detach:
            print(json.dumps(client.call("get_connector_properties",
                                         {"multipath": False, "enforce_multipath": False}), indent=2))
            return 0
        with open(args.attach_detach, encoding="utf-8") as f:
            connection_info = json.load(f)
        device_info = client.call("connect_volume", {"connection_info": connection_info,
                                                     "use_multipath": False, "enforce_multipath": False})
        print("connected:", json.dumps(device_info))
        result = client.call("disconnect_volume", {"connection_info": connection_info,
                                                   "device_info": device_info,
                                                   "force": False, "ignore_errors": False})
        print("disconnected:", json.dumps(result))
        return 0


if __name__ == "__main__":
    sys.exit(main())
