-- timwire.lua: a Wireshark/tshark dissector for RMTP, RongCloud's MQTT-derived IM signalling, as
-- timwire reads and writes it (docs/PROTOCOL.md). Works with Wireshark/tshark 4.0 and later.
--
--   tshark -X lua_script:contrib/wireshark/timwire.lua -r capture.pcap
--   tshark -X lua_script:contrib/wireshark/timwire.lua -r capture.pcap -Y timwire \
--          -T fields -e timwire.type -e timwire.msgid -e timwire.topic
--
-- Install: copy this file into Wireshark's personal plugin folder
-- (~/.local/lib/wireshark/plugins/ on Linux and macOS, %APPDATA%\Wireshark\plugins on Windows).
--
-- What it dissects:
--   * stream framing over TCP ([header][checksum][remaining length][body]), with reassembly
--     across segments (TCP desegmentation) and several frames per segment; the checksum is
--     checked (expert info when wrong). Found by the preference "TCP port" or by a heuristic
--     (a valid header type, checksum and minimal length at the start of a segment).
--   * message framing in WebSocket binary messages ([header][body], one frame per message),
--     through the "ws" heuristic list or the preference "WebSocket port".
--   * every header flag and every field of every message type, per direction, as fields
--     (timwire.type, timwire.msgid, timwire.topic, timwire.targetid, timwire.status, ...).
-- Which side is the client: the server port preference, else what the connection showed so far
-- (a CONNECT, or a type only one side sends), else the side with the higher port.

local rmtp = Proto("timwire", "RMTP (timwire)")

local TYPES = {
  [0] = "RESERVED0", [1] = "CONNECT", [2] = "CONNACK", [3] = "PUBLISH", [4] = "PUBACK",
  [5] = "QUERY", [6] = "QUERYACK", [7] = "QUERYCON", [8] = "SUBSCRIBE", [9] = "SUBACK",
  [10] = "UNSUBSCRIBE", [11] = "UNSUBACK", [12] = "PINGREQ", [13] = "PINGRESP",
  [14] = "DISCONNECT", [15] = "RESERVED15",
}
-- Types only one side sends (true: the client).
local CLIENT_ONLY = { [1] = true, [5] = true, [7] = true, [8] = true, [10] = true, [12] = true }
local SERVER_ONLY = { [2] = true, [6] = true, [9] = true, [11] = true, [13] = true }

local CONNACK_STATUS = {
  [0] = "ACCEPTED", [1] = "UNACCEPTABLE_PROTOCOL_VERSION", [2] = "IDENTIFIER_REJECTED",
  [3] = "SERVER_UNAVAILABLE", [4] = "TOKEN_INCORRECT", [5] = "NOT_AUTHORIZED", [6] = "REDIRECT",
  [7] = "PACKAGE_ERROR", [8] = "APP_BLOCK_OR_DELETE", [9] = "BLOCK", [10] = "TOKEN_EXPIRE",
  [11] = "DEVICE_ERROR", [12] = "HOSTNAME_ERROR", [13] = "OTHER_SAME_CLIENT_ONLINE",
}
local DISCONNECT_STATUS = {
  [0] = "RECONNECT", [1] = "OTHER_DEVICE_LOGIN", [2] = "CLOSURE", [3] = "REMOTE_CLOSE",
  [4] = "LOGOUT", [5] = "BLOCK", [6] = "REDIRECT_NEW",
}

