//! cassandra-stress distributions: `FIXED(v)`, `UNIFORM(min..max)`,
//! `GAUSSIAN(min..max[,stdvrng | ,mean,stdev])`, `EXP(min..max)`,
//! `EXTREME(min..max,shape)`, `QEXTREME(min..max,shape,quantas)`,
//! `SEQ(min..max)`, with the aliases `gauss`, `normal`, `norm`, `extr`,
//! `qextr`, `weibull` and a leading `~` that inverts the range.
//!
//! `QEXTREME` splits the extreme distribution at its `i/quantas` quantiles and
//! draws uniformly inside the slice an extreme sample falls in, as
//! cassandra-stress's `DistributionQuantized`.
//!
//! `SEQ` is cassandra-stress's counter that counts up from `min` and wraps
//! after `max`; here it is a pure function of an index ([`DistSpec::sample_at`]:
//! the operation number, or the key seed), so values stay reproducible.
//!
//! Parameters follow cassandra-stress: gaussian's stdev is `(max-min)/2/stdvrng`
//! (default 3); exponential and extreme pick their scale so that the value at
//! quantile `1 - sqrt(1/(max-min))` is `max`, then clamp into `[min, max]`.

use std::fmt;

use super::SplitMix64;
use crate::error::StressError;

/// A parsed distribution specification.
#[derive(Debug, Clone, PartialEq)]
pub struct DistSpec {
    pub kind: DistKind,
    /// `~` prefix: the most frequent values come from the top of the range.
    pub inverted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DistKind {
    Fixed(i64),
    Uniform {
        min: i64,
        max: i64,
    },
    Gaussian {
        min: i64,
        max: i64,
        mean: f64,
        stdev: f64,
    },
    Exponential {
        min: i64,
        max: i64,
        mean: f64,
    },
    Extreme {
        min: i64,
        max: i64,
        shape: f64,
        scale: f64,
        /// `QEXTREME`: uniform within each of this many quantile slices.
        quantas: Option<u32>,
    },
    /// `min, min+1, ..., max, min, ...` by index.
    Sequence {
        min: i64,
        max: i64,
    },
}

/// Parses `123`, `10k`, `5M`, `1b` (multipliers of 1000, as cassandra-stress).
pub fn parse_long(text: &str) -> Option<i64> {
    let text = text.trim().to_ascii_lowercase();
    let (digits, multiplier) = match text.chars().last()? {
        'k' => (&text[..text.len() - 1], 1_000),
        'm' => (&text[..text.len() - 1], 1_000_000),
        'b' => (&text[..text.len() - 1], 1_000_000_000),
        _ => (text.as_str(), 1),
    };
    digits.parse::<i64>().ok()?.checked_mul(multiplier)
}

fn parse_range(text: &str) -> Option<(i64, i64)> {
    let (low, high) = text.split_once("..")?;
    let (min, max) = (parse_long(low)?, parse_long(high.trim_start_matches('.'))?);
    (min <= max).then_some((min, max))
}

fn weibull_quantile_scale(min: i64, max: i64, shape: f64) -> f64 {
    let width = (max - min).max(1) as f64;
    let p = 1.0 - (1.0 / width).sqrt();
    // Weibull(shape, 1) quantile: (-ln(1-p))^(1/shape).
    let at = (-(1.0 - p).ln()).powf(1.0 / shape);
    if at > 0.0 { width / at } else { width }
}

impl DistSpec {
    pub fn fixed(value: i64) -> Self {
        Self {
            kind: DistKind::Fixed(value),
            inverted: false,
        }
    }

    pub fn uniform(min: i64, max: i64) -> Self {
        Self {
            kind: DistKind::Uniform { min, max },
            inverted: false,
        }
    }

