#!/usr/bin/env python3
"""An outside WebSocket client for Carteiro's chat end-to-end tests (Tests/CarteiroServerTests).

Each scenario drives `carteiro serve` through the `websockets` package, prints one JSON object
with what it saw on standard output, and exits 0; the Swift test asserts on that object.
A scenario that cannot go on (timeout, unexpected close) prints {"error": ...} and exits 1.
"""
import asyncio
import contextlib
import json
import sys
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

TIMEOUT = 15


async def recv_until(ws, predicate, frames, seen_ok=False):
    """Receives frames into `frames` until one satisfies `predicate`; returns it. With `seen_ok`,
    a frame already in `frames` counts too."""
    if seen_ok:
        for frame in frames:
            if predicate(frame):
                return frame
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        frames.append(frame)
        if predicate(frame):
            return frame


def is_type(kind, **fields):
    return lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items())


async def say(ws, text, frames, client_id=None):
    """Sends a customer message; waits for its ack and the bot's last reply (a frame after the ack
    from the bot, or a hand-off). Returns the ack."""
    client_id = client_id or str(uuid.uuid4())
    await ws.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))
    ack = await recv_until(ws, is_type("ack", client_id=client_id), frames)
    return ack


async def bot_reply(ws, frames, after):
    return await recv_until(
        ws, lambda f: f.get("sequence", 0) > after and (f.get("type") == "handoff" or (f.get("type") == "message" and f.get("from") == "bot")),
        frames)


async def dialogue(url):
    frames = []
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "locale": "pt-BR", "name": "Ana"}))
        welcome = await recv_until(ws, is_type("welcome"), frames)
        for text in ["quero agendar uma visita técnica", "Rua das Flores, 123, Centro", "de manhã"]:
            ack = await say(ws, text, frames)
            await bot_reply(ws, frames, ack["sequence"])
    return {"welcome": welcome, "frames": frames}


async def burst(url, pairs="4", messages="30"):
    """Pairs of connections on one conversation (the second resumes the first's) that both send a
    burst of messages without waiting. Each connection's frames mix its own acks and answers with
    the other's messages, written from two places in the server. Reads until every entry of the
    conversation arrived; returns each connection's frames in arrival order."""
    count = int(messages)

    async def side(ws, name, frames, total):
        for n in range(count):
            await ws.send(json.dumps({"type": "message", "client_id": f"{name}-{n}", "text": "quero a segunda via do boleto"}))
        while sum(1 for f in frames if f.get("type") in ("ack", "message")) < total:
            await recv_until(ws, lambda f: True, frames)

    async def pair(index):
        first_frames, second_frames = [], []
        async with connect(url) as first, connect(url) as second:
            await first.send(json.dumps({"type": "hello", "locale": "pt-BR"}))
            welcome = await recv_until(first, is_type("welcome"), first_frames)
            await second.send(json.dumps({"type": "hello", "resume": welcome["resume"], "last_sequence": 0}))
            await recv_until(second, is_type("welcome"), second_frames)
            total = 4 * count
            await asyncio.gather(side(first, f"a{index}", first_frames, total), side(second, f"b{index}", second_frames, total))
        return [first_frames[1:], second_frames[1:]]

    results = await asyncio.gather(*(pair(index) for index in range(int(pairs))))
    return {"connections": [frames for pair in results for frames in pair]}


