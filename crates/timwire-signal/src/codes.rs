//! Open code sets: status and error codes as newtypes with named constants.
//!
//! A value without a name still decodes, and re-encodes unchanged; `name()` and `description()`
//! return `None` for it.
//!
//! ```
//! use timwire_signal::codes::{AckStatus, ConnAckStatus, ErrorCode};
//! assert_eq!(ConnAckStatus::TOKEN_INCORRECT.name(), Some("TOKEN_INCORRECT"));
//! assert_eq!(ConnAckStatus::new(99).name(), None);
//! assert_eq!(ConnAckStatus::new(99).to_string(), "99");
//! let status = AckStatus::new(22406);
//! assert_eq!(status, AckStatus::NOT_IN_GROUP);
//! assert_eq!(status.error_code(), ErrorCode::NOT_IN_GROUP);
//! assert_eq!(status.description(), Some("the sender is not a member of the group"));
//! ```

use std::fmt;

macro_rules! open_code {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) {
            $( $konst:ident = $value:literal => $desc:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name($repr);

        impl $name {
            $(
                #[doc = concat!("`", stringify!($value), "`: ", $desc, ".")]
                pub const $konst: Self = Self($value);
            )*

            /// Wraps a raw value, named or not.
            pub const fn new(value: $repr) -> Self {
                Self(value)
            }

            /// The raw value.
            pub const fn value(self) -> $repr {
                self.0
            }

            /// The SDK's name for this value (the first, where the SDK reuses a value).
            #[allow(unreachable_patterns)]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($konst)), )*
                    _ => None,
                }
            }

            /// What the value means, in words.
            #[allow(unreachable_patterns)]
            pub const fn description(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($desc), )*
                    _ => None,
                }
            }

            /// Every named value, in table order (duplicate values appear once per name).
            pub const ALL: &'static [(&'static str, Self)] = &[ $( (stringify!($konst), Self($value)), )* ];
        }

        impl From<$repr> for $name {
            fn from(value: $repr) -> Self {
                Self(value)
            }
        }

        impl From<$name> for $repr {
            fn from(code: $name) -> $repr {
                code.0
            }
        }

        impl fmt::Display for $name {
            /// The name, or the number when the value has none.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{}({} {})", stringify!($name), self.0, name),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }
    };
}

open_code! {
    /// CONNACK status: the server's answer to a connection attempt.
    ConnAckStatus(u8) {
        ACCEPTED = 0 => "connection accepted",
        UNACCEPTABLE_PROTOCOL_VERSION = 1 => "the server does not speak this protocol version",
        IDENTIFIER_REJECTED = 2 => "the client identifier was rejected",
        SERVER_UNAVAILABLE = 3 => "the server is unavailable",
        TOKEN_INCORRECT = 4 => "the token is wrong (push stack: bad user name or password)",
        NOT_AUTHORIZED = 5 => "the client is not authorized",
        REDIRECT = 6 => "connect elsewhere: ask the navigation server again and reconnect",
        PACKAGE_ERROR = 7 => "the application package name is wrong",
        APP_BLOCK_OR_DELETE = 8 => "the application is blocked or deleted",
        BLOCK = 9 => "the user is blocked",
        TOKEN_EXPIRE = 10 => "the token has expired",
        DEVICE_ERROR = 11 => "the device is not allowed",
        HOSTNAME_ERROR = 12 => "the host name is not allowed",
        OTHER_SAME_CLIENT_ONLINE = 13 => "the same client is already online elsewhere (engine: HASOHTERSAMECLIENTONLINE)",
    }
}

