//! RongCloud message content objects: the JSON in `UpStreamMessage.content` /
//! `DownStreamMessage.content`, named by `classname` (the ObjectName, e.g. `RC:TxtMsg`).
//!
//! Field names are the ones RongCloud's SDKs write (web SDK `rongcloud-web-im-sdk-v2`, its
//! engine, and the native SDKs where the web SDK has no class). Every struct also keeps the
//! members it does not name in `other`, so parsing and serializing again loses nothing.
//! [`Content::parse`] picks the struct by ObjectName; an unknown ObjectName is kept as raw JSON
//! in [`Content::Unknown`].
//!
//! Each ObjectName has default MessageTag flags ([`default_tag`]), from RongCloud's own
//! registration table: media and text are persisted and counted; notifications (`RC:InfoNtf`,
//! `RC:ContactNtf`, `RC:ProfileNtf`, `RC:CmdNtf`, `RC:GrpNtf`) and recall (`RC:RcCmd`) are
//! persisted only; commands and status messages (`RC:CmdMsg`, `RC:ReadNtf`, `RC:TypSts`,
//! `RC:RRRspMsg`) are neither. (The old 2.x web SDK counted `RC:CmdNtf`; the engine and native
//! SDKs do not, and this crate follows them.)

mod types;

pub use types::*;

use crate::rongcloud::flags::MessageTag;
use serde_json::Value;

/// The ObjectNames this module types.
pub mod object_name {
    /// Text.
    pub const TEXT: &str = "RC:TxtMsg";
    /// Image (thumbnail inline, full image by URL).
    pub const IMAGE: &str = "RC:ImgMsg";
    /// GIF image.
    pub const GIF: &str = "RC:GIFMsg";
    /// Voice, AMR inline (base64).
    pub const VOICE: &str = "RC:VcMsg";
    /// High-quality voice, by URL.
    pub const HQ_VOICE: &str = "RC:HQVCMsg";
    /// File.
    pub const FILE: &str = "RC:FileMsg";
    /// Location.
    pub const LOCATION: &str = "RC:LBSMsg";
    /// Rich content (image + text + link).
    pub const RICH_CONTENT: &str = "RC:ImgTextMsg";
    /// Short video.
    pub const SIGHT: &str = "RC:SightMsg";
    /// Information notification (grey tip).
    pub const INFORMATION: &str = "RC:InfoNtf";
    /// Contact (friend) notification.
    pub const CONTACT: &str = "RC:ContactNtf";
    /// Profile notification.
    pub const PROFILE: &str = "RC:ProfileNtf";
    /// Command notification (stored).
    pub const COMMAND_NOTIFICATION: &str = "RC:CmdNtf";
    /// Group notification.
    pub const GROUP_NOTIFICATION: &str = "RC:GrpNtf";
    /// Command (not stored).
    pub const COMMAND: &str = "RC:CmdMsg";
    /// Read receipt (private conversation).
    pub const READ_RECEIPT: &str = "RC:ReadNtf";
    /// Typing status.
    pub const TYPING_STATUS: &str = "RC:TypSts";
    /// Group read receipt response.
    pub const READ_RECEIPT_RESPONSE: &str = "RC:RRRspMsg";
    /// Recall command.
    pub const RECALL: &str = "RC:RcCmd";

    /// All of the above.
    pub const ALL: [&str; 19] = [
        TEXT,
        IMAGE,
        GIF,
        VOICE,
        HQ_VOICE,
        FILE,
        LOCATION,
        RICH_CONTENT,
        SIGHT,
        INFORMATION,
        CONTACT,
        PROFILE,
        COMMAND_NOTIFICATION,
        GROUP_NOTIFICATION,
        COMMAND,
        READ_RECEIPT,
        TYPING_STATUS,
        READ_RECEIPT_RESPONSE,
        RECALL,
    ];
}

/// The default MessageTag (persisted / counted) RongCloud's SDKs use for the ObjectName `name`, or
/// `None` for an ObjectName this crate does not know.
pub fn default_tag(name: &str) -> Option<MessageTag> {
    use self::object_name as n;
    let both = MessageTag::PERSISTED | MessageTag::COUNTED;
    Some(match name {
        n::TEXT
        | n::IMAGE
        | n::GIF
        | n::VOICE
        | n::HQ_VOICE
        | n::FILE
        | n::LOCATION
        | n::RICH_CONTENT
        | n::SIGHT => both,
        n::INFORMATION
        | n::CONTACT
        | n::PROFILE
        | n::COMMAND_NOTIFICATION
        | n::GROUP_NOTIFICATION
        | n::RECALL => MessageTag::PERSISTED,
        n::COMMAND | n::READ_RECEIPT | n::TYPING_STATUS | n::READ_RECEIPT_RESPONSE => {
            MessageTag::EMPTY
        }
        _ => return None,
    })
}

