#!/usr/bin/env python3
"""Open N keep-alive HTTP connections to HOST:PORT, prove each one works end to end, then hold them idle.

Used by benchmark/run.sh for the `idle` profile. Each connection sends one `GET /` and reads the whole
response (so a proxy must have connected it to a backend), then stays open and silent. When every
connection has been tried, one line `HPRP_IDLE READY opened=.. answered=.. failed=.. errors=..` is printed;
the connections are held for --hold seconds (run.sh samples the proxy's RSS and fds meanwhile), then closed,
and `HPRP_IDLE DONE still_open=..` is printed (connections the proxy kept open for the whole hold).

Bounded in time: --deadline caps the opening phase, --hold the rest. Connects are limited to --parallel at
once so the listen backlog of the proxy under test is not what is measured. Loopback only: the host must be 127.0.0.1.
"""
import argparse
import asyncio
import collections
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: hprp-idle\r\n\r\n"


async def open_one(host, port, sem, timeout, errors):
    async with sem:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except Exception as e:  # refused, timeout, EMFILE: counted by kind
            errors[type(e).__name__] += 1
            return None
        try:
            writer.write(REQUEST)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await asyncio.wait_for(reader.readexactly(length), timeout)
            if not status.startswith(b"2"):
                errors["status_" + status.decode()] += 1
                writer.close()
                return None
            return reader, writer
        except Exception as e:
            errors[type(e).__name__] += 1
            writer.close()
            return None


async def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("-n", type=int, required=True, help="connections to open")
    p.add_argument("--hold", type=float, default=5.0, help="seconds to hold them after READY")
    p.add_argument("--parallel", type=int, default=200, help="connects in flight at once")
    p.add_argument("--timeout", type=float, default=10.0, help="per-connection connect+answer timeout (s)")
    p.add_argument("--deadline", type=float, default=120.0, help="cap on opening them all (s)")
    a = p.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("idle_conns.py: --host must be loopback")

    errors = collections.Counter()
    sem = asyncio.Semaphore(a.parallel)
    started = time.monotonic()
    tasks = [asyncio.create_task(open_one(a.host, a.port, sem, a.timeout, errors)) for _ in range(a.n)]
    done, pending = await asyncio.wait(tasks, timeout=a.deadline)
    for t in pending:
        t.cancel()
    if pending:
        errors["deadline"] += len(pending)
    conns = [t.result() for t in done if t.result() is not None]
    took = time.monotonic() - started
    err = ",".join(f"{k}:{v}" for k, v in sorted(errors.items())) or "none"
    print(f"HPRP_IDLE READY opened={a.n} answered={len(conns)} failed={a.n - len(conns)} "
          f"open_s={took:.2f} errors={err}", flush=True)

    await asyncio.sleep(a.hold)
    # The loop ran during the hold, so a connection the proxy closed has seen its EOF or reset by now.
    still_open = sum(1 for reader, _ in conns if reader.exception() is None and not reader.at_eof())
    for _, writer in conns:
        writer.close()
    print(f"HPRP_IDLE DONE still_open={still_open}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