open_code! {
    /// DISCONNECT status: why a session ends. Sources disagree on 2 and 5: RongIMClient 1.0.x
    /// names 2 `CLOSURE` and 5 `BLOCK`, engine 4.4.2 names 2 `BLOCK` and 5 `BLOCK_NEW`; both
    /// readings are in the descriptions.
    DisconnectStatus(u8) {
        RECONNECT = 0 => "reconnect (engine: REDIRECT): ask the navigation server again and reconnect",
        OTHER_DEVICE_LOGIN = 1 => "the same user logged in on another device",
        CLOSURE = 2 => "closed by the server (1.0.x: CLOSURE; engine 4.4.2: BLOCK, the user is blocked)",
        REMOTE_CLOSE = 3 => "closed by the server (1.0.x: UNKNOWN_ERROR)",
        LOGOUT = 4 => "logged out",
        BLOCK = 5 => "the user is blocked (1.0.x: BLOCK; engine 4.4.2: BLOCK_NEW)",
        REDIRECT_NEW = 6 => "redirected: ask the navigation server again and reconnect (engine 4.4.2)",
    }
}

open_code! {
    /// RongCloud's SDK error codes: PUBACK/QUERYACK statuses, connection errors and local SDK
    /// errors, every entry of the web SDK 2.x `ErrorCode` table. Negative values are local to the
    /// SDK and never on the wire; 51001 and 61001 carry two names each (the SDK reuses them).
    ErrorCode(i32) {
        TIMEOUT = -1 => "the request timed out (local)",
        UNKNOWN = -2 => "unknown error (local)",
        PARAMETER_ERROR = -3 => "invalid parameter (local)",
        SUCCESS = 0 => "success",
        REMOTE_ENGINE_UN_SUPPORTED = 16 => "the remote engine is not supported",
        REMOTE_NETWORK_ERROR = 17 => "remote network error",
        REJECTED_BY_BLACKLIST = 405 => "the recipient has blacklisted the sender",
        RC_MSG_UNAUTHORIZED = 20406 => "not authorized to send this message",
        RC_DISCUSSION_GROUP_ID_INVALID = 20407 => "the discussion group id is invalid",
        SEND_FREQUENCY_TOO_FAST = 20604 => "messages are sent too fast",
        NOT_IN_DISCUSSION = 21406 => "the sender is not a member of the discussion",
        JOIN_IN_DISCUSSION = 21407 => "joining the discussion failed",
        CREATE_DISCUSSION = 21408 => "creating the discussion failed",
        INVITE_DICUSSION = 21409 => "inviting to the discussion failed",
        SENSITIVE_SHIELD = 21501 => "the message contains sensitive words and was blocked",
        SENSITIVE_REPLACE = 21502 => "the message contains sensitive words, which were replaced",
        NOT_IN_GROUP = 22406 => "the sender is not a member of the group",
        FORBIDDEN_IN_GROUP = 22408 => "the sender is muted in the group",
        NOT_IN_CHATROOM = 23406 => "the sender is not in the chatroom",
        GET_USERINFO_ERROR = 23407 => "getting the user information failed",
        FORBIDDEN_IN_CHATROOM = 23408 => "the sender is muted in the chatroom",
        RC_CHATROOM_USER_KICKED = 23409 => "the user was kicked out of the chatroom",
        RC_CHATROOM_NOT_EXIST = 23410 => "the chatroom does not exist",
        RC_CHATROOM_IS_FULL = 23411 => "the chatroom is full",
        RC_CHATROOM_PATAMETER_INVALID = 23412 => "invalid chatroom parameter",
        CHATROOM_GET_HISTORYMSG_ERROR = 23413 => "getting the chatroom history failed",
        CHATROOM_NOT_OPEN_HISTORYMSG_STORE = 23414 => "chatroom history storage is not enabled",
        CHATROOM_KV_EXCEED = 23423 => "too many chatroom key-value entries",
        CHATROOM_KV_OVERWRITE_INVALID = 23424 => "the chatroom key-value entry may not be overwritten",
        CHATROOM_KV_STORE_NOT_OPEN = 23426 => "chatroom key-value storage is not enabled",
        CHATROOM_KEY_NOT_EXIST = 23427 => "the chatroom key does not exist",
        HAVNODEVICEID = 24001 => "no device id",
        DEVICEIDISHAVE = 24002 => "the device id already exists",
        FEILD = 24009 => "the operation failed",
        NULLCHANNELNAME = 24011 => "the channel name is empty",
        INTERNALERRROR = 24015 => "internal error",
        RECALL_MESSAGE = 25101 => "recalling the message failed",
        RC_NET_CHANNEL_INVALID = 30001 => "the network channel is invalid",
        RC_NET_UNAVAILABLE = 30002 => "the network is unavailable",
        RC_MSG_RESP_TIMEOUT = 30003 => "no answer to the message in time",
        RC_HTTP_SEND_FAIL = 30004 => "sending the HTTP request failed",
        RC_HTTP_REQ_TIMEOUT = 30005 => "the HTTP request timed out",
        RC_HTTP_RECV_FAIL = 30006 => "receiving the HTTP response failed",
        RC_NAVI_RESOURCE_ERROR = 30007 => "the navigation resource is wrong",
        RC_NODE_NOT_FOUND = 30008 => "no server node found",
        RC_DOMAIN_NOT_RESOLVE = 30009 => "the domain name does not resolve",
        RC_SOCKET_NOT_CREATED = 30010 => "the socket could not be created",
        RC_SOCKET_DISCONNECTED = 30011 => "the socket is disconnected",
        RC_PING_SEND_FAIL = 30012 => "sending PINGREQ failed",
        RC_PONG_RECV_FAIL = 30013 => "no PINGRESP received",
        RC_MSG_SEND_FAIL = 30014 => "sending the message failed",
        RC_CONN_ACK_TIMEOUT = 31000 => "no CONNACK in time",
        RC_CONN_PROTO_VERSION_ERROR = 31001 => "CONNACK 1: unacceptable protocol version",
        RC_CONN_ID_REJECT = 31002 => "CONNACK 2: identifier rejected",
        RC_CONN_SERVER_UNAVAILABLE = 31003 => "CONNACK 3: server unavailable",
        RC_CONN_USER_OR_PASSWD_ERROR = 31004 => "CONNACK 4: token incorrect",
        RC_CONN_NOT_AUTHRORIZED = 31005 => "CONNACK 5: not authorized",
        RC_CONN_REDIRECTED = 31006 => "CONNACK 6: redirect",
        RC_CONN_PACKAGE_NAME_INVALID = 31007 => "CONNACK 7: package name invalid",
        RC_CONN_APP_BLOCKED_OR_DELETED = 31008 => "CONNACK 8: application blocked or deleted",
        RC_CONN_USER_BLOCKED = 31009 => "CONNACK 9: user blocked",
        RC_DISCONN_KICK = 31010 => "kicked off by another login",
        RC_DISCONN_EXCEPTION = 31011 => "disconnected by an exception",
        RC_QUERY_ACK_NO_DATA = 32001 => "the QUERYACK carried no data",
        RC_MSG_DATA_INCOMPLETE = 32002 => "the message data is incomplete",
        BIZ_ERROR_CLIENT_NOT_INIT = 33001 => "the client is not initialized",
        BIZ_ERROR_DATABASE_ERROR = 33002 => "local database error",
        BIZ_ERROR_INVALID_PARAMETER = 33003 => "invalid parameter",
        BIZ_ERROR_NO_CHANNEL = 33004 => "no connection channel",
        BIZ_ERROR_RECONNECT_SUCCESS = 33005 => "reconnected successfully",
        BIZ_ERROR_CONNECTING = 33006 => "connecting",
        MSG_INSERT_ERROR = 33008 => "storing the message failed",
        MSG_DEL_ERROR = 33009 => "deleting the message failed",
        CONVER_REMOVE_ERROR = 34001 => "removing the conversation failed",
        CONVER_GETLIST_ERROR = 34002 => "getting the conversation list failed",
        CONVER_SETOP_ERROR = 34003 => "pinning the conversation failed",
        CONVER_TOTAL_UNREAD_ERROR = 34004 => "getting the total unread count failed",
        CONVER_TYPE_UNREAD_ERROR = 34005 => "getting the unread count by type failed",
        CONVER_ID_TYPE_UNREAD_ERROR = 34006 => "getting the unread count of the conversation failed",
        CONVER_CLEAR_ERROR = 34007 => "clearing the conversation failed",
        CLEAR_HIS_TYPE_ERROR = 34008 => "clearing history by type failed",
        CONVER_GET_ERROR = 34009 => "getting the conversation failed",
        CLEAR_HIS_ERROR = 34010 => "clearing history failed",
        CLEAR_HIS_TIME_ERROR = 34011 => "clearing history by time failed",
        GROUP_SYNC_ERROR = 35001 => "syncing groups failed",
        GROUP_MATCH_ERROR = 35002 => "matching groups failed",
        CHATROOM_ID_ISNULL = 36001 => "the chatroom id is empty",
        CHARTOOM_JOIN_ERROR = 36002 => "joining the chatroom failed",
        CHATROOM_HISMESSAGE_ERROR = 36003 => "getting chatroom history failed",
        CHATROOM_KV_NOT_FOUND = 36004 => "the chatroom key-value entry was not found",
        BLACK_ADD_ERROR = 37001 => "adding to the blacklist failed",
        BLACK_GETSTATUS_ERROR = 37002 => "getting the blacklist status failed",
        BLACK_REMOVE_ERROR = 37003 => "removing from the blacklist failed",
        DRAF_GET_ERROR = 38001 => "getting the draft failed",
        DRAF_SAVE_ERROR = 38002 => "saving the draft failed",
        DRAF_REMOVE_ERROR = 38003 => "removing the draft failed",
        SUBSCRIBE_ERROR = 39001 => "subscribing failed",
        COOKIE_ENABLE = 51001 => "cookies are disabled (also CLOSE_BEFORE_OPEN: closed before it opened)",
        CLOSE_BEFORE_OPEN = 51001 => "closed before it opened (also COOKIE_ENABLE: cookies are disabled)",
        ALREADY_IN_USE = 51002 => "already in use",
        INVALID_CHANNEL_NAME = 51003 => "invalid channel name",
        GET_MESSAGE_BY_ID_ERROR = 61001 => "getting the message by id failed (also DELETE_MESSAGE_ID_IS_NULL)",
        DELETE_MESSAGE_ID_IS_NULL = 61001 => "the message id to delete is empty (also GET_MESSAGE_BY_ID_ERROR)",
    }
}