async def resume(url):
    first, second = [], []
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "locale": "pt-BR"}))
        welcome = await recv_until(ws, is_type("welcome"), first)
        ack = await say(ws, "oi", first)
        await bot_reply(ws, first, ack["sequence"])
        seen = max(f.get("sequence", 0) for f in first)
        # Sent, then the network drops before the ack or the answer can arrive.
        await ws.send(json.dumps({"type": "message", "client_id": "dropped-1", "text": "quero agendar uma visita técnica"}))
        ws.transport.abort()
    await asyncio.sleep(0.5)
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "resume": welcome["resume"], "last_sequence": seen}))
        again = await recv_until(ws, is_type("welcome"), second)
        # The message may or may not have been stored before the drop: resent under its first id.
        await ws.send(json.dumps({"type": "message", "client_id": "dropped-1", "text": "quero agendar uma visita técnica"}))
        await recv_until(ws, is_type("ack", client_id="dropped-1"), second)
        # The answer came with the backlog (the message was stored before the drop) or comes now.
        await recv_until(ws, lambda f: f.get("type") == "message" and f.get("from") == "bot" and "endereço" in f.get("text", ""), second, seen_ok=True)
        ack = await say(ws, "Rua das Flores, 123, Centro", second)
        await bot_reply(ws, second, ack["sequence"])
    return {"welcome": welcome, "resumed": again, "seen_before_drop": seen, "first": first, "second": second}


async def handoff(customer_url, agent_url, token):
    customer, agent = [], []
    async with connect(customer_url) as cws:
        await cws.send(json.dumps({"type": "hello", "locale": "pt-BR", "name": "Bia"}))
        welcome = await recv_until(cws, is_type("welcome"), customer)
        conversation = welcome["conversation_id"]
        ack = await say(cws, "oi", customer)
        await bot_reply(cws, customer, ack["sequence"])
        ack = await say(cws, "quero falar com um atendente", customer)
        await recv_until(cws, is_type("handoff", state="queued"), customer)
        async with connect(agent_url, additional_headers={"Authorization": f"Bearer {token}"}) as aws:
            await aws.send(json.dumps({"type": "list"}))
            waiting = await recv_until(aws, lambda f: f.get("type") == "waiting" and any(c["conversation_id"] == conversation for c in f["conversations"]), agent)
            await aws.send(json.dumps({"type": "claim", "conversation_id": conversation}))
            await recv_until(aws, is_type("claimed", conversation_id=conversation), agent)
            history = await recv_until(aws, is_type("history", conversation_id=conversation), agent)
            assigned = await recv_until(cws, is_type("handoff", state="assigned"), customer)
            await aws.send(json.dumps({"type": "message", "conversation_id": conversation, "client_id": "agent-1", "text": "Olá Bia, sou a Ana. Como posso ajudar?"}))
            await recv_until(aws, is_type("ack", client_id="agent-1"), agent)
            from_agent = await recv_until(cws, lambda f: f.get("type") == "message" and f.get("from") == "agent", customer)
            ack = await say(cws, "minha internet caiu", customer)
            from_customer = await recv_until(aws, lambda f: f.get("type") == "message" and f.get("from") == "customer" and f.get("sequence") == ack["sequence"], agent)
            await aws.send(json.dumps({"type": "close", "conversation_id": conversation}))
            closed = await recv_until(cws, is_type("closed"), customer)
            # A second claim of a closed conversation is refused, and the connection stays usable.
            await aws.send(json.dumps({"type": "claim", "conversation_id": conversation}))
            refused = await recv_until(aws, is_type("error"), agent)
    return {
        "conversation": conversation, "waiting": waiting, "history": history, "assigned": assigned, "from_agent": from_agent,
        "from_customer": from_customer, "closed": closed, "refused_claim": refused, "customer": customer, "agent": agent,
    }


async def converse(url, name, *texts):
    """A customer who says each text in turn; returns the bot's first reply to each."""
    frames, replies = [], []
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "locale": "pt-BR", "name": name}))
        welcome = await recv_until(ws, is_type("welcome"), frames)
        for text in texts:
            ack = await say(ws, text, frames)
            replies.append((await bot_reply(ws, frames, ack["sequence"])).get("text"))
    return {"welcome": welcome, "replies": replies}


