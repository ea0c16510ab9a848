"""An SMTP sink that answers each message's DATA after a delay, like a real relay on a network.

    python delayed-sink.py PORT DELAY_MS STATS_FILE

Accepts everything and keeps nothing; every 100 ms it writes {"messages", "connections",
"max_concurrent_data"} to STATS_FILE (atomically), and once more on SIGTERM.
For `carteiro bench delivery --sections scaling` (run with the project's .venv python, which has aiosmtpd).
"""
import asyncio, json, os, signal, sys

from aiosmtpd.smtp import SMTP

port, delay, stats_file = int(sys.argv[1]), int(sys.argv[2]) / 1000.0, sys.argv[3]
stats = {"messages": 0, "connections": 0, "max_concurrent_data": 0}
waiting = 0


def write_stats():
    temporary = stats_file + ".tmp"
    with open(temporary, "w") as f:
        json.dump(stats, f)
    os.replace(temporary, stats_file)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        global waiting
        waiting += 1
        stats["max_concurrent_data"] = max(stats["max_concurrent_data"], waiting)
        try:
            await asyncio.sleep(delay)
        finally:
            waiting -= 1
        stats["messages"] += 1
        return "250 2.0.0 Ok: queued"


class CountingSMTP(SMTP):
    def connection_made(self, transport):
        stats["connections"] += 1
        super().connection_made(transport)


async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    make = lambda: CountingSMTP(Handler(), hostname="sink.bench", decode_data=False, enable_SMTPUTF8=False)
    server = await loop.create_server(make, "127.0.0.1", port, backlog=1024)
    write_stats()
    print("READY", flush=True)
    while not stop.done():
        await asyncio.wait([stop], timeout=0.1)
        write_stats()
    server.close()


asyncio.run(main())
