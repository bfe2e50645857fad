#!/usr/bin/env python3
"""Hostile load against a running `rampart serve`, without credentials.

For DURATION seconds it keeps up to HALF_OPEN connections that send half a
request head and stall (reopened when the server closes them), and runs
workers that send oversized requests: a 1.5 MB Action in a form body, in a
chunked body and in the query; 1.9 MB bodies; a 60 KB Action; 300
parameters; a 40 KB header; stalled bodies; and a flood of small unsigned
calls. It samples the server's RSS, probes `/healthz` on a new connection
every 5 s, and prints what it saw as JSON.

Usage: hostile_load.py PORT SERVER_PID [DURATION] [HALF_OPEN] [--half-open-only]
(--half-open-only: no request workers, no RSS sampling; to spread the
half-open connections over processes when the open-file limit is low).
Only talks to 127.0.0.1.
"""

import asyncio
import collections
import json
import sys
import time

HOST = "127.0.0.1"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Stats:
    def __init__(self):
        self.status = collections.Counter()
        self.errors = collections.Counter()
        self.half_open_now = 0
        self.half_open_peak = 0
        self.half_open_opened = 0
        self.half_open_closed_by_server = 0
        self.half_open_connect_failed = 0


async def read_status(reader, timeout):
    line = await asyncio.wait_for(reader.readline(), timeout)
    if not line:
        return "eof"
    parts = line.split()
    return parts[1].decode() if len(parts) > 1 else "bad"


async def one_request(stats, kind, head, body=b"", chunks=None, stall=None, timeout=30):
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(HOST, PORT), 10)
    except Exception as e:  # noqa: BLE001 - counted, not fatal
        stats.errors[f"{kind}: connect {type(e).__name__}"] += 1
        return
    try:
        writer.write(head)
        if body:
            writer.write(body)
        if chunks:
            for c in chunks:
                writer.write(c)
                await writer.drain()
        if stall:
            await asyncio.sleep(stall)
        try:
            await asyncio.wait_for(writer.drain(), timeout)
        except (ConnectionError, asyncio.TimeoutError):
            pass
        st = await read_status(reader, timeout)
        stats.status[f"{kind} {st}"] += 1
    except Exception as e:  # noqa: BLE001
        stats.errors[f"{kind}: {type(e).__name__}"] += 1
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 2)
        except Exception:  # noqa: BLE001
            pass


def requests():
    big_action = "A" * 1_500_000
    form = f"Action={big_action}&Version=2015-05-01".encode()
    body19 = b"x" * 1_900_000
    many = "&".join(f"P{i}=v" for i in range(300)).encode()
    ct = b"Content-Type: application/x-www-form-urlencoded\r\n"
    chunk = b"B" * 65536
    chunked = [b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 30 + [b"0\r\n\r\n"]
    return [
        ("action-1.5MB-body", dict(
            head=b"POST / HTTP/1.1\r\nHost: x\r\n" + ct
            + b"Content-Length: %d\r\n\r\n" % len(form), body=form)),
        ("action-1.5MB-chunked", dict(
            head=b"POST / HTTP/1.1\r\nHost: x\r\n" + ct
            + b"Transfer-Encoding: chunked\r\n\r\n7\r\nAction=\r\n",
            chunks=[b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 23 + [b"0\r\n\r\n"])),
        ("action-1.5MB-query", dict(
            head=f"POST /?Action={big_action}&Version=2015-05-01 HTTP/1.1\r\nHost: x\r\n"
            "Content-Length: 0\r\n\r\n".encode())),
        ("action-60KB-query", dict(
            head=f"POST /?Action={'A' * 60000}&Version=2015-05-01 HTTP/1.1\r\nHost: x\r\n"
            "Content-Length: 0\r\n\r\n".encode())),
        ("version-30KB-query", dict(
            head=f"POST /?Action=ListUsers&Version={'9' * 30000} HTTP/1.1\r\nHost: x\r\n"
            "Content-Length: 0\r\n\r\n".encode())),
        ("body-1.9MB", dict(
            head=b"POST /?Action=ListUsers&Version=2015-05-01 HTTP/1.1\r\nHost: x\r\n" + ct
            + b"Content-Length: %d\r\n\r\n" % len(body19), body=body19)),
        ("body-1.9MB-chunked", dict(
            head=b"POST /?Action=ListUsers&Version=2015-05-01 HTTP/1.1\r\nHost: x\r\n" + ct
            + b"Transfer-Encoding: chunked\r\n\r\n", chunks=chunked)),
        ("params-300", dict(
            head=b"POST /?Action=ListUsers&Version=2015-05-01 HTTP/1.1\r\nHost: x\r\n" + ct
            + b"Content-Length: %d\r\n\r\n" % len(many), body=many)),
        ("header-40KB", dict(
            head=b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * 40000 + b"\r\n\r\n")),
        ("user-agent-20KB", dict(
            head=b"POST /?Action=ListUsers&Version=2015-05-01 HTTP/1.1\r\nHost: x\r\nUser-Agent: "
            + b"u" * 20000 + b"\r\nContent-Length: 0\r\n\r\n")),
        ("stalled-body", dict(
            head=b"POST / HTTP/1.1\r\nHost: x\r\n" + ct + b"Content-Length: 1000\r\n\r\nAction=Li",
            stall=None, timeout=60)),
    ]


def unsigned_call(i):
    return ("unsigned-small", dict(
        head=f"POST /?Action=ListUsers&Version=2015-05-01&n={i} HTTP/1.1\r\nHost: x\r\n"
        "Content-Length: 0\r\n\r\n".encode()))


async def half_open(stats, deadline, slot_delay):
    await asyncio.sleep(slot_delay)
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, PORT), 15)
        except Exception:  # noqa: BLE001
            stats.half_open_connect_failed += 1
            await asyncio.sleep(1)
            continue
        stats.half_open_opened += 1
        stats.half_open_now += 1
        stats.half_open_peak = max(stats.half_open_peak, stats.half_open_now)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            left = deadline - time.monotonic()
            if left > 0:
                data = await asyncio.wait_for(reader.read(1), left)
                if not data:
                    stats.half_open_closed_by_server += 1
        except asyncio.TimeoutError:
            pass
        except Exception:  # noqa: BLE001
            stats.half_open_closed_by_server += 1
        finally:
            stats.half_open_now -= 1
            writer.close()