async def email_agent(agent_url, token, customer_email, answer):
    """An agent who waits for the email conversation of `customer_email`, claims it, answers, and
    waits for the customer's next message (a reply by email)."""
    agent = []
    async with connect(agent_url, additional_headers={"Authorization": f"Bearer {token}"}) as aws:
        waiting = None
        for _ in range(300):
            await aws.send(json.dumps({"type": "list"}))
            frame = await recv_until(aws, is_type("waiting"), agent)
            found = [c for c in frame["conversations"] if c.get("email") == customer_email]
            if found:
                waiting = found[0]
                break
            await asyncio.sleep(0.1)
        if waiting is None:
            raise TimeoutError(f"no conversation of {customer_email} waited within 30 s")
        conversation = waiting["conversation_id"]
        await aws.send(json.dumps({"type": "claim", "conversation_id": conversation}))
        await recv_until(aws, is_type("claimed", conversation_id=conversation), agent)
        history = await recv_until(aws, is_type("history", conversation_id=conversation), agent)
        await aws.send(json.dumps({"type": "message", "conversation_id": conversation, "client_id": "agent-1", "text": answer}))
        ack = await recv_until(aws, lambda f: f.get("client_id") == "agent-1" and f.get("type") in ("ack", "error"), agent)
        if ack["type"] == "error":
            return {"waiting": waiting, "history": history, "error_frame": ack}
        reply = None
        for _ in range(4):  # up to a minute for the reply's round trip through the mailbox
            with contextlib.suppress(asyncio.TimeoutError):
                reply = await recv_until(
                    aws, lambda f: f.get("type") == "message" and f.get("from") == "customer" and f.get("sequence", 0) > ack["sequence"], agent)
                break
    return {"waiting": waiting, "history": history, "ack": ack, "reply": reply}


async def start(url, text):
    frames = []
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "locale": "pt-BR"}))
        welcome = await recv_until(ws, is_type("welcome"), frames)
        ack = await say(ws, text, frames)
        await bot_reply(ws, frames, ack["sequence"])
    return {"welcome": welcome, "frames": frames, "last_sequence": max(f.get("sequence", 0) for f in frames)}


async def resume_and_say(url, token, last_sequence, text):
    frames = []
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "resume": token, "last_sequence": int(last_sequence)}))
        welcome = await recv_until(ws, is_type("welcome"), frames)
        ack = await say(ws, text, frames)
        await bot_reply(ws, frames, ack["sequence"])
    return {"welcome": welcome, "frames": frames}


async def limits(url):
    """A well-behaved client beside an abusive one; what each saw."""
    good, bad = [], []
    result = {}
    async with connect(url) as gws, connect(url, max_size=None) as bws:
        for ws, frames in ((gws, good), (bws, bad)):
            await ws.send(json.dumps({"type": "hello", "locale": "pt-BR"}))
            await recv_until(ws, is_type("welcome"), frames)
        # Bad input that is answered and leaves the connection usable.
        await bws.send("{not json")
        result["invalid_json"] = await recv_until(bws, is_type("error"), bad)
        await bws.send(json.dumps({"type": "dance"}))
        result["unknown_type"] = await recv_until(bws, is_type("error"), bad)
        await bws.send(json.dumps({"type": "message", "client_id": "big", "text": "a" * 5000}))
        result["text_too_long"] = await recv_until(bws, is_type("error"), bad)
        await bws.send(json.dumps({"type": "message", "text": "oi"}))
        result["missing_field"] = await recv_until(bws, is_type("error"), bad)
        ack = await say(bws, "oi", bad)
        result["still_usable"] = ack
        # A flood: far more frames than the bucket holds, as fast as possible.
        flood_errors = 0
        close_code = None
        try:
            for index in range(400):
                await bws.send(json.dumps({"type": "typing"}))
            while True:
                frame = json.loads(await asyncio.wait_for(bws.recv(), TIMEOUT))
                if frame.get("code") == "rate_limited":
                    flood_errors += 1
        except ConnectionClosed as closed:
            close_code = closed.rcvd.code if closed.rcvd else None
        result["flood_rate_limited_errors"] = flood_errors
        result["flood_close_code"] = close_code
        # The other client is unaffected.
        ack = await say(gws, "oi", good)
        reply = await bot_reply(gws, good, ack["sequence"])
        result["good_reply"] = reply
    # An oversize frame closes only that connection.
    async with connect(url, max_size=None) as ows, connect(url) as gws:
        for ws in (ows, gws):
            await ws.send(json.dumps({"type": "hello", "locale": "en"}))
            await recv_until(ws, is_type("welcome"), [])
        await ows.send(json.dumps({"type": "message", "client_id": "huge", "text": "b" * 70000}))
        try:
            while True:
                await asyncio.wait_for(ows.recv(), TIMEOUT)
        except ConnectionClosed as closed:
            result["oversize_close_code"] = closed.rcvd.code if closed.rcvd else None
        ack = await say(gws, "hello", good)
        result["after_oversize_reply"] = await bot_reply(gws, good, ack["sequence"])
    return result


