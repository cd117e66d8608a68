//! What `status` and `info` print, in nodetool's shapes: the per-data-center
//! `UN  address  load ...` table and the `Key : value` listing, with sizes
//! written like Cassandra's `FileUtils.stringifyFileSize` ("75.47 KiB").

use crate::client::{ApiClient, ClientError};

/// One node as the API describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStatus {
    pub address: String,
    pub host_id: String,
    pub load_bytes: f64,
    pub tokens: Vec<String>,
    pub data_center: String,
    pub rack: String,
    pub generation: u64,
    pub uptime_ms: u64,
    pub up: bool,
}

/// Cassandra's size text: two decimals at most, binary units.
pub fn file_size(bytes: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("TiB", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("KiB", 1024.0),
    ];
    let number = |v: f64| {
        let text = format!("{v:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{} {unit}", number(bytes / size));
        }
    }
    format!("{} bytes", number(bytes))
}

impl NodeStatus {
    pub fn fetch(api: &ApiClient) -> Result<Self, ClientError> {
        let host_id = api.get_string("/storage_service/hostid/local")?;
        let address = api
            .get("/storage_service/host_id")?
            .as_array()
            .and_then(|pairs| {
                pairs
                    .iter()
                    .find(|p| p.get("value").and_then(|v| v.as_str()) == Some(&host_id))
            })
            .and_then(|p| p.get("key"))
            .and_then(|k| k.as_str())
            .unwrap_or("?")
            .to_owned();
        let live = api.get_strings("/gossiper/endpoint/live")?;
        Ok(Self {
            up: live.contains(&address),
            load_bytes: api.get("/storage_service/load")?.as_f64().unwrap_or(0.0),
            tokens: api.get_strings("/storage_service/tokens")?,
            data_center: api.get_string("/snitch/datacenter")?,
            rack: api.get_string("/snitch/rack")?,
            generation: api
                .get("/storage_service/generation_number")?
                .as_u64()
                .unwrap_or(0),
            uptime_ms: api.get("/system/uptime_ms")?.as_u64().unwrap_or(0),
            address,
            host_id,
        })
    }

    /// `nodetool status` for this (single) node.
    pub fn render_status(&self) -> String {
        let title = format!("Datacenter: {}", self.data_center);
        let mut out = format!(
            "{title}\n{}\nStatus=Up/Down\n|/ State=Normal/Leaving/Joining/Moving\n",
            "=".repeat(title.len())
        );
        let header = [
            "--",
            "Address",
            "Load",
            "Tokens",
            "Owns (effective)",
            "Host ID",
            "Rack",
        ];
        let row = [
            if self.up { "UN" } else { "DN" }.to_owned(),
            self.address.clone(),
            file_size(self.load_bytes),
            self.tokens.len().to_string(),
            "100.0%".to_owned(),
            self.host_id.clone(),
            self.rack.clone(),
        ];
        let widths: Vec<usize> = header
            .iter()
            .zip(&row)
            .map(|(h, r)| h.len().max(r.len()))
            .collect();
        let line = |cells: Vec<&str>| {
            let mut text = String::new();
            for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                if i + 1 == cells.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<width$}  "));
                }
            }
            text.push('\n');
            text
        };
        out.push_str(&line(header.to_vec()));
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
        out
    }

    /// `nodetool info` for this node.
    pub fn render_info(&self, all_tokens: bool) -> String {
        let mut lines = vec![
            ("ID", self.host_id.clone()),
            ("Gossip active", "true".to_owned()),
            ("Native Transport active", "true".to_owned()),
            ("Load", file_size(self.load_bytes)),
            ("Generation No", self.generation.to_string()),
            ("Uptime (seconds)", (self.uptime_ms / 1000).to_string()),
            ("Data Center", self.data_center.clone()),
            ("Rack", self.rack.clone()),
            ("Exceptions", "0".to_owned()),
            ("Percent Repaired", "0.0%".to_owned()),
        ];
        let mut out = String::new();
        if all_tokens {
            lines.extend(self.tokens.iter().map(|t| ("Token", t.clone())));
        } else {
            lines.push((
                "Token",
                format!(
                    "(invoke with -T/--tokens to see all {} tokens)",
                    self.tokens.len()
                ),
            ));
        }
        for (key, value) in lines {
            out.push_str(&format!("{key:<23}: {value}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_like_cassandra() {
        assert_eq!(file_size(0.0), "0 bytes");
        assert_eq!(file_size(512.0), "512 bytes");
        assert_eq!(file_size(77_281.0), "75.47 KiB");
        assert_eq!(file_size(1024.0 * 1024.0), "1 MiB");
    }

    #[test]
    fn status_prints_the_nodetool_table() {
        let node = NodeStatus {
            address: "127.0.0.1".into(),
            host_id: "550e8400-e29b-41d4-a716-446655440000".into(),
            load_bytes: 2048.0,
            tokens: vec!["1".into(); 16],
            data_center: "datacenter1".into(),
            rack: "rack1".into(),
            generation: 1,
            uptime_ms: 5000,
            up: true,
        };
        let text = node.render_status();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Datacenter: datacenter1");
        assert_eq!(lines[1], "=======================");
        assert!(
            lines[4].starts_with("--  Address    Load   Tokens  Owns (effective)"),
            "{text}"
        );
        assert!(
            lines[5].starts_with("UN  127.0.0.1  2 KiB  16      100.0%"),
            "{text}"
        );
        assert!(lines[5].ends_with("rack1"));
        let info = node.render_info(false);
        assert!(info.contains("Uptime (seconds)       : 5\n"), "{info}");
        assert!(info.contains("ID                     : 550e8400"), "{info}");
    }
}