/// The status of a server PUBACK or QUERYACK: 0 for success, otherwise an [`ErrorCode`] carried
/// as a u16. Open: unknown values round-trip.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AckStatus(u16);

macro_rules! ack_consts {
    ($($name:ident),* $(,)?) => {
        impl AckStatus {
            $(
                #[doc = concat!("[`ErrorCode::", stringify!($name), "`].")]
                pub const $name: Self = Self(ErrorCode::$name.value() as u16);
            )*
        }
    };
}

ack_consts!(
    SUCCESS,
    REJECTED_BY_BLACKLIST,
    SEND_FREQUENCY_TOO_FAST,
    SENSITIVE_SHIELD,
    SENSITIVE_REPLACE,
    NOT_IN_GROUP,
    FORBIDDEN_IN_GROUP,
    NOT_IN_CHATROOM,
    FORBIDDEN_IN_CHATROOM,
    RC_CHATROOM_USER_KICKED,
    RC_CHATROOM_NOT_EXIST,
    RC_CHATROOM_IS_FULL,
    RC_MSG_UNAUTHORIZED,
    NOT_IN_DISCUSSION,
    RECALL_MESSAGE,
);

impl AckStatus {
    /// Wraps a raw wire value.
    pub const fn new(value: u16) -> Self {
        Self(value)
    }