async def origin(url, allowed, refused):
    result = {}
    async with connect(url, origin=allowed) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        result["allowed_welcome"] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    try:
        async with connect(url, origin=refused):
            result["refused_status"] = 101
    except InvalidStatus as error:
        result["refused_status"] = error.response.status_code
        result["refused_body"] = json.loads(error.response.body or b"null")
    try:
        async with connect(url.replace("/chat", "/agent")):
            result["agent_without_token_status"] = 101
    except InvalidStatus as error:
        result["agent_without_token_status"] = error.response.status_code
        result["agent_without_token_body"] = json.loads(error.response.body or b"null")
    return result


async def agent_status(url, token):
    """Whether an agent token opens /agent: 101, or the refused upgrade's HTTP status."""
    try:
        async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            await ws.send(json.dumps({"type": "list"}))
            waiting = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            return {"status": 101, "first": waiting}
    except InvalidStatus as error:
        return {
            "status": error.response.status_code,
            "www_authenticate": error.response.headers.get("WWW-Authenticate"),
            "body": json.loads(error.response.body or b"null"),
        }


async def agent_revoked(url, token, *revoke):
    """An agent session open while its token is revoked (by running `revoke`, a command line):
    how and how many seconds after the revocation the server closes it."""
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send(json.dumps({"type": "list"}))
        first = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        process = await asyncio.create_subprocess_exec(*revoke, stdout=asyncio.subprocess.DEVNULL)
        if await process.wait() != 0:
            return {"error": "the revoke command failed"}
        revoked_at = asyncio.get_running_loop().time()
        try:
            while True:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
        except ConnectionClosed as closed:
            frame = closed.rcvd
            return {
                "first": first,
                "code": frame.code if frame else None,
                "reason": frame.reason if frame else None,
                "seconds": asyncio.get_running_loop().time() - revoked_at,
            }


async def capacity(url):
    """With one connection allowed and a short idle timeout: the second upgrade is refused, the
    idle one is closed, and then a new one gets in."""
    import time
    result = {}
    async with connect(url) as first:
        await first.send(json.dumps({"type": "hello"}))
        await recv_until(first, is_type("welcome"), [])
        try:
            async with connect(url):
                result["second_status"] = 101
        except InvalidStatus as error:
            result["second_status"] = error.response.status_code
            result["second_body"] = json.loads(error.response.body or b"null")
        started = time.monotonic()
        try:
            while True:
                await asyncio.wait_for(first.recv(), TIMEOUT)
        except ConnectionClosed as closed:
            result["idle_close_code"] = closed.rcvd.code if closed.rcvd else None
            result["idle_seconds"] = time.monotonic() - started
    await asyncio.sleep(0.3)
    async with connect(url) as third:
        await third.send(json.dumps({"type": "hello"}))
        result["third"] = (await recv_until(third, is_type("welcome"), []))["type"]
    return result


