//! CONNECT (type 1, C→S): a native client opens a session.
//!
//! `[str protocolId][u8 version][u8 flags][u16 keepAlive][str clientId]`, then `[str willTopic]
//! [str will]` if flags & 0x04, `[str appId]` if flags & 0x80, `[str token]` if flags & 0x40.
//! Flags: 0x80 appId, 0x40 token, 0x20 willRetain, willQos << 3, 0x04 will, 0x02 cleanSession;
//! 0x01 is reserved. RongCloud's web SDK never sends CONNECT (it authenticates in the WebSocket
//! URL), native clients do.

use super::prelude::*;

const APP_ID: u8 = 0x80;
const TOKEN: u8 = 0x40;
const WILL_RETAIN: u8 = 0x20;
const WILL_QOS_SHIFT: u8 = 3;
const WILL: u8 = 0x04;
const CLEAN_SESSION: u8 = 0x02;
const RESERVED: u8 = 0x01;

/// CONNECT.
///
/// Decoding accepts any `protocol_id` and `version` (RongCloud's push stack sends `"MQIsdp"`), and
/// rejects flags that MQTT 3.1.1 forbids: the reserved bit, or will-qos/will-retain without a will.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connect<B: Backing = Bytes> {
    /// Header flags.
    pub flags: Flags,
    /// `"RCloud"` for RongCloud IM.
    pub protocol_id: B::Text,
    /// 3 for RongCloud IM.
    pub version: u8,
    /// Flag 0x02.
    pub clean_session: bool,
    /// Seconds between keep-alives.
    pub keep_alive: u16,
    /// The client (device) identifier; the tim profile puts the device resource here.
    pub client_id: B::Text,
    /// Flag 0x04 and its topic and message.
    pub will: Option<Will<B>>,
    /// Flag 0x80: the application key (the tim profile puts the domain here).
    pub app_id: Option<B::Text>,
    /// Flag 0x40: the login token.
    pub token: Option<B::Text>,
}

/// The last will of a CONNECT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Will<B: Backing = Bytes> {
    /// Where the will is published.
    pub topic: B::Text,
    /// The will message.
    pub message: B::Text,
    /// CONNECT flags bits 4..3.
    pub qos: QoS,
    /// CONNECT flag 0x20.
    pub retain: bool,
}

impl<B: Backing> Connect<B> {
    /// The protocol identifier RongCloud IM uses.
    pub const PROTOCOL_ID: &'static str = "RCloud";
    /// The protocol version RongCloud IM uses.
    pub const VERSION: u8 = 3;

    /// A CONNECT for `client_id` with RongCloud's protocol id and version, a 30 s keep-alive,
    /// a clean session, and no will, app id or token.
    pub fn new(client_id: impl Into<B::Text>) -> Self {
        Self {
            flags: Flags::NONE,
            protocol_id: B::static_text(Self::PROTOCOL_ID),
            version: Self::VERSION,
            clean_session: true,
            keep_alive: 30,
            client_id: client_id.into(),
            will: None,
            app_id: None,
            token: None,
        }
    }

    /// The connect-flags byte this message is written with.
    pub fn connect_flags(&self) -> u8 {
        let mut flags = 0;
        if self.app_id.is_some() {
            flags |= APP_ID;
        }
        if self.token.is_some() {
            flags |= TOKEN;
        }
        if let Some(will) = &self.will {
            flags |= WILL | (will.qos.value() << WILL_QOS_SHIFT);
            if will.retain {
                flags |= WILL_RETAIN;
            }
        }
        if self.clean_session {
            flags |= CLEAN_SESSION;
        }
        flags
    }
}

impl<B: Backing> Body for Connect<B> {
    const KIND: MessageType = MessageType::CONNECT;

    fn flags(&self) -> Flags {
        self.flags
    }

    fn len(&self, text: TextEncoding) -> Result<usize, EncodeError> {
        let optional = |field, s: &Option<B::Text>| match s {
            Some(s) => text_len(field, s, text),
            None => Ok(0),
        };
        let will = match &self.will {
            Some(w) => sum([
                text_len("willTopic", &w.topic, text)?,
                text_len("will", &w.message, text)?,
            ]),
            None => 0,
        };
        Ok(sum([
            text_len("protocolId", &self.protocol_id, text)?,
            1 + 1 + 2,
            text_len("clientId", &self.client_id, text)?,
            will,
            optional("appId", &self.app_id)?,
            optional("token", &self.token)?,
        ]))
    }

    fn write<M: BufMut>(&self, dst: &mut M, text: TextEncoding) {
        put_text(dst, &self.protocol_id, text);
        dst.put_u8(self.version);
        dst.put_u8(self.connect_flags());
        dst.put_u16(self.keep_alive);
        put_text(dst, &self.client_id, text);
        if let Some(will) = &self.will {
            put_text(dst, &will.topic, text);
            put_text(dst, &will.message, text);
        }
        for s in [&self.app_id, &self.token].into_iter().flatten() {
            put_text(dst, s, text);
        }
    }
}

impl<B: Backing> ReadBody<B> for Connect<B> {
    fn read(flags: Flags, r: &mut Reader<'_, B>) -> Result<Self, DecodeError> {
        let protocol_id = r.text("protocolId")?;
        let version = r.u8("version")?;
        let connect_flags = r.u8("flags")?;
        let has_will = connect_flags & WILL != 0;
        if connect_flags & RESERVED != 0
            || (!has_will && connect_flags & (WILL_RETAIN | (0b11 << WILL_QOS_SHIFT)) != 0)
        {
            return Err(DecodeError::InvalidConnectFlags {
                flags: connect_flags,
            });
        }
        let keep_alive = r.u16("keepAlive")?;
        let client_id = r.text("clientId")?;
        let will = if has_will {
            Some(Will {
                topic: r.text("willTopic")?,
                message: r.text("will")?,
                qos: QoS::from_bits(connect_flags >> WILL_QOS_SHIFT),
                retain: connect_flags & WILL_RETAIN != 0,
            })
        } else {
            None
        };
        let app_id = if connect_flags & APP_ID != 0 {
            Some(r.text("appId")?)
        } else {
            None
        };
        let token = if connect_flags & TOKEN != 0 {
            Some(r.text("token")?)
        } else {
            None
        };
        Ok(Self {
            flags,
            protocol_id,
            version,
            clean_session: connect_flags & CLEAN_SESSION != 0,
            keep_alive,
            client_id,
            will,
            app_id,
            token,
        })
    }
}