local f = rmtp.fields
f.direction   = ProtoField.string("timwire.direction", "Direction")
f.framing     = ProtoField.string("timwire.framing", "Framing")
f.header      = ProtoField.uint8("timwire.header", "Header", base.HEX)
f.type        = ProtoField.uint8("timwire.type", "Type", base.DEC, TYPES, 0xF0)
f.dup         = ProtoField.bool("timwire.dup", "Dup", 8, nil, 0x08)
f.qos         = ProtoField.uint8("timwire.qos", "QoS", base.DEC, nil, 0x06)
f.retain      = ProtoField.bool("timwire.retain", "Retain", 8, nil, 0x01)
f.sync        = ProtoField.bool("timwire.sync", "Sync message (S->C PUBLISH with dup)")
f.checksum    = ProtoField.uint8("timwire.checksum", "Checksum", base.HEX)
f.checksum_ok = ProtoField.bool("timwire.checksum.ok", "Checksum good")
f.length      = ProtoField.uint32("timwire.length", "Remaining length")
f.protocolid  = ProtoField.string("timwire.protocolid", "Protocol id")
f.version     = ProtoField.uint8("timwire.version", "Version")
f.cflags      = ProtoField.uint8("timwire.connect_flags", "Connect flags", base.HEX)
f.cf_appid    = ProtoField.bool("timwire.connect_flags.appid", "appId follows", 8, nil, 0x80)
f.cf_token    = ProtoField.bool("timwire.connect_flags.token", "token follows", 8, nil, 0x40)
f.cf_wretain  = ProtoField.bool("timwire.connect_flags.will_retain", "Will retain", 8, nil, 0x20)
f.cf_wqos     = ProtoField.uint8("timwire.connect_flags.will_qos", "Will QoS", base.DEC, nil, 0x18)
f.cf_will     = ProtoField.bool("timwire.connect_flags.will", "Will follows", 8, nil, 0x04)
f.cf_clean    = ProtoField.bool("timwire.connect_flags.clean", "Clean session", 8, nil, 0x02)
f.cf_reserved = ProtoField.bool("timwire.connect_flags.reserved", "Reserved", 8, nil, 0x01)
f.keepalive   = ProtoField.uint16("timwire.keepalive", "Keep alive (s)")
f.clientid    = ProtoField.string("timwire.clientid", "Client id")
f.willtopic   = ProtoField.string("timwire.willtopic", "Will topic")
f.will        = ProtoField.string("timwire.will", "Will")
f.appid       = ProtoField.string("timwire.appid", "App id")
f.token       = ProtoField.string("timwire.token", "Token")
f.reserved    = ProtoField.uint8("timwire.reserved", "Reserved")
f.status      = ProtoField.uint16("timwire.status", "Status")
f.status_name = ProtoField.string("timwire.status_name", "Status name")
f.userid      = ProtoField.string("timwire.userid", "User id")
f.sessionid   = ProtoField.string("timwire.sessionid", "Session id")
f.timestamp   = ProtoField.int64("timwire.timestamp", "Timestamp (ms)")
f.date        = ProtoField.uint32("timwire.date", "Date (s)")
f.topic       = ProtoField.string("timwire.topic", "Topic")
f.targetid    = ProtoField.string("timwire.targetid", "Target id")
f.msgid       = ProtoField.uint16("timwire.msgid", "Message id")
f.data        = ProtoField.bytes("timwire.data", "Data")
f.millisecond = ProtoField.uint16("timwire.millisecond", "Millisecond")
f.messageuid  = ProtoField.string("timwire.messageuid", "Message UId")
f.subqos      = ProtoField.uint8("timwire.subscribe_qos", "Requested QoS")
f.granted     = ProtoField.uint8("timwire.granted_qos", "Granted QoS", base.HEX)

local e_checksum = ProtoExpert.new("timwire.checksum.bad", "Bad RMTP checksum",
  expert.group.CHECKSUM, expert.severity.ERROR)
local e_malformed = ProtoExpert.new("timwire.malformed", "Malformed RMTP body",
  expert.group.MALFORMED, expert.severity.ERROR)
local e_length = ProtoExpert.new("timwire.length.bad", "Bad RMTP remaining length",
  expert.group.MALFORMED, expert.severity.ERROR)
rmtp.experts = { e_checksum, e_malformed, e_length }

rmtp.prefs.tcp_port = Pref.uint("TCP port", 0,
  "A TCP port carrying RMTP stream framing (0: none; the heuristic still finds RMTP)")
rmtp.prefs.ws_port = Pref.uint("WebSocket port", 0,
  "A TCP port carrying WebSocket with RMTP message framing (0: none; the ws heuristic still applies)")
rmtp.prefs.server_port = Pref.uint("Server port", 0,
  "The server's TCP port, to tell the client from the server (0: learn it from the traffic)")
rmtp.prefs.max_body = Pref.uint("Largest body", 1048576,
  "The largest remaining length accepted (the heuristic rejects longer ones)")

local tcp_stream_f = Field.new("tcp.stream")

-- Per TCP connection: the server's port, once known.
local server_ports = {}

local function conn_key(pinfo)
  local s = tcp_stream_f()
  if s then return tostring(s.value) end
  return tostring(pinfo.src) .. ":" .. pinfo.src_port .. "-" .. tostring(pinfo.dst) .. ":" .. pinfo.dst_port
end

-- true when the packet goes client -> server
local function from_client(pinfo, kind)
  local sp = rmtp.prefs.server_port
  if sp ~= 0 then
    if pinfo.dst_port == sp then return true end
    if pinfo.src_port == sp then return false end
  end
  local key = conn_key(pinfo)
  local known = server_ports[key]
  if not known then
    if CLIENT_ONLY[kind] then
      server_ports[key] = pinfo.dst_port
      known = pinfo.dst_port
    elseif SERVER_ONLY[kind] then
      server_ports[key] = pinfo.src_port
      known = pinfo.src_port
    end
  end
  if known then
    return pinfo.dst_port == known
  end
  return pinfo.src_port > pinfo.dst_port