async def open_at_once(url, count="50"):
    """Opens `count` connections at once; each that gets in says hello and stays until all are
    done. Returns how each attempt ended: welcomed, refused (status and body), or closed after
    the upgrade (close code)."""
    count = int(count)
    done = asyncio.Event()
    outcomes = []

    async def attempt():
        try:
            async with connect(url) as ws:
                await ws.send(json.dumps({"type": "hello"}))
                frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                outcomes.append({"outcome": "welcomed" if frame.get("type") == "welcome" else frame.get("type")})
                if len(outcomes) == count:
                    done.set()
                await asyncio.wait_for(done.wait(), TIMEOUT)
        except InvalidStatus as error:
            try:
                body = json.loads(error.response.body or b"null")
            except ValueError:
                body = None
            outcomes.append({"outcome": "refused", "status": error.response.status_code, "body": body})
        except ConnectionClosed as closed:
            outcomes.append({"outcome": "closed", "code": closed.rcvd.code if closed.rcvd else None})
        if len(outcomes) == count:
            done.set()

    await asyncio.gather(*(attempt() for _ in range(count)))
    return {"outcomes": outcomes}


async def open_from(url, *forwarded):
    """Opens one connection per argument, in order, each with that X-Forwarded-For ("-": none);
    each that gets in says hello and stays open until all were tried. Returns how each ended."""
    outcomes = []
    async with contextlib.AsyncExitStack() as stack:
        for value in forwarded:
            headers = {} if value == "-" else {"X-Forwarded-For": value}
            try:
                ws = await stack.enter_async_context(connect(url, additional_headers=headers))
                await ws.send(json.dumps({"type": "hello"}))
                frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                outcomes.append({"outcome": "welcomed" if frame.get("type") == "welcome" else frame.get("type")})
            except InvalidStatus as error:
                outcomes.append({"outcome": "refused", "status": error.response.status_code, "body": json.loads(error.response.body or b"null")})
    return {"outcomes": outcomes}


async def silent(url, wait="8"):
    """Opens a connection and sends nothing; returns the close code and when it came (or none
    within `wait` seconds)."""
    import time
    started = time.monotonic()
    async with connect(url) as ws:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), float(wait))
        except ConnectionClosed as closed:
            return {"close_code": closed.rcvd.code if closed.rcvd else None, "seconds": time.monotonic() - started}
        except asyncio.TimeoutError:
            return {"close_code": None, "seconds": time.monotonic() - started}


async def crowd(url, count="10", pause="0"):
    """Opens `count` connections that never say hello, then, `pause` seconds later, a customer
    that does. Returns what the customer got and how the silent ones ended (a close code, a
    refusal, or still open)."""
    silent_ones, refusals = [], []
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(int(count)):
            try:
                silent_ones.append(await stack.enter_async_context(connect(url)))
            except InvalidStatus as error:
                refusals.append(error.response.status_code)
        result = {"silent_refused": refusals}
        await asyncio.sleep(float(pause))
        try:
            async with connect(url) as ws:
                await ws.send(json.dumps({"type": "hello"}))
                result["customer"] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        except InvalidStatus as error:
            result["customer"] = {"status": error.response.status_code}
        await asyncio.sleep(0.5)
        codes = []
        for ws in silent_ones:
            try:
                await asyncio.wait_for(ws.recv(), 0.05)
                codes.append("frame")
            except ConnectionClosed as closed:
                codes.append(closed.rcvd.code if closed.rcvd else None)
            except asyncio.TimeoutError:
                codes.append("open")
        result["silent"] = codes
    return result


async def fill(url, connections="1", messages="10", size="4000"):
    """One connection after another, each starting a conversation and sending `messages` messages
    of `size` bytes, each after the answer to the one before (an ack, or an error about it).
    Returns, per connection, its conversation and how many messages were acked or refused."""
    results = []
    for index in range(int(connections)):
        async with connect(url) as ws:
            frames = []
            await ws.send(json.dumps({"type": "hello"}))
            welcome = await recv_until(ws, is_type("welcome"), frames)
            acks, refused = 0, []
            for n in range(int(messages)):
                client_id = f"c{index}-m{n}"
                await ws.send(json.dumps({"type": "message", "client_id": client_id, "text": "x" * int(size)}))
                answer = await recv_until(
                    ws, lambda f: f.get("client_id") == client_id and f.get("type") in ("ack", "error"), frames)
                if answer["type"] == "ack":
                    acks += 1
                else:
                    refused.append(answer["code"])
            results.append({"conversation_id": welcome["conversation_id"], "acks": acks, "refused": refused})
    return {"connections": results}