    /// The raw wire value.
    pub const fn value(self) -> u16 {
        self.0
    }

    /// True for 0.
    pub const fn is_success(self) -> bool {
        self.0 == 0
    }

    /// The SDK error code this status carries.
    pub const fn error_code(self) -> ErrorCode {
        ErrorCode::new(self.0 as i32)
    }

    /// The SDK's name for the status, if it has one.
    pub const fn name(self) -> Option<&'static str> {
        self.error_code().name()
    }

    /// What the status means, if known.
    pub const fn description(self) -> Option<&'static str> {
        self.error_code().description()
    }
}

impl From<u16> for AckStatus {
    fn from(value: u16) -> Self {
        Self(value)
    }
}

impl From<AckStatus> for u16 {
    fn from(status: AckStatus) -> u16 {
        status.0
    }
}

impl From<AckStatus> for ErrorCode {
    fn from(status: AckStatus) -> ErrorCode {
        status.error_code()
    }
}

impl TryFrom<ErrorCode> for AckStatus {
    /// The code, when it is negative or above 65535 (a local code that is never on the wire).
    type Error = ErrorCode;

    fn try_from(code: ErrorCode) -> Result<Self, ErrorCode> {
        u16::try_from(code.value()).map(Self).map_err(|_| code)
    }
}

