#!/usr/bin/env python3
"""A tiny server for the made-up Beacon protocol (conf/scenarios/beacon.yaml).

It speaks first (HELLO with a nonce), checks that AUTH echoes the nonce, answers PINGs
with PONGs, and before every third PONG of a connection pushes a COMMAND the client must
acknowledge. It counts every exchange and writes the counts as JSON to --counters on
SIGTERM/SIGINT (temp file + rename), then exits 0. Used by tests/e2e/beacon_test.cc.
"""
import argparse
import asyncio
import json
import os
import random
import signal
import struct
import time

HDR = struct.Struct("<HBB")
counts = {k: 0 for k in ("connections", "hello_sent", "auth_received", "auth_bad_nonce",
                         "auth_ok_sent", "ping_received", "pong_sent", "push_sent",
                         "push_ack_received", "push_ack_matched", "unknown", "malformed")}


def frame(ftype, body):
    return HDR.pack(HDR.size + len(body), ftype, 0) + body


async def handle(reader, writer, ping_ms):
    counts["connections"] += 1
    nonce = random.getrandbits(32)
    pending_push = set()
    pings = 0
    next_cmd = 1
    writer.write(frame(1, struct.pack("<IQ", nonce, int(time.time() * 1000))))
    counts["hello_sent"] += 1
    try:
        while True:
            head = await reader.readexactly(HDR.size)
            length, ftype, _ = HDR.unpack(head)
            if length < HDR.size or length > 256:
                counts["malformed"] += 1
                break
            body = await reader.readexactly(length - HDR.size)
            if ftype == 2:  # AUTH: nonce, id, name
                counts["auth_received"] += 1
                got, _dev, _name = struct.unpack("<IQ16s", body)
                status = 0 if got == nonce else 1
                counts["auth_bad_nonce"] += status
                writer.write(frame(3, struct.pack("<BH", status, ping_ms)))
                counts["auth_ok_sent"] += 1
            elif ftype == 4:  # PING: counter
                counts["ping_received"] += 1
                pings += 1
                if pings % 3 == 0:
                    writer.write(frame(6, struct.pack("<IB", next_cmd, 1)))
                    pending_push.add(next_cmd)
                    next_cmd += 1
                    counts["push_sent"] += 1
                writer.write(frame(5, body[:4]))
                counts["pong_sent"] += 1
            elif ftype == 7:  # PUSH_ACK: cmd_id, result
                counts["push_ack_received"] += 1
                cmd, _res = struct.unpack("<IB", body)
                if cmd in pending_push:
                    pending_push.discard(cmd)
                    counts["push_ack_matched"] += 1
            else:
                counts["unknown"] += 1
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def write_counts(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(counts, f)
    os.rename(tmp, path)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=7201)
    ap.add_argument("--ping_ms", type=int, default=500)
    ap.add_argument("--counters", default="beacon_counters.json")
    ap.add_argument("--ready", default="")
    args = ap.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, args.ping_ms), "127.0.0.1",
                                        args.port, backlog=4096)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("ready\n")
    await stop.wait()
    server.close()
    write_counts(args.counters)


if __name__ == "__main__":
    asyncio.run(main())
