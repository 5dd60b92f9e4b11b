//! The typed content objects. `Option` members are omitted from the JSON when `None`; members
//! RongCloud's SDKs write but a struct does not name are kept in `other`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Sender info some SDKs attach to a content object (`user`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserInfo {
    /// User id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portrait: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Who a message mentions (`mentionedInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MentionedInfo {
    /// 1 = everyone, 2 = the users in `user_id_list`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<i32>,
    /// Mentioned user ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_id_list: Vec<String>,
    /// Text for the push notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentioned_content: Option<String>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:TxtMsg`: a text message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextMessage {
    /// The text.
    #[serde(default)]
    pub content: String,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentioned_info: Option<MentionedInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:ImgMsg`: an image (thumbnail inline, full image by URL).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageMessage {
    /// Thumbnail, base64 JPEG.
    #[serde(default)]
    pub content: String,
    /// Full image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentioned_info: Option<MentionedInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:GIFMsg`: a GIF image by URL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GifMessage {
    /// Size of the GIF in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gif_data_size: Option<u64>,
    /// GIF URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_url: Option<String>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:VcMsg`: a voice clip, AMR inline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceMessage {
    /// The AMR audio, base64.
    #[serde(default)]
    pub content: String,
    /// Length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentioned_info: Option<MentionedInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:HQVCMsg`: a high-quality voice clip by URL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HqVoiceMessage {
    /// Audio URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_url: Option<String>,
    /// Length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:FileMsg`: a file by URL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileMessage {
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// File type (extension), RongCloud's `type`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// File URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:LBSMsg`: a location.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationMessage {
    /// Latitude in degrees.
    #[serde(default)]
    pub latitude: f64,
    /// Longitude in degrees.
    #[serde(default)]
    pub longitude: f64,
    /// Place name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poi: Option<String>,
    /// Map thumbnail, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentioned_info: Option<MentionedInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:ImgTextMsg`: rich content (title, text, image, link).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichContentMessage {
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Summary text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<String>,
    /// Link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:SightMsg`: a short video by URL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SightMessage {
    /// Video URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sight_url: Option<String>,
    /// First-frame thumbnail, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:InfoNtf`: an information notification (a grey tip in the conversation).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InformationNotification {
    /// The text.
    #[serde(default)]
    pub message: String,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:ContactNtf`: a contact (friend) operation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactNotification {
    /// `ContactOperationRequest`, `ContactOperationAcceptResponse`,
    /// `ContactOperationRejectResponse`, or an application value.
    #[serde(default)]
    pub operation: String,
    /// Who did it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_user_id: Option<String>,
    /// To whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_user_id: Option<String>,
    /// Text (request note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:ProfileNtf`: a profile change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileNotification {
    /// The operation (application-defined).
    #[serde(default)]
    pub operation: String,
    /// Operation data: usually a string, sometimes a JSON object; kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:CmdNtf`: a command that is stored (unlike `RC:CmdMsg`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandNotification {
    /// Command name.
    #[serde(default)]
    pub name: String,
    /// Command data: usually a string, sometimes a JSON object; kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:GrpNtf`: a group operation (create, add, quit, kick, rename, bulletin, dismiss).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupNotification {
    /// Who did it.
    #[serde(default)]
    pub operator_user_id: String,
    /// `Create`, `Add`, `Quit`, `Kicked`, `Rename`, `Bulletin`, `Dismiss`, ...
    #[serde(default)]
    pub operation: String,
    /// Operation data (RongCloud sends a JSON string; some servers an object); kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:CmdMsg`: a command (neither stored nor counted).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandMessage {
    /// Command name.
    #[serde(default)]
    pub name: String,
    /// Command data: usually a string, sometimes a JSON object; kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:ReadNtf`: a read receipt in a private conversation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadReceiptMessage {
    /// Send time (Unix ms) of the last message read.
    #[serde(default)]
    pub last_message_send_time: i64,
    /// Server id of the last message read.
    #[serde(
        rename = "messageUId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub message_uid: Option<String>,
    /// Conversation type (RongCloud's `type`, 1 = private).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub conversation_type: Option<i32>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:TypSts`: "the peer is typing" (a status message: neither stored nor counted).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypingStatusMessage {
    /// ObjectName of what is being typed, e.g. `RC:TxtMsg`.
    #[serde(default)]
    pub typing_content_type: String,
    /// Extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:RRRspMsg`: answer to a group read-receipt request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadReceiptResponseMessage {
    /// For each original sender (user id), the server ids of the messages read.
    #[serde(default)]
    pub receipt_message_dic: BTreeMap<String, Vec<String>>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `RC:RcCmd`: recall (withdraw) a message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecallCommandMessage {
    /// Server id of the recalled message.
    #[serde(rename = "messageUId", default)]
    pub message_uid: String,
    /// Conversation type of the recalled message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_type: Option<i32>,
    /// Conversation target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// Send time (Unix ms) of the recalled message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_time: Option<i64>,
    /// Application data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Sender info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// Members not named above.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
