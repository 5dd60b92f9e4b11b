// A small model of a RongCloud-profile server: just what RongCloud's web SDK needs for the checks
// in run.mjs, written from the SDK's code (docs/PROTOCOL.md section 11). It is NOT timwire: it
// exists to check the harness itself (`npm run selftest`) and to show, in runnable form, the
// behaviour `timwire serve --profile rongcloud` has to have. The interop result that counts is
// run.mjs against timwire serve.
//
//   node model-server.mjs [PORT]     (default 9300; navigation, ping and WebSocket on one port)
//
// Any token is accepted and becomes the userId, except "refused-token" (CONNACK status 4). Every
// table is unbounded: it is a test model, not a server.

import http from "node:http";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";

// ---- protobuf, the few messages the flow uses ------------------------------------------------

function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return Buffer.from(out);
}
const tag = (field, wire) => varint((field << 3) | wire);
const EMPTY = Buffer.alloc(0);
const pb = {
  int: (f, n) => (n === undefined || n === null ? EMPTY : Buffer.concat([tag(f, 0), varint(n)])),
  bool: (f, b) => (b === undefined ? EMPTY : Buffer.concat([tag(f, 0), varint(b ? 1 : 0)])),
  bytes: (f, b) => (b === undefined || b === null ? EMPTY : Buffer.concat([tag(f, 2), varint(b.length), b])),
  str: (f, s) => (s === undefined || s === null ? EMPTY : pb.bytes(f, Buffer.from(s, "utf8"))),
};

/** Field number -> values (varints as BigInt, length-delimited as Buffer). */
function decode(buf) {
  const fields = {};
  let i = 0;
  const readVarint = () => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw new Error("truncated varint");
      const byte = buf[i++];
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const [field, wire] = [key >> 3, key & 7];
    let value;
    if (wire === 0) value = readVarint();
    else if (wire === 2) {
      const n = Number(readVarint());
      value = buf.subarray(i, i + n);
      i += n;
    } else if (wire === 1) (value = buf.subarray(i, i + 8)), (i += 8);
    else if (wire === 5) (value = buf.subarray(i, i + 4)), (i += 4);
    else throw new Error(`wire type ${wire}`);
    (fields[field] ??= []).push(value);
  }
  return fields;
}
const int = (fields, f, otherwise = 0) => (fields[f] ? Number(BigInt.asIntN(64, fields[f][0])) : otherwise);
const text = (fields, f, otherwise = "") => (fields[f] ? fields[f][0].toString("utf8") : otherwise);

const downStreamMessage = (m) =>
  Buffer.concat([
    pb.str(1, m.fromUserId), pb.int(2, m.type), pb.str(3, m.groupId), pb.str(4, m.classname),
    pb.bytes(5, m.content), pb.int(6, m.dataTime), pb.int(7, m.status), pb.str(9, m.msgId),
    pb.int(10, m.direction),
  ]);
const downStreamMessages = (list, syncTime, finished) =>
  Buffer.concat([...list.map((m) => pb.bytes(1, downStreamMessage(m))), pb.int(2, syncTime), pb.bool(3, finished)]);

// ---- RMTP over WebSocket: one packet per message, no length field (section 2.1) -----------

const utf = (s) => {
  const b = Buffer.from(s, "utf8");
  return Buffer.concat([u16(b.length), b]);
};
const u16 = (n) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const i64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
const seconds = (ms) => Math.floor(ms / 1000);
function reader(buf) {
  let i = 0;
  return {
    utf() {
      const n = buf.readUInt16BE(i);
      const s = buf.toString("utf8", i + 2, i + 2 + n);
      i += 2 + n;
      return s;
    },
    u16() {
      const v = buf.readUInt16BE(i);
      i += 2;
      return v;
    },
    rest: () => buf.subarray(i),
  };
}

// ---- the server ------------------------------------------------------------------------------

const SEND_TOPICS = { ppMsgP: 1, ppMsgS: 1, pgMsgP: 3, pgMsgS: 3, chatMsg: 4, chatMsgS: 4, pcMsgP: 5 };
const HISTORY_TOPICS = { qryPMsg: 1, qryGMsg: 3, qryCHMsg: 4, qryCMsg: 5, qrySMsg: 6 };
const BASE32HEX = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

