//! HDR interval logs, readable by HdrHistogram's standard tools
//! (HistogramLogProcessor, HdrHistogramVisualizer, `hdr-plot`): per interval
//! and operation kind, tag `<OP>-rt` holds the corrected response time and
//! `<OP>-st` the raw service time (cassandra-stress uses the same suffixes),
//! in microseconds.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::interval_log::{
    IntervalLogIterator, IntervalLogWriterBuilder, LogEntry, Tag,
};
use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};

use crate::error::StressError;
use crate::stats::OpStats;

/// Owns the file; [`HdrLog::write_interval`] appends one interval.
pub struct HdrLog {
    file: BufWriter<File>,
    serializer: V2DeflateSerializer,
    start: SystemTime,
    base: Instant,
}

impl std::fmt::Debug for HdrLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HdrLog")
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

fn log_error(e: impl std::fmt::Debug) -> StressError {
    StressError::HdrLog(format!("{e:?}"))
}

impl HdrLog {
    pub fn create(path: &Path, start: SystemTime, command: &str) -> Result<Self, StressError> {
        let file = File::create(path).map_err(|e| StressError::io("create", path, e))?;
        let mut log = Self {
            file: BufWriter::new(file),
            serializer: V2DeflateSerializer::new(),
            start,
            base: Instant::now(),
        };
        IntervalLogWriterBuilder::new()
            .add_comment(&format!("Logged with sibyl-stress: {command}"))
            .add_comment("Tags: <OP>-rt = response time from intended start (corrected), <OP>-st = service time; values in us")
            .with_start_time(start)
            .with_base_time(start)
            .begin_log_with(&mut log.file, &mut log.serializer)
            .map_err(log_error)?;
        Ok(log)
    }

    /// Appends the corrected and raw histograms of each op kind.
    pub fn write_interval(
        &mut self,
        interval_start: Duration,
        length: Duration,
        ops: &[(String, &OpStats)],
    ) -> Result<(), StressError> {
        // The builder only writes the header; an IntervalLogWriter built with
        // an empty builder writes no header lines, just histograms.
        let mut writer = IntervalLogWriterBuilder::new()
            .begin_log_with(&mut self.file, &mut self.serializer)
            .map_err(log_error)?;
        for (name, stats) in ops {
            if stats.ops == 0 {
                continue;
            }
            let upper = name.to_ascii_uppercase();
            for (suffix, histogram) in [("rt", &stats.corrected), ("st", &stats.raw)] {
                let tag_text = format!("{upper}-{suffix}");
                writer
                    .write_histogram(histogram, interval_start, length, Tag::new(&tag_text))
                    .map_err(log_error)?;
            }
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), StressError> {
        use std::io::Write;
        self.file
            .flush()
            .map_err(|e| StressError::HdrLog(e.to_string()))
    }

    pub fn start(&self) -> SystemTime {
        self.start
    }

    /// The instant interval start timestamps are measured from.
    pub fn base_instant(&self) -> Instant {
        self.base
    }
}

/// One histogram read back from a log.
#[derive(Debug, Clone)]
pub struct LoggedInterval {
    pub tag: Option<String>,
    pub start: Duration,
    pub length: Duration,
    pub histogram: Histogram<u64>,
}

/// Reads every interval histogram of a log (any tags).
pub fn read_log(path: &Path) -> Result<Vec<LoggedInterval>, StressError> {
    let bytes = std::fs::read(path).map_err(|e| StressError::io("read", path, e))?;
    let mut deserializer = Deserializer::new();
    let mut intervals = Vec::new();
    for entry in IntervalLogIterator::new(&bytes) {
        let entry = entry.map_err(|e| StressError::Input {
            path: path.into(),
            message: format!("{e:?}"),
        })?;
        let LogEntry::Interval(interval) = entry else {
            continue;
        };
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(interval.encoded_histogram())
            .map_err(|e| StressError::Input {
                path: path.into(),
                message: e.to_string(),
            })?;
        let histogram: Histogram<u64> =
            deserializer
                .deserialize(&mut raw.as_slice())
                .map_err(|e| StressError::Input {
                    path: path.into(),
                    message: format!("{e:?}"),
                })?;
        intervals.push(LoggedInterval {
            tag: interval.tag().map(|t| t.as_str().to_owned()),
            start: interval.start_timestamp(),
            length: interval.duration(),
            histogram,
        });
    }
    Ok(intervals)
}