end

-- The stream prefix at offset: returns header, checksum, remaining length, prefix length, or
-- nil and how many bytes are needed, or false when the length is invalid.
local function read_prefix(tvb, offset)
  local avail = tvb:len() - offset
  if avail < 3 then return nil, 3 - avail end
  local len, mult = 0, 1
  for i = 0, 3 do
    if avail < 3 + i then return nil, 3 + i - avail end
    local b = tvb(offset + 2 + i, 1):uint()
    len = len + (b % 128) * mult
    mult = mult * 128
    if b < 128 then
      if i > 0 and b == 0 then return false end -- not minimal
      return tvb(offset, 1):uint(), tvb(offset + 1, 1):uint(), len, 3 + i
    end
  end
  return false -- a fifth length byte
end

local function expected_checksum(tvb, offset, plen)
  local c = tvb(offset, 1):uint()
  for i = 2, plen - 1 do c = bit.bxor(c, tvb(offset + i, 1):uint()) end
  return c
end

-- Body readers: each adds one field and advances, or returns nil when the body is too short.
-- With no tree they only check (the heuristics use that).
local Body = {}
Body.__index = Body
local function body(tvb, offset, stop, tree)
  return setmetatable({ tvb = tvb, pos = offset, stop = stop, tree = tree, ok = true }, Body)
end
function Body:left() return self.stop - self.pos end
function Body:uint(field, n)
  if not self.ok or self:left() < n then self.ok = false; return nil end
  local r = self.tvb(self.pos, n)
  local v = r:uint()
  local item = self.tree and self.tree:add(field, r, v)
  self.pos = self.pos + n
  return v, r, item
end
function Body:int64(field)
  if not self.ok or self:left() < 8 then self.ok = false; return nil end
  local r = self.tvb(self.pos, 8)
  if self.tree then self.tree:add(field, r, r:int64()) end
  self.pos = self.pos + 8
  return r:int64()
end
function Body:str(field)
  if not self.ok or self:left() < 2 then self.ok = false; return nil end
  local n = self.tvb(self.pos, 2):uint()
  if self:left() < 2 + n then self.ok = false; return nil end
  local s = ""
  local r = self.tvb(self.pos, 2 + n)
  if n > 0 then s = self.tvb(self.pos + 2, n):string(ENC_UTF_8) end
  if self.tree then self.tree:add(field, r, s) end
  self.pos = self.pos + 2 + n
  return s
end
function Body:rest(field)
  if not self.ok then return nil end
  local n = self:left()
  if n > 0 and self.tree then self.tree:add(field, self.tvb(self.pos, n)) end
  self.pos = self.stop
  return n
end
function Body:status(n, names)
  local v, r = self:uint(f.status, n)
  if v and names and names[v] and self.tree then self.tree:add(f.status_name, r, names[v]) end
  return v
end