export function start(port = 9300, host = "127.0.0.1", log = () => {}) {
  let lastTime = 0;
  let count = 0n;
  /** One millisecond per message, never backwards; messageUId XXXX-XXXX-XXXX-XXXX. */
  function stamp() {
    const time = Math.max(Date.now(), lastTime + 1);
    lastTime = time;
    let v = (BigInt(time) << 38n) | (count++ & 0x3fffffffffn);
    let uid = "";
    for (let n = 0; n < 16; n++, v >>= 5n) uid = BASE32HEX[Number(v & 31n)] + uid;
    return { time, uid: uid.match(/..../g).join("-") };
  }
  const mailboxes = new Map(); // userId -> [{ time, direction, conversation, message }]
  const rooms = new Map(); // chatroomId -> { members: Set, list: [{ time, message }] }
  const online = new Map(); // userId -> WebSocket
  const mailbox = (user) => mailboxes.get(user) ?? mailboxes.set(user, []).get(user);

  // S→C PUBLISH with qos 0 and msgId 0: engine 4.4.2 takes any packet with a msgId above 0 as
  // the answer to its own pending request with that msgId.
  const publish = (ws, topic, targetId, data) =>
    ws.send(Buffer.concat([Buffer.from([0x30]), u32(seconds(Date.now())), utf(topic), utf(targetId), u16(0), data]));
  const queryAck = (ws, msgId, status, data = EMPTY) =>
    ws.send(Buffer.concat([Buffer.from([0x62]), u16(msgId), u32(seconds(Date.now())), u16(status), data]));
  const notify = (user, type, time, chatroomId) => {
    const ws = online.get(user);
    if (ws) publish(ws, "s_ntf", user, Buffer.concat([pb.int(1, type), pb.int(2, time), pb.str(3, chatroomId)]));
  };

  function onPublish(ws, user, topic, targetId, msgId, data) {
    const type = SEND_TOPICS[topic];
    if (!type) return log("unknown send topic", topic);
    const up = decode(data);
    const { time, uid } = stamp();
    const sessionId = int(up, 1);
    const common = {
      type,
      classname: text(up, 2),
      content: up[3]?.[0] ?? EMPTY,
      dataTime: time,
      status: (sessionId & 1 ? 0x10 : 0) | (sessionId & 2 ? 0x20 : 0),
      msgId: uid,
    };
    if (type === 4) {
      const room = rooms.get(targetId);
      if (room) {
        room.list.push({ time, message: { ...common, fromUserId: user, groupId: targetId } });
        for (const member of room.members) if (member !== user) notify(member, 2, time, targetId);
      }
    } else if (type === 1 && sessionId & 1) {
      // The recipient's copy and the sender's (direction 1, the recipient as fromUserId).
      mailbox(targetId).push({ time, direction: 2, conversation: `1:${user}`, message: { ...common, fromUserId: user, groupId: targetId } });
      mailbox(user).push({ time, direction: 1, conversation: `1:${targetId}`, message: { ...common, fromUserId: targetId, groupId: targetId, direction: 1 } });
      notify(targetId, 1, time);
    }
    if (msgId && !topic.endsWith("S")) {
      ws.send(Buffer.concat([Buffer.from([0x40]), u16(msgId), u32(seconds(time)), u16(0), u16(time % 1000), utf(uid)]));
    }
  }

  function onQuery(ws, user, topic, targetId, msgId, data) {
    const q = decode(data);
    if (topic === "pullMsg") {
      const [since, pullSent, sentSince] = [int(q, 1), int(q, 4) === 1, int(q, 6)];
      const list = mailbox(user).filter(
        (e) => (e.direction === 2 && e.time > since) || (pullSent && e.direction === 1 && e.time > sentSince),
      );
      const inbox = list.filter((e) => e.direction === 2);
      const syncTime = inbox.length ? inbox[inbox.length - 1].time : since;
      return queryAck(ws, msgId, 0, downStreamMessages(list.map((e) => e.message), syncTime, true));
    }
    if (topic in HISTORY_TOPICS) {
      // HistoryMsgInput {targetId, time, count, order}; the answer lists newest first.
      const conversation = `${HISTORY_TOPICS[topic]}:${text(q, 1)}`;
      const [time, count, order] = [int(q, 2), int(q, 3, 20), int(q, 4)];
      const all = mailbox(user).filter((e) => e.conversation === conversation);
      let page, more;
      if (order === 1) {
        const after = all.filter((e) => e.time > time);
        [page, more] = [after.slice(0, count), after.length > count];
      } else {
        const before = all.filter((e) => !time || e.time < time);
        [page, more] = [before.slice(Math.max(0, before.length - count)), before.length > count];
      }
      const list = [...page].reverse().map((e) => pb.bytes(1, downStreamMessage(e.message)));
      return queryAck(ws, msgId, 0, Buffer.concat([...list, pb.int(2, page[0]?.time ?? 0), pb.int(3, more ? 1 : 0)]));
    }
    if (topic === "qryRelationR") {
      const latest = new Map();
      for (const e of mailbox(user)) latest.set(e.conversation, e);
      const infos = [...latest.entries()]
        .sort((a, b) => b[1].time - a[1].time)
        .map(([conversation, e]) => {
          const split = conversation.indexOf(":");
          const info = Buffer.concat([
            pb.int(1, Number(conversation.slice(0, split))),
            pb.str(2, conversation.slice(split + 1)),
            pb.bytes(3, downStreamMessage(e.message)),
          ]);
          return pb.bytes(1, info);
        });
      return queryAck(ws, msgId, 0, Buffer.concat(infos));
    }
    if (topic === "joinChrm" || topic === "joinChrmR") {
      const room = rooms.get(targetId) ?? rooms.set(targetId, { members: new Set(), list: [] }).get(targetId);
      room.members.add(user);
      return queryAck(ws, msgId, 0, Buffer.concat([pb.int(1, 1), pb.int(3, Date.now())]));
    }
    if (topic === "chrmPull") {
      const since = int(q, 1);
      const list = (rooms.get(targetId)?.list ?? []).filter((e) => e.time > since);
      const syncTime = list.length ? list[list.length - 1].time : since;
      return queryAck(ws, msgId, 0, downStreamMessages(list.map((e) => e.message), syncTime, true));
    }
    // pullSeAtts, pullUS, reportsdk and the rest: refused, which the SDK handles.
    log("refused query", topic);
    return queryAck(ws, msgId, 1);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    log("http", req.method, req.url);
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (url.pathname === "/navi.js" || url.pathname === "/cometnavi.js") {
      const address = server.address();
      const body = { code: 200, server: `${host}:${address.port}`, backupServer: "", logSwitch: 0, logPolicy: "" };
      res.setHeader("Content-Type", "application/javascript");
      return res.end(`${url.searchParams.get("callBack") ?? "getServerEndpoint"}(${JSON.stringify(body)});`);
    }
    if (url.pathname === "/ping") return res.end();
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url, "http://localhost");
    log("upgrade", req.url);
    if (url.pathname !== "/websocket") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const user = url.searchParams.get("token") ?? "";
      if (user === "refused-token") return ws.send(Buffer.from([0x20, 0x00, 0x04])); // TOKEN_INCORRECT
      // A second login wins: the earlier connection gets DISCONNECT OTHER_DEVICE_LOGIN (1).
      online.get(user)?.send(Buffer.from([0xe0, 0x00, 0x01]));
      online.get(user)?.close();
      online.set(user, ws);
      // CONNACK first: [ignored byte][status][userId][session id][i64 ms]
      ws.send(Buffer.concat([Buffer.from([0x20, 0x00, 0x00]), utf(user), utf(`session-${user}`), i64(Date.now())]));
      ws.on("message", (data) => {
        const buf = Buffer.from(data);
        const type = buf[0] >> 4;
        const r = reader(buf.subarray(1));
        try {
          if (type === 12) return ws.send(Buffer.from([0xd0])); // PINGREQ -> PINGRESP
          if (type === 3) return onPublish(ws, user, r.utf(), r.utf(), r.u16(), r.rest());
          if (type === 5) {
            const [topic, targetId, msgId] = [r.utf(), r.utf(), r.u16()];
            log(user, "query", topic);
            return onQuery(ws, user, topic, targetId, msgId, r.rest());
          }
        } catch (error) {
          log("bad packet", error.message);
          ws.close();
        }
      });
      ws.on("close", () => online.get(user) === ws && online.delete(user));
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await start(Number(process.argv[2] ?? 9300), "127.0.0.1", (...a) => console.error(...a));
  console.error(`model server on http://127.0.0.1:${server.address().port}`);
}
