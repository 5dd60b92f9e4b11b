//! The plain HTTP that `timwire serve` answers on its WebSocket port for RongCloud's web SDK:
//! the host probe and the navigation (docs/PROTOCOL.md §11). The driver adds CORS
//! (`Access-Control-Allow-Origin: *`, the `OPTIONS` preflight) and closes after each answer.
//!
//! * `GET /ping?r=…` → `200`, empty: the probe the SDK sends to every host before connecting.
//! * `GET /navi.js?appId=…&token=…&callBack=getServerEndpoint&v=…&r=…` → `200`,
//!   `getServerEndpoint({"code":200,"server":"HOST:PORT",…});`. `server` is `--public` when
//!   given, else the `Host` the request came to (the SDK fetches navigation from
//!   `RongIMClient.init(appkey, null, { navi: "http://HOST:PORT" })`, so pointing `navi` at
//!   this port makes it connect here), else the WebSocket listener's address. `http://`
//!   navigation makes the SDK use `ws://`.
//!
//! Everything else is `404`.

use timwire_tokio::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use timwire_tokio::http::{HttpRequest, HttpResponse};

/// The JSONP callback when the request names none (or names something that is not a plain
/// identifier).
const DEFAULT_CALLBACK: &str = "getServerEndpoint";

/// What the navigation answer points the SDK at.
#[derive(Debug, Clone)]
pub(crate) struct Navi {
    /// `--public HOST:PORT`.
    pub(crate) public: Option<String>,
    /// The WebSocket listener's address, when the request has no usable `Host`.
    pub(crate) listening: String,
}

impl Navi {
    /// Answers a plain HTTP request on the WebSocket port.
    pub(crate) fn answer(&self, request: &HttpRequest) -> Option<HttpResponse> {
        match request.path.as_str() {
            "/ping" => Some(HttpResponse::new(200, "")),
            "/navi.js" => Some(self.navigation(request)),
            _ => None,
        }
    }

    fn navigation(&self, request: &HttpRequest) -> HttpResponse {
        let server = self
            .public
            .clone()
            .or_else(|| request.host().filter(|h| is_host(h)).map(str::to_owned))
            .unwrap_or_else(|| self.listening.clone());
        let callback = request
            .param("callBack")
            .filter(|c| is_identifier(c))
            .unwrap_or(DEFAULT_CALLBACK);
        let body = serde_json::json!({
            "code": 200,
            "server": server,
            "backupServer": "",
            "logSwitch": 0,
            "logPolicy": "",
        });
        HttpResponse::new(200, format!("{callback}({body});"))
            .with_header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/javascript; charset=utf-8"),
            )
            .with_header(CACHE_CONTROL, HeaderValue::from_static("no-store"))
    }
}

/// `HOST:PORT` as a `Host` header may give it (names, IPv4, bracketed IPv6), nothing else.
fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// A JavaScript identifier made of ASCII letters, digits, `_` and `$`, not starting with a
/// digit, at most 64 bytes: safe to echo as a JSONP callback.
fn is_identifier(text: &str) -> bool {
    text.len() <= 64
        && text.bytes().next().is_some_and(|b| !b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use timwire_tokio::http::header::{HOST, HeaderValue as Value};

    fn get(path: &str, query: &str, host: Option<&'static str>) -> HttpRequest {
        let mut request = HttpRequest::new("GET", path, Some(query.to_owned()));
        if let Some(host) = host {
            request.headers.insert(HOST, Value::from_static(host));
        }
        request
    }

    fn navi(public: Option<&str>) -> Navi {
        Navi {
            public: public.map(str::to_owned),
            listening: "127.0.0.1:9300".to_owned(),
        }
    }

    fn body(answer: &HttpResponse) -> &str {
        std::str::from_utf8(&answer.body).unwrap()
    }

    #[test]
    fn navigation_names_the_host_the_sdk_asked() {
        let query = "appId=k&token=alice&callBack=getServerEndpoint&v=2.9.2&r=1";
        let answer = navi(None)
            .answer(&get("/navi.js", query, Some("localhost:9301")))
            .unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(
            body(&answer),
            r#"getServerEndpoint({"backupServer":"","code":200,"logPolicy":"","logSwitch":0,"server":"localhost:9301"});"#
        );
        // --public wins; a strange Host or callback falls back.
        let public = navi(Some("im.example:443"))
            .answer(&get("/navi.js", "callBack=cb_1", Some("x:1")))
            .unwrap();
        assert!(body(&public).starts_with(r#"cb_1({"#));
        assert!(body(&public).contains(r#""server":"im.example:443""#));
        let odd = navi(None)
            .answer(&get("/navi.js", "callBack=alert(1)", Some("a b")))
            .unwrap();
        assert!(body(&odd).starts_with("getServerEndpoint({"));
        assert!(body(&odd).contains(r#""server":"127.0.0.1:9300""#));
    }

    #[test]
    fn ping_answers_and_the_rest_is_404() {
        let n = navi(None);
        assert_eq!(n.answer(&get("/ping", "r=1234", None)).unwrap().status, 200);
        assert!(n.answer(&get("/cometnavi.js", "", None)).is_none());
        assert!(n.answer(&get("/", "", None)).is_none());
    }
}