    /// Parses a specification such as `gauss(1..1M,5)` or `~exp(1..100)`.
    pub fn parse(spec: &str) -> Result<Self, StressError> {
        let illegal = || StressError::usage(format!("Illegal distribution specification: {spec}"));
        let trimmed = spec.trim();
        let (inverted, rest) = match trimmed.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let open = rest.find('(').ok_or_else(illegal)?;
        let inner = rest
            .get(open + 1..)
            .and_then(|s| s.strip_suffix(')'))
            .ok_or_else(illegal)?;
        let name = rest.get(..open).unwrap_or_default().to_ascii_lowercase();
        let params: Vec<&str> = inner.split(',').map(str::trim).collect();
        let bad_params = || {
            StressError::usage(format!(
                "Invalid parameter list for {name} distribution: {params:?}"
            ))
        };
        let float = |i: usize| params.get(i).and_then(|p| p.parse::<f64>().ok());
        let kind = match name.as_str() {
            "fixed" => {
                let [value] = params.as_slice() else {
                    return Err(bad_params());
                };
                DistKind::Fixed(parse_long(value).ok_or_else(bad_params)?)
            }
            "uniform" => {
                let [range] = params.as_slice() else {
                    return Err(bad_params());
                };
                let (min, max) = parse_range(range).ok_or_else(bad_params)?;
                DistKind::Uniform { min, max }
            }
            "gaussian" | "gauss" | "normal" | "norm" => {
                let (min, max) = params
                    .first()
                    .and_then(|r| parse_range(r))
                    .ok_or_else(bad_params)?;
                let (mean, stdev) = match params.len() {
                    1 | 2 => {
                        let stdevs_to_edge = if params.len() == 2 {
                            float(1).ok_or_else(bad_params)?
                        } else {
                            3.0
                        };
                        (
                            (min + max) as f64 / 2.0,
                            (max - min) as f64 / 2.0 / stdevs_to_edge,
                        )
                    }
                    3 => (
                        float(1).ok_or_else(bad_params)?,
                        float(2).ok_or_else(bad_params)?,
                    ),
                    _ => return Err(bad_params()),
                };
                DistKind::Gaussian {
                    min,
                    max,
                    mean,
                    stdev,
                }
            }
            "exp" => {
                let [range] = params.as_slice() else {
                    return Err(bad_params());
                };
                let (min, max) = parse_range(range).ok_or_else(bad_params)?;
                let mean = weibull_quantile_scale(min, max, 1.0);
                DistKind::Exponential { min, max, mean }
            }
            "extreme" | "extr" | "weibull" | "qextreme" | "qextr" => {
                let quantized = name.starts_with('q');
                if params.len() != if quantized { 3 } else { 2 } {
                    return Err(bad_params());
                }
                let quantas = match params.get(2) {
                    Some(q) => Some(
                        q.parse::<u32>()
                            .ok()
                            .filter(|q| *q > 0)
                            .ok_or_else(bad_params)?,
                    ),
                    None => None,
                };
                let (min, max) = params
                    .first()
                    .and_then(|r| parse_range(r))
                    .ok_or_else(bad_params)?;
                let shape = float(1).filter(|s| *s > 0.0).ok_or_else(bad_params)?;
                let scale = weibull_quantile_scale(min, max, shape);
                DistKind::Extreme {
                    min,
                    max,
                    shape,
                    scale,
                    quantas,
                }
            }
            "seq" => {
                let [range] = params.as_slice() else {
                    return Err(bad_params());
                };
                let (min, max) = parse_range(range).ok_or_else(bad_params)?;
                DistKind::Sequence { min, max }
            }
            other => {
                return Err(StressError::usage(format!(
                    "Illegal distribution type: {other}"
                )));
            }
        };
        Ok(Self { kind, inverted })
    }

    pub fn min(&self) -> i64 {
        match self.kind {
            DistKind::Fixed(v) => v,
            DistKind::Uniform { min, .. }
            | DistKind::Gaussian { min, .. }
            | DistKind::Exponential { min, .. }
            | DistKind::Extreme { min, .. }
            | DistKind::Sequence { min, .. } => min,
        }
    }

    pub fn max(&self) -> i64 {
        match self.kind {
            DistKind::Fixed(v) => v,
            DistKind::Uniform { max, .. }
            | DistKind::Gaussian { max, .. }
            | DistKind::Exponential { max, .. }
            | DistKind::Extreme { max, .. }
            | DistKind::Sequence { max, .. } => max,
        }
    }

    /// Draws one value in `[min, max]`; allocation free. A sequence has no
    /// index here, so it takes one from `rng` (callers that have an index,
    /// an operation number or a key seed, use [`Self::sample_at`]).
    pub fn sample(&self, rng: &mut SplitMix64) -> i64 {
        let index = match self.kind {
            DistKind::Sequence { .. } => rng.next_u64(),
            _ => 0,
        };
        self.sample_at(index, rng)
    }

