// Interop checks of RongCloud's real web SDK (@rongcloud/imlib-v2 2.9.2, @rongcloud/engine
// 4.4.2) against a RongCloud-profile server (`timwire serve --profile rongcloud`): two users
// connect, chat both ways, read history and the conversation list, survive a disconnect and
// chat in a chatroom. See README.md.
//
//   node run.mjs --navi http://127.0.0.1:9300 [--appkey timwire] [--alice alice] [--bob bob]
//               [--alice-token alice] [--bob-token bob] [--refused-token T] [--timeout 10000]
//               [--verbose]
//
// Each user runs in a child process (client.mjs): the SDK keeps one connection per process.
// Prints one line per check, then "N passed, N failed"; exits 1 when a check failed.

import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    navi: { type: "string" },
    appkey: { type: "string", default: "timwire" },
    alice: { type: "string", default: "alice" },
    bob: { type: "string", default: "bob" },
    "alice-token": { type: "string" },
    "bob-token": { type: "string" },
    chatroom: { type: "string", default: "timwire-room" },
    "refused-token": { type: "string" },
    timeout: { type: "string", default: "10000" },
    verbose: { type: "boolean", default: false },
  },
});
if (!opts.navi) {
  console.error("usage: node run.mjs --navi http://HOST:PORT [--appkey KEY] [--alice ID --bob ID]");
  process.exit(2);
}
const TIMEOUT = Number(opts.timeout);
const PRIVATE = 1;
const CHATROOM = 4;
const CONNECTED = 0;
const KICKED = 6; // ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT
const SEND = 1;
const RECEIVE = 2;

// ---- one SDK client in a child process -------------------------------------------------------

class Client {
  constructor(name, userId, token) {
    this.name = name;
    this.userId = userId;
    this.token = token;
    this.messages = []; // every message the receive listener reported, in order
    this.statuses = []; // every connection status reported, in order
    this.sdkErrors = [];
    this.waiters = new Set();
    this.pending = new Map();
    this.nextId = 1;
    this.child = fork(fileURLToPath(new URL("./client.mjs", import.meta.url)), [], {
      stdio: opts.verbose ? "inherit" : ["ignore", "ignore", "inherit", "ipc"],
    });
    this.ready = new Promise((resolve) => (this.onReady = resolve));
    this.child.on("message", (m) => this.#receive(m));
    this.child.on("exit", (code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`${name}'s process exited (${code})`));
    });
  }

  #receive(m) {
    if (m.event === "ready") return this.onReady();
    if (m.event === "message") this.messages.push(m.message);
    if (m.event === "status") this.statuses.push(m.status);
    if (m.event === "sdkError") {
      this.sdkErrors.push(m.error);
      if (opts.verbose) console.error(`[${this.name}] unhandled SDK rejection: ${m.error}`);
    }
    if (m.event) {
      for (const waiter of this.waiters) waiter();
      return;
    }
    const call = this.pending.get(m.id);
    if (!call) return;
    this.pending.delete(m.id);
    clearTimeout(call.timer);
    if (m.ok) call.resolve(m.result);
    else call.reject(Object.assign(new Error(`${this.name} ${call.cmd}: ${m.error.message}`), { code: m.error.code }));
  }

  call(cmd, args = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} ${cmd}: no answer within ${TIMEOUT} ms`));
      }, TIMEOUT + 35_000); // the SDK's own request timeout is 30 s
      this.pending.set(id, { resolve, reject, timer, cmd });
      this.child.send({ id, cmd, args });
    });
  }

  /** Resolves when `predicate()` holds (re-checked on every event), rejects after the timeout. */
  until(what, predicate, ms = TIMEOUT) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (value) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.name}: timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** The messages received after index `from` whose text is in `texts`. */
  received(from, texts) {
    return this.messages.slice(from).filter((m) => texts.includes(m.content?.content));
  }

  stop() {
    this.child.kill();
  }
}

// ---- checks ---------------------------------------------------------------------------------

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok     ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAILED ${name}: ${error.message}`);
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}
function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A received private or chatroom text message matches what `from` sent, as `to` sees it. */
function expectReceived(got, sent, { from, conversationType, targetId, text }) {
  same(got.senderUserId, from.userId, "senderUserId");
  same(got.conversationType, conversationType, "conversationType");
  same(got.targetId, targetId, "targetId");
  same(got.objectName, "RC:TxtMsg", "objectName");
  same(got.messageType, "TextMessage", "messageType");
  same(got.content?.content, text, "content");
  same(got.messageDirection, RECEIVE, "messageDirection");
  if (sent) {
    same(got.messageUId, sent.messageUId, "messageUId (the sender's PUBACK)");
    same(got.sentTime, sent.sentTime, "sentTime (the sender's PUBACK)");
  }
}