/// Why content could not be parsed or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContentError {
    /// The bytes are not JSON, or not the shape this ObjectName has.
    #[error("content of {object_name} is not valid: {source}")]
    Invalid {
        /// The ObjectName being parsed.
        object_name: String,
        /// What serde_json reported (line/column inside the content).
        #[source]
        source: serde_json::Error,
    },
    /// Serializing failed (only possible for non-finite floats and the like).
    #[error("content of {object_name} could not be serialized: {source}")]
    Serialize {
        /// The ObjectName being written.
        object_name: String,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
    },
}

macro_rules! content_enum {
    ($( $(#[$meta:meta])* $variant:ident($ty:ty) = $name:path; )*) => {
        /// A content object, typed by its ObjectName.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Content {
            $( $(#[$meta])* $variant($ty), )*
            /// An ObjectName this crate does not type, kept as raw JSON.
            Unknown {
                /// The ObjectName (`classname`).
                object_name: String,
                /// The content, as parsed JSON.
                json: Value,
            },
        }

        impl Content {
            /// Parses `json` (the `content` bytes) as the object named `object_name`.
            pub fn parse(object_name: &str, json: &[u8]) -> Result<Self, ContentError> {
                let err = |source| ContentError::Invalid { object_name: object_name.to_owned(), source };
                Ok(match object_name {
                    $( $name => Self::$variant(serde_json::from_slice(json).map_err(err)?), )*
                    _ => Self::Unknown {
                        object_name: object_name.to_owned(),
                        json: serde_json::from_slice(json).map_err(err)?,
                    },
                })
            }

            /// The ObjectName (`classname`) to send this content with.
            pub fn object_name(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $name, )*
                    Self::Unknown { object_name, .. } => object_name,
                }
            }

            /// The content as a JSON value.
            pub fn to_json_value(&self) -> Result<Value, ContentError> {
                let err = |source| ContentError::Serialize { object_name: self.object_name().to_owned(), source };
                match self {
                    $( Self::$variant(c) => serde_json::to_value(c).map_err(err), )*
                    Self::Unknown { json, .. } => Ok(json.clone()),
                }
            }

            /// The content as JSON bytes, ready for `UpStreamMessage.content`.
            pub fn to_json(&self) -> Result<Vec<u8>, ContentError> {
                let err = |source| ContentError::Serialize { object_name: self.object_name().to_owned(), source };
                match self {
                    $( Self::$variant(c) => serde_json::to_vec(c).map_err(err), )*
                    Self::Unknown { json, .. } => serde_json::to_vec(json).map_err(err),
                }
            }
        }
    };
}

content_enum! {
    /// `RC:TxtMsg`
    Text(TextMessage) = object_name::TEXT;
    /// `RC:ImgMsg`
    Image(ImageMessage) = object_name::IMAGE;
    /// `RC:GIFMsg`
    Gif(GifMessage) = object_name::GIF;
    /// `RC:VcMsg`
    Voice(VoiceMessage) = object_name::VOICE;
    /// `RC:HQVCMsg`
    HqVoice(HqVoiceMessage) = object_name::HQ_VOICE;
    /// `RC:FileMsg`
    File(FileMessage) = object_name::FILE;
    /// `RC:LBSMsg`
    Location(LocationMessage) = object_name::LOCATION;
    /// `RC:ImgTextMsg`
    RichContent(RichContentMessage) = object_name::RICH_CONTENT;
    /// `RC:SightMsg`
    Sight(SightMessage) = object_name::SIGHT;
    /// `RC:InfoNtf`
    Information(InformationNotification) = object_name::INFORMATION;
    /// `RC:ContactNtf`
    Contact(ContactNotification) = object_name::CONTACT;
    /// `RC:ProfileNtf`
    Profile(ProfileNotification) = object_name::PROFILE;
    /// `RC:CmdNtf`
    CommandNotification(CommandNotification) = object_name::COMMAND_NOTIFICATION;
    /// `RC:GrpNtf`
    GroupNotification(GroupNotification) = object_name::GROUP_NOTIFICATION;
    /// `RC:CmdMsg`
    Command(CommandMessage) = object_name::COMMAND;
    /// `RC:ReadNtf`
    ReadReceipt(ReadReceiptMessage) = object_name::READ_RECEIPT;
    /// `RC:TypSts`
    TypingStatus(TypingStatusMessage) = object_name::TYPING_STATUS;
    /// `RC:RRRspMsg`
    ReadReceiptResponse(ReadReceiptResponseMessage) = object_name::READ_RECEIPT_RESPONSE;
    /// `RC:RcCmd`
    Recall(RecallCommandMessage) = object_name::RECALL;
}

impl Content {
    /// The default MessageTag for this content's ObjectName; [`MessageTag::PERSISTED`] |
    /// [`MessageTag::COUNTED`] for an unknown one (the 2.x web SDK registers its
    /// `UnknownMessage` that way).
    pub fn default_tag(&self) -> MessageTag {
        default_tag(self.object_name()).unwrap_or(MessageTag::PERSISTED | MessageTag::COUNTED)
    }
}