-- Dissects one frame's body; returns the info text's details.
local function dissect_body(tvb, offset, stop, tree, kind, client)
  local b = body(tvb, offset, stop, tree)
  local info = ""
  local function add(s) if s then info = info .. " " .. s end end
  if kind == 1 and client then -- CONNECT
    b:str(f.protocolid)
    b:uint(f.version, 1)
    local flags, r, ft = b:uint(f.cflags, 1)
    local clientid
    if flags then
      if ft then
        for _, ff in ipairs({ f.cf_appid, f.cf_token, f.cf_wretain, f.cf_wqos, f.cf_will, f.cf_clean, f.cf_reserved }) do
          ft:add(ff, r)
        end
      end
      if bit.band(flags, 0x01) ~= 0 then b.ok = false end -- the reserved bit
      b:uint(f.keepalive, 2)
      clientid = b:str(f.clientid)
      if bit.band(flags, 0x04) ~= 0 then b:str(f.willtopic); b:str(f.will) end
      if bit.band(flags, 0x80) ~= 0 then b:str(f.appid) end
      if bit.band(flags, 0x40) ~= 0 then b:str(f.token) end
    end
    if clientid then add("clientId=" .. clientid) end
  elseif kind == 2 and not client then -- CONNACK
    b:uint(f.reserved, 1)
    local st = b:status(1, CONNACK_STATUS)
    if st then add("status=" .. st) end
    if b.ok and b:left() > 0 then
      local user = b:str(f.userid)
      b:str(f.sessionid)
      b:int64(f.timestamp)
      if user then add("userId=" .. user) end
    end
  elseif (kind == 3) or (kind == 5 and client) then -- PUBLISH, QUERY
    if kind == 3 and not client then b:uint(f.date, 4) end
    local topic = b:str(f.topic)
    local target = b:str(f.targetid)
    local id = b:uint(f.msgid, 2)
    b:rest(f.data)
    if id then add("msgId=" .. id) end
    if topic then add("topic=" .. topic) end
    if target then add("→ " .. target) end
  elseif kind == 4 then -- PUBACK
    local id = b:uint(f.msgid, 2)
    if id then add("msgId=" .. id) end
    if not client then
      b:uint(f.date, 4)
      local st = b:status(2)
      b:uint(f.millisecond, 2)
      if b.ok and b:left() > 0 then b:str(f.messageuid) end
      if st then add("status=" .. st) end
    end
  elseif kind == 6 and not client then -- QUERYACK
    local id = b:uint(f.msgid, 2)
    b:uint(f.date, 4)
    local st = b:status(2)
    b:rest(f.data)
    if id then add("msgId=" .. id) end
    if st then add("status=" .. st) end
  elseif (kind == 7 and client) or (kind == 11 and not client) then -- QUERYCON, UNSUBACK
    local id = b:uint(f.msgid, 2)
    if id then add("msgId=" .. id) end
  elseif kind == 8 and client then -- SUBSCRIBE
    local id = b:uint(f.msgid, 2)
    if id then add("msgId=" .. id) end
    if b:left() <= 0 then b.ok = false end
    while b.ok and b:left() > 0 do
      local topic = b:str(f.topic)
      b:uint(f.subqos, 1)
      if topic then add("topic=" .. topic) end
    end
  elseif kind == 9 and not client then -- SUBACK
    local id = b:uint(f.msgid, 2)
    if id then add("msgId=" .. id) end
    if b:left() <= 0 then b.ok = false end
    while b.ok and b:left() > 0 do b:uint(f.granted, 1) end
  elseif kind == 10 and client then -- UNSUBSCRIBE
    local id = b:uint(f.msgid, 2)
    if id then add("msgId=" .. id) end
    if b:left() <= 0 then b.ok = false end
    while b.ok and b:left() > 0 do
      local topic = b:str(f.topic)
      if topic then add("topic=" .. topic) end
    end
  elseif (kind == 12 and client) or (kind == 13 and not client) then -- PINGREQ, PINGRESP
  elseif kind == 14 then -- DISCONNECT
    b:uint(f.reserved, 1)
    local st = b:status(1, DISCONNECT_STATUS)
    if st then add("status=" .. st) end
  else
    b.ok = false
  end
  if b.ok and b:left() ~= 0 then b.ok = false end
  return info, b.ok
end

-- Adds one frame: header byte at offset, body from body_off to stop.
local function dissect_frame(tvb, pinfo, tree, offset, stop, body_off, framing, prefix)
  local hbyte = tvb(offset, 1):uint()
  local kind = bit.rshift(hbyte, 4)
  local client = from_client(pinfo, kind)
  local t = tree:add(rmtp, tvb(offset, stop - offset))
  t:add(f.direction, client and "C→S" or "S→C")
  t:add(f.framing, framing)
  local ht = t:add(f.header, tvb(offset, 1))
  t:add(f.type, tvb(offset, 1))
  t:add(f.dup, tvb(offset, 1))
  t:add(f.qos, tvb(offset, 1))
  t:add(f.retain, tvb(offset, 1))
  if kind == 3 and not client then
    t:add(f.sync, tvb(offset, 1), bit.band(hbyte, 0x08) ~= 0)
  end
  if prefix then
    local ck = t:add(f.checksum, tvb(offset + 1, 1))
    local good = prefix.checksum == prefix.expected
    t:add(f.checksum_ok, tvb(offset + 1, 1), good)
    if not good then
      ck:add_proto_expert_info(e_checksum, string.format(
        "Bad checksum 0x%02x (expected 0x%02x)", prefix.checksum, prefix.expected))
    end
    t:add(f.length, tvb(offset + 2, prefix.plen - 2), prefix.len)
  end
  local details, ok = dissect_body(tvb, body_off, stop, t, kind, client)
  if not ok then t:add_proto_expert_info(e_malformed) end
  local name = TYPES[kind]
  t:append_text(string.format(", %s %s%s", client and "C→S" or "S→C", name, details))
  ht:append_text(" (" .. name .. ")")
  return name .. details
end

local function set_info(pinfo, texts)
  pinfo.cols.protocol = "TIMWIRE"
  pinfo.cols.info = table.concat(texts, ", ")