impl fmt::Display for AckStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error_code(), f)
    }
}

impl fmt::Debug for AckStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "AckStatus({} {})", self.0, name),
            None => write!(f, "AckStatus({})", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spec_names() {
        let connack: Vec<_> = (0..=13u8)
            .map(|v| ConnAckStatus::new(v).name().unwrap())
            .collect();
        assert_eq!(connack[13], "OTHER_SAME_CLIENT_ONLINE");
        assert_eq!(connack[6], "REDIRECT");
        assert_eq!(ConnAckStatus::new(14).name(), None);
        assert_eq!(DisconnectStatus::new(6).name(), Some("REDIRECT_NEW"));
        assert!(
            DisconnectStatus::CLOSURE
                .description()
                .unwrap()
                .contains("BLOCK")
        );
        assert!(
            DisconnectStatus::BLOCK
                .description()
                .unwrap()
                .contains("BLOCK_NEW")
        );
        for (value, name) in [
            (405, "REJECTED_BY_BLACKLIST"),
            (20604, "SEND_FREQUENCY_TOO_FAST"),
            (21501, "SENSITIVE_SHIELD"),
            (21502, "SENSITIVE_REPLACE"),
            (22406, "NOT_IN_GROUP"),
            (22408, "FORBIDDEN_IN_GROUP"),
            (23406, "NOT_IN_CHATROOM"),
            (23408, "FORBIDDEN_IN_CHATROOM"),
            (23409, "RC_CHATROOM_USER_KICKED"),
            (23410, "RC_CHATROOM_NOT_EXIST"),
            (23411, "RC_CHATROOM_IS_FULL"),
        ] {
            assert_eq!(AckStatus::new(value).name(), Some(name));
        }
    }

    #[test]
    fn every_entry_of_the_reference_table_is_named() {
        // Every row of RongCloud's SDK error-code table (name and value), kept in tests/data.
        let table = include_str!("../tests/data/rongcloud-error-codes.txt");
        let mut rows = 0;
        for line in table.lines().filter(|l| !l.trim().is_empty()) {
            let (name, value) = line.split_once(' ').unwrap();
            let value: i32 = value.trim().parse().unwrap();
            rows += 1;
            assert!(
                ErrorCode::ALL
                    .iter()
                    .any(|(n, c)| *n == name && c.value() == value),
                "{name} = {value} missing"
            );
            assert!(ErrorCode::new(value).description().is_some());
        }
        assert_eq!(rows, ErrorCode::ALL.len());
    }

    #[test]
    fn unknown_values_round_trip() {
        assert_eq!(u16::from(AckStatus::new(65000)), 65000);
        assert_eq!(AckStatus::new(65000).name(), None);
        assert_eq!(format!("{:?}", AckStatus::new(65000)), "AckStatus(65000)");
        assert_eq!(
            AckStatus::try_from(ErrorCode::TIMEOUT),
            Err(ErrorCode::TIMEOUT)
        );
        assert_eq!(
            AckStatus::try_from(ErrorCode::NOT_IN_GROUP),
            Ok(AckStatus::NOT_IN_GROUP)
        );
        assert_eq!(ErrorCode::new(51001).name(), Some("COOKIE_ENABLE"));
    }
}
