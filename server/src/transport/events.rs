//! Event delivery: connections that sent REGISTER are listed here, per shard,
//! and get matching events on stream -1. Entries are weak, so a closed
//! connection simply drops out.

use std::cell::RefCell;
use std::rc::Weak;

use sibyl_protocol::response::Event;

/// Event types a connection can register for, as bits.
pub const TOPOLOGY_CHANGE: u8 = 0x1;
pub const STATUS_CHANGE: u8 = 0x2;
pub const SCHEMA_CHANGE: u8 = 0x4;

pub fn event_bit(name: &str) -> Option<u8> {
    match name {
        "TOPOLOGY_CHANGE" => Some(TOPOLOGY_CHANGE),
        "STATUS_CHANGE" => Some(STATUS_CHANGE),
        "SCHEMA_CHANGE" => Some(SCHEMA_CHANGE),
        _ => None,
    }
}

fn bit_of(event: &Event) -> u8 {
    match event {
        Event::TopologyChange { .. } => TOPOLOGY_CHANGE,
        Event::StatusChange { .. } => STATUS_CHANGE,
        Event::SchemaChange(_) => SCHEMA_CHANGE,
    }
}

/// Something that can receive pushed events (a connection).
pub trait EventSink {
    fn registered_events(&self) -> u8;
    fn push_event(&self, event: &Event);
}

/// One shard's registered connections.
#[derive(Default)]
pub struct EventRegistry {
    sinks: RefCell<Vec<Weak<dyn EventSink>>>,
}

impl std::fmt::Debug for EventRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRegistry")
            .field("sinks", &self.sinks.borrow().len())
            .finish()
    }
}

impl EventRegistry {
    pub fn register(&self, sink: Weak<dyn EventSink>) {
        let mut sinks = self.sinks.borrow_mut();
        sinks.retain(|s| s.strong_count() > 0);
        sinks.push(sink);
    }

    /// Pushes `event` to every live connection registered for its type.
    pub fn publish(&self, event: &Event) {
        let bit = bit_of(event);
        let sinks: Vec<_> = self
            .sinks
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for sink in sinks {
            if sink.registered_events() & bit != 0 {
                sink.push_event(event);
            }
        }
    }
}