async def worker(stats, deadline, items):
    i = 0
    while time.monotonic() < deadline:
        kind, kw = items[i % len(items)]
        await one_request(stats, kind, **kw)
        i += 1


async def flood(stats, deadline, n0):
    i = n0
    while time.monotonic() < deadline:
        kind, kw = unsigned_call(i)
        await one_request(stats, kind, **kw)
        i += 1


async def sampler(pid, deadline, samples):
    while time.monotonic() < deadline:
        samples.append(rss_kib(pid))
        await asyncio.sleep(0.5)


async def probe(deadline, results):
    """A well-behaved client: /healthz on a new connection every 5 s."""
    while time.monotonic() < deadline:
        t = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, PORT), 10)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            st = await read_status(reader, 10)
            writer.close()
            results.append([round(time.monotonic() - t, 3), st])
        except Exception as e:  # noqa: BLE001
            results.append([round(time.monotonic() - t, 3), type(e).__name__])
        await asyncio.sleep(max(0, 5 - (time.monotonic() - t)))


async def main():
    global PORT
    PORT = int(sys.argv[1])
    pid = int(sys.argv[2])
    duration = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    n_half = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
    only_half_open = "--half-open-only" in sys.argv[5:]
    stats = Stats()
    samples = []
    start = time.monotonic()
    deadline = start + duration
    items = requests()
    tasks = []
    probes = []
    # Half-open connections ramp up over the first 10 s.
    for k in range(n_half):
        tasks.append(asyncio.create_task(half_open(stats, deadline, 10 * k / n_half)))
    if not only_half_open:
        tasks.append(asyncio.create_task(sampler(pid, deadline + 1, samples)))
        tasks.append(asyncio.create_task(probe(deadline, probes)))
        for w in range(16):
            rotated = items[w % len(items):] + items[:w % len(items)]
            tasks.append(asyncio.create_task(worker(stats, deadline, rotated)))
        for w in range(4):
            tasks.append(asyncio.create_task(flood(stats, deadline, w * 10_000_000)))
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({
        "seconds": round(time.monotonic() - start, 1),
        "rss_kib_samples_max": max(samples) if samples else 0,
        "half_open_peak": stats.half_open_peak,
        "half_open_opened": stats.half_open_opened,
        "half_open_closed_by_server": stats.half_open_closed_by_server,
        "half_open_connect_failed": stats.half_open_connect_failed,
        "healthz_probes_seconds_status": probes,
        "responses": dict(sorted(stats.status.items())),
        "errors": dict(sorted(stats.errors.items())),
    }, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