async def hellos(url, count="5"):
    """Starts `count` conversations, one connection after another, then resumes the first on a
    new connection. Returns the first frame each hello got, and the resume's."""
    firsts = []
    for _ in range(int(count)):
        async with connect(url) as ws:
            await ws.send(json.dumps({"type": "hello"}))
            firsts.append(json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)))
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "resume": firsts[0].get("resume"), "last_sequence": 0}))
        resumed = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    return {"hellos": firsts, "resumed": resumed}


async def hold(url, count="100", seconds="5"):
    """Opens `count` connections one after another (each says hello), holds those that got in for
    `seconds`, then closes them. Returns how many were welcomed, and the HTTP status (or error
    code) each of the others got."""
    welcomed, refused = 0, []
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(int(count)):
            try:
                ws = await stack.enter_async_context(connect(url))
                await ws.send(json.dumps({"type": "hello"}))
                frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                if frame.get("type") == "welcome":
                    welcomed += 1
                else:
                    refused.append(frame.get("code"))
            except InvalidStatus as error:
                refused.append(error.response.status_code)
        await asyncio.sleep(float(seconds))
    return {"welcomed": welcomed, "refused": refused}


async def invalid_utf8(url):
    """A text frame whose bytes are not UTF-8 (0xFF never is): the close code the server sends,
    and what the conversation holds afterwards (read back by resuming it)."""
    result = {}
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "locale": "pt-BR"}))
        welcome = await recv_until(ws, is_type("welcome"), [])
        payload = b'{"type": "message", "client_id": "bad-utf8", "text": "oi \xff\xfe tudo bem"}'
        await ws.send(payload, text=True)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
        except ConnectionClosed as closed:
            result["close_code"] = closed.rcvd.code if closed.rcvd else None
    frames = []
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "resume": welcome["resume"], "last_sequence": 0}))
        result["resumed"] = await recv_until(ws, is_type("welcome"), frames)
        ack = await say(ws, "oi", frames)
        await bot_reply(ws, frames, ack["sequence"])
    result["frames"] = frames
    return result


async def queued_then_say(url, name, text):
    """A customer (named `name`) asks for a person, then says `text` while waiting."""
    frames = []
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "locale": "pt-BR", "name": name}))
        await recv_until(ws, is_type("welcome"), frames)
        await say(ws, "quero falar com um atendente", frames)
        await recv_until(ws, is_type("handoff", state="queued"), frames, seen_ok=True)
        ack = await say(ws, text, frames)
    return {"ack": ack, "frames": frames}


async def hello(url):
    """The first frame the server answers a hello with."""
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "locale": "pt-BR"}))
        return {"first": json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))}


SCENARIOS = {
    "hello": hello,
    "invalid-utf8": invalid_utf8,
    "queued-then-say": queued_then_say,
    "hold": hold,
    "fill": fill,
    "hellos": hellos,
    "open-from": open_from,
    "silent": silent,
    "crowd": crowd,
    "open-at-once": open_at_once,
    "capacity": capacity,
    "agent-status": agent_status,
    "agent-revoked": agent_revoked,
    "converse": converse,
    "email-agent": email_agent,
    "burst": burst, "dialogue": dialogue, "resume": resume, "handoff": handoff, "start": start, "resume-and-say": resume_and_say, "limits": limits,
    "origin": origin,
}


def main():
    name, arguments = sys.argv[1], sys.argv[2:]
    try:
        result = asyncio.run(SCENARIOS[name](*arguments))
    except Exception as error:  # reported to the Swift test as data
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        sys.exit(1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
