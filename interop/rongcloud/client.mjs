// One RongCloud web SDK client (@rongcloud/imlib-v2 2.9.2 on @rongcloud/engine 4.4.2) in its own
// Node process, driven by run.mjs over IPC. The SDK keeps one connection per process
// (RongIMClient is a singleton), so each user runs in a child process of its own.
//
// Requests from the parent: { id, cmd, args }; answers: { id, ok, result } or { id, ok: false,
// error }. Events: { event: "message", message } for every message the SDK's receive listener
// reports, { event: "status", status } for every connection status change.

import { createRequire } from "node:module";
import WebSocket from "ws";
import XHR2 from "xhr2";

// ---- the browser globals the SDK reads -------------------------------------------------------

class MemoryStorage {
  #items = new Map();
  getItem(key) {
    // The SDK tests for `null` (JSON.parse of a missing entry), so a missing key is null.
    return this.#items.has(key) ? this.#items.get(key) : null;
  }
  setItem(key, value) {
    this.#items.set(String(key), String(value));
  }
  removeItem(key) {
    this.#items.delete(key);
  }
  clear() {
    this.#items.clear();
  }
  key(index) {
    return [...this.#items.keys()][index] ?? null;
  }
  get length() {
    return this.#items.size;
  }
}

// imlib's browser runtime uses XMLHttpRequest only when `"withCredentials" in new
// XMLHttpRequest()`, else it reaches for XDomainRequest / ActiveXObject; xhr2 lacks the property.
class XMLHttpRequest extends XHR2 {
  withCredentials = false;
}

globalThis.window = globalThis;
globalThis.XMLHttpRequest = XMLHttpRequest;
globalThis.WebSocket = WebSocket;
globalThis.localStorage = new MemoryStorage();
globalThis.sessionStorage = new MemoryStorage();
if (typeof globalThis.navigator === "undefined") {
  globalThis.navigator = { userAgent: "Node.js timwire-interop", language: "en" };
}
if (typeof globalThis.location === "undefined") {
  globalThis.location = { protocol: "http:", host: "localhost", hostname: "localhost", href: "http://localhost/" };
}

// The SDK's modules read `window` while loading: load them after the globals exist.
const require = createRequire(import.meta.url);
const RongIMLib = require("@rongcloud/imlib-v2");
const { RongIMClient, TextMessage } = RongIMLib;

// ---- the commands ----------------------------------------------------------------------------

function plain(message) {
  // What the harness compares: the fields the SDK's listener and callbacks report.
  return {
    conversationType: message.conversationType,
    targetId: message.targetId,
    senderUserId: message.senderUserId,
    objectName: message.objectName,
    messageType: message.messageType,
    content: message.content,
    messageUId: message.messageUId,
    sentTime: message.sentTime,
    messageDirection: message.messageDirection,
    offLineMessage: message.offLineMessage,
  };
}

function callback(resolve, reject, map = (x) => x) {
  return {
    onSuccess: (...values) => resolve(map(...values)),
    onError: (code) => reject(Object.assign(new Error(`SDK error code ${code}`), { code })),
  };
}

const commands = {
  init({ appkey, navi }) {
    RongIMClient.init(appkey, null, { navi, logLevel: 4 });
    RongIMClient.setConnectionStatusListener({
      onChanged: (status) => process.send({ event: "status", status }),
    });
    RongIMClient.setOnReceiveMessageListener({
      onReceived: (message) => process.send({ event: "message", message: plain(message) }),
    });
    return { sdk: "imlib-v2 2.9.2" };
  },

  connect({ token }) {
    return new Promise((resolve, reject) => {
      RongIMClient.connect(token, {
        onSuccess: (userId) => resolve({ userId }),
        onTokenIncorrect: () =>
          reject(Object.assign(new Error("token incorrect"), { code: "TOKEN_INCORRECT" })),
        onError: (code) => reject(Object.assign(new Error(`connect error ${code}`), { code })),
      });
    });
  },

  currentUserId() {
    return RongIMClient.getInstance().getCurrentUserId();
  },

  send({ conversationType, targetId, text }) {
    return new Promise((resolve, reject) => {
      const message = new TextMessage({ content: text });
      RongIMClient.getInstance().sendMessage(
        conversationType,
        targetId,
        message,
        callback(resolve, reject, plain),
      );
    });
  },

  history({ conversationType, targetId, timestamp = 0, count = 20, order = 0 }) {
    return new Promise((resolve, reject) => {
      RongIMClient.getInstance().getHistoryMessages(
        conversationType,
        targetId,
        timestamp,
        count,
        callback(resolve, reject, (list, hasMore) => ({ list: list.map(plain), hasMore })),
        "",
        order,
      );
    });
  },

  conversations({ count = 100 }) {
    return new Promise((resolve, reject) => {
      RongIMClient.getInstance().getConversationList(
        callback(resolve, reject, (list) =>
          list.map((c) => ({
            conversationType: c.conversationType,
            targetId: c.targetId,
            latestMessage: c.latestMessage ? plain(c.latestMessage) : null,
          })),
        ),
        null,
        count,
      );
    });
  },

  async disconnect() {
    await RongIMClient.getInstance().disconnect();
    return true;
  },

  joinChatroom({ chatroomId, count = 10 }) {
    return new Promise((resolve, reject) => {
      RongIMClient.getInstance().joinChatRoom(chatroomId, count, callback(resolve, reject, () => true));
    });
  },
};

process.on("message", async ({ id, cmd, args }) => {
  try {
    const command = commands[cmd];
    if (!command) throw new Error(`unknown command ${cmd}`);
    const result = await command(args ?? {});
    process.send({ id, ok: true, result });
  } catch (error) {
    process.send({ id, ok: false, error: { message: error.message, code: error.code } });
  }
});

// The SDK has promise chains without a catch (e.g. joinChrm reads `.joinTime` of a failed
// answer): report them instead of letting Node end the process.
process.on("unhandledRejection", (reason) => {
  process.send({ event: "sdkError", error: String(reason?.stack ?? reason) });
});

process.send({ event: "ready" });