end

-- Stream framing: as many whole frames as the tvb holds; asks TCP for more when one is cut.
local function dissect_stream(tvb, pinfo, tree)
  local offset, texts = 0, {}
  local total = tvb:len()
  while offset < total do
    local header, checksum, len, plen = read_prefix(tvb, offset)
    if header == nil then
      pinfo.desegment_offset = offset
      pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
      break
    elseif header == false then
      local t = tree:add(rmtp, tvb(offset))
      t:add_proto_expert_info(e_length)
      texts[#texts + 1] = "bad remaining length"
      offset = total
      break
    end
    local flen = plen + len
    if total - offset < flen then
      pinfo.desegment_offset = offset
      pinfo.desegment_len = flen - (total - offset)
      break
    end
    local prefix = { checksum = checksum, expected = expected_checksum(tvb, offset, plen), len = len, plen = plen }
    texts[#texts + 1] = dissect_frame(tvb, pinfo, tree, offset, offset + flen, offset + plen, "stream", prefix)
    offset = offset + flen
  end
  if #texts > 0 then set_info(pinfo, texts) end
  return offset
end

function rmtp.dissector(tvb, pinfo, tree)
  return dissect_stream(tvb, pinfo, tree)
end

-- Message framing: one frame, the whole (WebSocket binary) message.
local rmtp_ws = Proto("timwire_ws", "RMTP over WebSocket (timwire)")
function rmtp_ws.dissector(tvb, pinfo, tree)
  if tvb:len() < 1 then return 0 end
  local text = dissect_frame(tvb, pinfo, tree, 0, tvb:len(), 1, "message", nil)
  set_info(pinfo, { text })
  return tvb:len()
end

-- The TCP heuristic: a frame prefix with a known type, a matching checksum, a minimal length
-- within the body limit, at the start of the segment, and a body that decodes when it is all
-- there.
local function heur_tcp(tvb, pinfo, tree)
  local header, checksum, len, plen = read_prefix(tvb, 0)
  if not header then return false end
  local kind = bit.rshift(header, 4)
  if kind < 1 or kind > 14 then return false end
  if checksum ~= expected_checksum(tvb, 0, plen) then return false end
  if len > rmtp.prefs.max_body then return false end
  if (kind == 12 or kind == 13) and len ~= 0 then return false end
  if tvb:len() >= plen + len then
    -- a whole first frame: its body must decode for the direction
    local _, ok = dissect_body(tvb, plen, plen + len, nil, kind, from_client(pinfo, kind))
    if not ok then return false end
  end
  if tvb:len() >= plen + len and plen + len < tvb:len() then
    -- more after the frame: it must be another valid prefix
    local h2, c2, _, p2 = read_prefix(tvb, plen + len)
    if h2 == false then return false end
    if h2 and c2 ~= expected_checksum(tvb, plen + len, p2) then return false end
  end
  pinfo.conversation = rmtp
  dissect_stream(tvb, pinfo, tree)
  return true
end

-- The WebSocket heuristic: a message whose first byte is a known type and whose body decodes
-- as that type's for the direction.
local function heur_ws(tvb, pinfo, tree)
  local n = tvb:len()
  if n < 1 then return false end
  local kind = bit.rshift(tvb(0, 1):uint(), 4)
  if kind < 1 or kind > 14 then return false end
  local _, ok = dissect_body(tvb, 1, n, nil, kind, from_client(pinfo, kind))
  if not ok then return false end
  rmtp_ws.dissector(tvb, pinfo, tree)
  return true
end

rmtp:register_heuristic("tcp", heur_tcp)
rmtp_ws:register_heuristic("ws", heur_ws)

local registered = { tcp = 0, ws = 0 }
local function register_ports()
  local tcp_table = DissectorTable.get("tcp.port")
  if registered.tcp ~= 0 then tcp_table:remove(registered.tcp, rmtp) end
  if rmtp.prefs.tcp_port ~= 0 then tcp_table:add(rmtp.prefs.tcp_port, rmtp) end
  registered.tcp = rmtp.prefs.tcp_port
  local ok, ws_table = pcall(DissectorTable.get, "ws.port")
  if ok and ws_table then
    if registered.ws ~= 0 then ws_table:remove(registered.ws, rmtp_ws) end
    if rmtp.prefs.ws_port ~= 0 then ws_table:add(rmtp.prefs.ws_port, rmtp_ws) end
    registered.ws = rmtp.prefs.ws_port
  end
end
function rmtp.prefs_changed() register_ports() end
function rmtp.init() server_ports = {} end
register_ports()