const alice = new Client("alice", opts.alice, opts["alice-token"] ?? opts.alice);
const bob = new Client("bob", opts.bob, opts["bob-token"] ?? opts.bob);
const clients = [alice, bob];
const started = Date.now();
const sent = {}; // text -> the sender's send result

try {
  await Promise.all(clients.map((c) => c.ready));
  await Promise.all(clients.map((c) => c.call("init", { appkey: opts.appkey, navi: opts.navi })));

  for (const c of clients) {
    await check(`${c.name} connects and sees userId ${c.userId} and status CONNECTED`, async () => {
      const { userId } = await c.call("connect", { token: c.token });
      same(userId, c.userId, "userId from connect");
      same(await c.call("currentUserId"), c.userId, "getCurrentUserId");
      await c.until("status CONNECTED", () => c.statuses.includes(CONNECTED));
    });
  }

  const conversations = [
    { from: alice, to: bob, text: "hello bob" },
    { from: bob, to: alice, text: "你好，alice 👋🌏 — ünïcödé ✓" },
    { from: alice, to: bob, text: "emoji 🧪🚀 and 中文 and ZWJ 👩‍💻" },
  ];
  for (const [n, { from, to, text }] of conversations.entries()) {
    await check(`private text ${n + 1}: ${from.name} -> ${to.name}, PUBACK gives messageUId and sentTime`, async () => {
      const before = Date.now();
      const result = await from.call("send", { conversationType: PRIVATE, targetId: to.userId, text });
      sent[text] = result;
      expect(typeof result.messageUId === "string" && result.messageUId.length > 0, `messageUId ${JSON.stringify(result.messageUId)}`);
      expect(Number.isInteger(result.sentTime) && Math.abs(result.sentTime - before) < 60_000, `sentTime ${result.sentTime} is not near ${before}`);
      same(result.messageDirection, SEND, "messageDirection of the sent message");
      same(result.targetId, to.userId, "targetId of the sent message");
    });
    await check(`private text ${n + 1}: ${to.name} receives it once with sender, content, type, target and time`, async () => {
      const [got] = await to.until(`"${text}"`, () => {
        const found = to.received(0, [text]);
        return found.length > 0 && found;
      });
      expectReceived(got, sent[text], { from, conversationType: PRIVATE, targetId: from.userId, text });
      await sleep(300);
      same(to.received(0, [text]).length, 1, "copies received");
    });
  }

  await check("history: alice reads her conversation with bob, oldest first, both directions", async () => {
    const { list, hasMore } = await alice.call("history", { conversationType: PRIVATE, targetId: bob.userId, timestamp: 0, count: 20 });
    const texts = list.map((m) => m.content?.content);
    same(texts, conversations.map((c) => c.text), "texts");
    same(list.map((m) => m.senderUserId), conversations.map((c) => c.from.userId), "senders");
    same(list.map((m) => m.messageDirection), conversations.map((c) => (c.from === alice ? SEND : RECEIVE)), "directions");
    same(list.map((m) => m.messageUId), conversations.map((c) => sent[c.text]?.messageUId), "messageUIds");
    for (const m of list) same([m.conversationType, m.targetId], [PRIVATE, bob.userId], "conversation");
    same(hasMore, false, "hasMore");
  });

  await check("history: one message before the newest, and hasMore", async () => {
    const newest = sent[conversations[2].text];
    const { list, hasMore } = await bob.call("history", { conversationType: PRIVATE, targetId: alice.userId, timestamp: newest.sentTime, count: 1 });
    same(list.map((m) => m.content?.content), [conversations[1].text], "texts");
    same(hasMore, true, "hasMore");
  });

  await check("conversation list: each side has the other, with the latest message", async () => {
    for (const [me, other] of [[alice, bob], [bob, alice]]) {
      const list = await me.call("conversations", { count: 50 });
      const c = list.find((x) => x.conversationType === PRIVATE && x.targetId === other.userId);
      expect(c, `${me.name}'s list has no private conversation with ${other.userId}: ${JSON.stringify(list)}`);
      same(c.latestMessage?.content?.content, conversations[2].text, `${me.name}'s latest message`);
      same(c.latestMessage?.messageUId, sent[conversations[2].text].messageUId, `${me.name}'s latest messageUId`);
    }
  });

  const missed = ["while you were away 1", "while you were away 2 ✉️", "while you were away 3 再见"];
  await check("disconnect: bob goes offline, alice sends 3 messages, bob reconnects and pulls each exactly once", async () => {
    await bob.call("disconnect");
    const mark = bob.messages.length;
    for (const text of missed) {
      sent[text] = await alice.call("send", { conversationType: PRIVATE, targetId: bob.userId, text });
    }
    await sleep(500);
    same(bob.received(mark, missed).length, 0, "messages delivered while disconnected");
    const { userId } = await bob.call("connect", { token: bob.token });
    same(userId, bob.userId, "userId after reconnecting");
    const got = await bob.until("the 3 missed messages", () => {
      const found = bob.received(mark, missed);
      return found.length >= missed.length && found;
    });
    await sleep(1500); // time for a duplicate to show up
    const all = bob.messages.slice(mark);
    same(all.map((m) => m.content?.content), missed, "messages after reconnecting (nothing older, nothing twice)");
    for (const [i, m] of got.entries()) expectReceived(m, sent[missed[i]], { from: alice, conversationType: PRIVATE, targetId: alice.userId, text: missed[i] });
  });

  await check("chatroom: both join, alice sends one message, bob receives it", async () => {
    await alice.call("joinChatroom", { chatroomId: opts.chatroom, count: 10 });
    await bob.call("joinChatroom", { chatroomId: opts.chatroom, count: 10 });
    const text = "hello room 🏠";
    const mark = bob.messages.length;
    sent[text] = await alice.call("send", { conversationType: CHATROOM, targetId: opts.chatroom, text });
    const [got] = await bob.until("the chatroom message", () => {
      const found = bob.received(mark, [text]);
      return found.length > 0 && found;
    });
    expectReceived(got, sent[text], { from: alice, conversationType: CHATROOM, targetId: opts.chatroom, text });
    await sleep(300);
    same(bob.received(mark, [text]).length, 1, "copies received");
  });

  await check("second login: bob logs in again elsewhere, the first bob is kicked (status 6) and stays off, the second gets the next message", async () => {
    const bob2 = new Client("bob2", bob.userId, bob.token);
    clients.push(bob2);
    await bob2.ready;
    await bob2.call("init", { appkey: opts.appkey, navi: opts.navi });
    const mark = bob.statuses.length;
    const { userId } = await bob2.call("connect", { token: bob2.token });
    same(userId, bob.userId, "the second login's userId");
    // The server's DISCONNECT with OTHER_DEVICE_LOGIN (1): engine 4.4.2 reports it as
    // KICKED_OFFLINE_BY_OTHER_CLIENT and does not reconnect.
    await bob.until("status KICKED_OFFLINE_BY_OTHER_CLIENT", () => bob.statuses.slice(mark).includes(KICKED));
    const text = "to the new device 📱";
    const before = bob.messages.length;
    sent[text] = await alice.call("send", { conversationType: PRIVATE, targetId: bob.userId, text });
    const [got] = await bob2.until(`"${text}"`, () => {
      const found = bob2.received(0, [text]);
      return found.length > 0 && found;
    });
    expectReceived(got, sent[text], { from: alice, conversationType: PRIVATE, targetId: alice.userId, text });
    await sleep(500);
    same(bob2.received(0, [text]).length, 1, "copies on the new device");
    same(bob.received(before, [text]).length, 0, "copies on the kicked device");
    same(bob.statuses.slice(mark).filter((s) => s === CONNECTED).length, 0, "reconnects of the kicked device");
  });

  if (opts["refused-token"]) {
    // A CONNACK with a non-zero status: engine 4.4.2 closes the socket, tries the next host and
    // then fails with 30002 (RC_NET_UNAVAILABLE); it never calls onTokenIncorrect for it.
    const carol = new Client("carol", "", opts["refused-token"]);
    clients.push(carol);
    await carol.ready;
    await carol.call("init", { appkey: opts.appkey, navi: opts.navi });
    await check("a refused token fails connect with 30002", async () => {
      const outcome = await carol.call("connect", { token: carol.token }).then(
        (ok) => ({ ok }),
        (error) => ({ code: error.code }),
      );
      same(outcome, { code: 30002 }, "connect outcome");
    });
  }

  await check("no unhandled errors inside the SDK", async () => {
    for (const c of clients) same(c.sdkErrors, [], `${c.name}'s unhandled SDK rejections`);
  });
} catch (error) {
  failed++;
  console.log(`FAILED harness: ${error.stack ?? error}`);
} finally {
  for (const c of clients) c.stop();
}

console.log(`${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failed === 0 ? 0 : 1);