    /// Like [`Self::sample`], but a sequence yields its `index`-th value
    /// (`min + index mod (max - min + 1)`); other kinds ignore `index`.
    pub fn sample_at(&self, index: u64, rng: &mut SplitMix64) -> i64 {
        let (min, max) = (self.min(), self.max());
        let value = match self.kind {
            DistKind::Fixed(v) => return v,
            DistKind::Sequence { min, max } => {
                let width = (max - min) as u64 + 1;
                min.wrapping_add((index % width.max(1)) as i64)
            }
            DistKind::Uniform { min, max } => {
                let width = (max - min) as u64 + 1;
                min + (rng.next_u64() % width.max(1)) as i64
            }
            DistKind::Gaussian { mean, stdev, .. } => {
                let (u1, u2) = (rng.next_f64().max(f64::MIN_POSITIVE), rng.next_f64());
                let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                (mean + normal * stdev).round() as i64
            }
            DistKind::Exponential { min, mean, .. } => {
                let u = rng.next_f64();
                min + (-(1.0 - u).ln() * mean) as i64
            }
            DistKind::Extreme {
                min,
                max,
                shape,
                scale,
                quantas,
            } => {
                let at = |p: f64| min + ((-(1.0 - p).ln()).powf(1.0 / shape) * scale) as i64;
                let value = at(rng.next_f64()).clamp(min, max);
                match quantas {
                    None => value,
                    Some(q) => {
                        // Slice bounds: min, the i/q quantiles, max + 1.
                        let bound = |i: u32| match i {
                            0 => min,
                            i if i >= q => max.saturating_add(1),
                            i => at(f64::from(i) / f64::from(q)).clamp(min, max),
                        };
                        let slice = (1..q).take_while(|&i| bound(i) <= value).count() as u32;
                        let (low, high) = (bound(slice), bound(slice + 1));
                        low + (rng.next_f64() * (high - low).max(0) as f64) as i64
                    }
                }
            }
        };
        let value = value.clamp(min, max);
        if self.inverted {
            max - (value - min)
        } else {
            value
        }
    }
}

impl fmt::Display for DistSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inverted {
            f.write_str("~")?;
        }
        match self.kind {
            DistKind::Fixed(v) => write!(f, "FIXED({v})"),
            DistKind::Uniform { min, max } => write!(f, "UNIFORM({min}..{max})"),
            DistKind::Gaussian {
                min,
                max,
                mean,
                stdev,
            } => {
                write!(f, "GAUSSIAN({min}..{max},{mean},{stdev})")
            }
            DistKind::Exponential { min, max, .. } => write!(f, "EXP({min}..{max})"),
            DistKind::Extreme {
                min,
                max,
                shape,
                quantas: None,
                ..
            } => write!(f, "EXTREME({min}..{max},{shape})"),
            DistKind::Extreme {
                min,
                max,
                shape,
                quantas: Some(q),
                ..
            } => write!(f, "QEXTREME({min}..{max},{shape},{q})"),
            DistKind::Sequence { min, max } => write!(f, "SEQ({min}..{max})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_alias() {
        assert_eq!(DistSpec::parse("FIXED(34)").unwrap(), DistSpec::fixed(34));
        assert_eq!(
            DistSpec::parse("uniform(1..1M)").unwrap(),
            DistSpec::uniform(1, 1_000_000)
        );
        let g = DistSpec::parse("gauss(1..100)").unwrap();
        assert!(
            matches!(g.kind, DistKind::Gaussian { mean, stdev, .. } if mean == 50.5 && (stdev - 16.5).abs() < 1e-9)
        );
        let g = DistSpec::parse("GAUSSIAN(1..100,50,10)").unwrap();
        assert!(
            matches!(g.kind, DistKind::Gaussian { mean, stdev, .. } if mean == 50.0 && stdev == 10.0)
        );
        for alias in [
            "normal(1..9)",
            "norm(1..9,2)",
            "exp(1..10k)",
            "extreme(1..100,1.5)",
            "extr(1..10,2)",
            "weibull(1..10,2)",
            "seq(1..10)",
            "qextreme(1..100,2,4)",
            "qextr(1..100,1.5,3)",
        ] {
            DistSpec::parse(alias).unwrap();
        }
        assert!(DistSpec::parse("~exp(1..10)").unwrap().inverted);
        let err = DistSpec::parse("zipf(1..10)").unwrap_err().to_string();
        assert_eq!(err, "Illegal distribution type: zipf");
        assert!(DistSpec::parse("uniform(10..1)").is_err());
        assert!(DistSpec::parse("extreme(1..10)").is_err());
        assert!(DistSpec::parse("qextreme(1..10,2)").is_err());
        assert!(DistSpec::parse("qextreme(1..10,2,0)").is_err());
        assert_eq!(
            DistSpec::parse("QEXTR(1..10,2,3)").unwrap().to_string(),
            "QEXTREME(1..10,2,3)"
        );
        assert!(DistSpec::parse("uniform").is_err());
    }

    #[test]
    fn samples_stay_in_range_and_are_deterministic() {
        for spec in [
            "uniform(5..10)",
            "gauss(1..100)",
            "exp(1..1000)",
            "extreme(1..1000,2)",
            "~exp(1..50)",
            "seq(3..9)",
            "qextreme(1..1000,2,5)",
            "~qextr(1..20,1.5,3)",
        ] {
            let dist = DistSpec::parse(spec).unwrap();
            let mut a = SplitMix64::new(7);
            let mut b = SplitMix64::new(7);
            for _ in 0..10_000 {
                let v = dist.sample(&mut a);
                assert!((dist.min()..=dist.max()).contains(&v), "{spec}: {v}");
                assert_eq!(v, dist.sample(&mut b));
            }
        }
    }

    #[test]
    fn sequence_counts_up_by_index_and_wraps() {
        let dist = DistSpec::parse("SEQ(1..4)").unwrap();
        assert_eq!(dist.kind, DistKind::Sequence { min: 1, max: 4 });
        assert_eq!(dist.to_string(), "SEQ(1..4)");
        let mut rng = SplitMix64::new(1);
        let values: Vec<i64> = (0..6).map(|i| dist.sample_at(i, &mut rng)).collect();
        assert_eq!(values, vec![1, 2, 3, 4, 1, 2]);
        let inverted = DistSpec::parse("~seq(1..4)").unwrap();
        assert_eq!(inverted.sample_at(0, &mut rng), 4);
        assert!(DistSpec::parse("seq(1..4,2)").is_err());
    }

    #[test]
    fn quantized_extreme_fills_each_quantile_slice_equally() {
        // Slices cut at the 1/4 quantiles carry a quarter of the draws each,
        // and inside a slice values spread uniformly.
        let plain = DistSpec::parse("extreme(1..10000,1.5)").unwrap();
        let dist = DistSpec::parse("qextreme(1..10000,1.5,4)").unwrap();
        let mut rng = SplitMix64::new(3);
        let mut plain_values: Vec<i64> = (0..40_000).map(|_| plain.sample(&mut rng)).collect();
        plain_values.sort_unstable();
        let cuts: Vec<i64> = (1..4).map(|i| plain_values[i * 10_000]).collect();
        let (mut slices, mut low_half) = ([0u32; 4], 0u32);
        for _ in 0..40_000 {
            let v = dist.sample(&mut rng);
            assert!((1..=10_000).contains(&v));
            slices[cuts.iter().take_while(|&&c| c <= v).count()] += 1;
            low_half += u32::from(v < (1 + cuts[0]) / 2);
        }
        assert!(
            slices.iter().all(|&n| (9_000..11_000).contains(&n)),
            "{slices:?}"
        );
        // Uniform in the first slice: half its draws below its midpoint (the
        // plain Weibull with shape 1.5 puts only ~39% there).
        let share = f64::from(low_half) / f64::from(slices[0]);
        assert!((0.45..0.55).contains(&share), "{share}");
    }

    #[test]
    fn parse_long_understands_suffixes() {
        assert_eq!(parse_long("10k"), Some(10_000));
        assert_eq!(parse_long("2M"), Some(2_000_000));
        assert_eq!(parse_long("1b"), Some(1_000_000_000));
        assert_eq!(parse_long("x"), None);
    }
}
