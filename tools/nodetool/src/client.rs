//! A blocking client for the node's REST admin API (ScyllaDB's paths).
//! Errors carry the server's `{"message", "code"}` body when it sent one.

use std::time::Duration;

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The node could not be reached or the exchange broke off.
    #[error("failed to connect to '{address}': {detail}")]
    Connect { address: String, detail: String },
    /// The node answered with an error status.
    #[error("{message}")]
    Status { status: u16, message: String },
    /// The node answered something that is not the expected JSON.
    #[error("unexpected answer from {path}: {detail}")]
    Decode { path: String, detail: String },
}

/// Talks to one node's API at `host:port`.
#[derive(Debug)]
pub struct ApiClient {
    base: String,
    agent: ureq::Agent,
}

impl ApiClient {
    pub fn new(host: &str, port: u16) -> Self {
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .build()
            .into();
        Self {
            base: format!("http://{host}:{port}"),
            agent,
        }
    }

    pub fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.send("GET", path)
    }

    pub fn post(&self, path: &str) -> Result<Value, ClientError> {
        self.send("POST", path)
    }

    fn send(&self, method: &str, path: &str) -> Result<Value, ClientError> {
        let url = format!("{}{path}", self.base);
        let result = match method {
            "POST" => self.agent.post(&url).send_empty(),
            _ => self.agent.get(&url).call(),
        };
        let mut response = result.map_err(|e| ClientError::Connect {
            address: self.base.clone(),
            detail: e.to_string(),
        })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| ClientError::Decode {
                path: path.to_owned(),
                detail: e.to_string(),
            })?;
        let body: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| ClientError::Decode {
                path: path.to_owned(),
                detail: e.to_string(),
            })?
        };
        if status >= 400 {
            let message = body
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| format!("HTTP {status} from {path}"), str::to_owned);
            return Err(ClientError::Status { status, message });
        }
        Ok(body)
    }

    pub fn get_string(&self, path: &str) -> Result<String, ClientError> {
        let value = self.get(path)?;
        match value {
            Value::String(s) => Ok(s),
            other => Ok(other.to_string()),
        }
    }

    pub fn get_strings(&self, path: &str) -> Result<Vec<String>, ClientError> {
        match self.get(path)? {
            Value::Array(items) => Ok(items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect()),
            other => Err(ClientError::Decode {
                path: path.to_owned(),
                detail: format!("expected a list, got {other}"),
            }),
        }
    }
}

/// Percent-encodes a query or path component.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
