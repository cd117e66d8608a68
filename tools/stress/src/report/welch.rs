//! Welch's t-test over per-interval means, corrected for autocorrelation the
//! way latte does it: consecutive intervals of a load test are not independent
//! (a slow second tends to follow a slow second), so each series' sample size
//! is shrunk to its effective size `n (1 - r) / (1 + r)`, `r` being the lag-1
//! autocorrelation, before computing standard errors and degrees of freedom.

/// Mean, variance and effective sample size of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStats {
    pub n: usize,
    pub mean: f64,
    pub variance: f64,
    pub lag1_autocorrelation: f64,
    pub effective_n: f64,
}

impl SeriesStats {
    pub fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n < 3 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        let variance = ss / (n - 1) as f64;
        let r = if ss > 0.0 {
            let cross: f64 = values
                .windows(2)
                .map(|w| (w[0] - mean) * (w[1] - mean))
                .sum();
            (cross / ss).clamp(-0.99, 0.99)
        } else {
            0.0
        };
        // Negative autocorrelation would inflate n; keep n as the ceiling.
        let effective_n = (n as f64 * (1.0 - r) / (1.0 + r)).clamp(2.0, n as f64);
        Some(Self {
            n,
            mean,
            variance,
            lag1_autocorrelation: r,
            effective_n,
        })
    }
}

/// Result of the test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WelchResult {
    pub t: f64,
    pub degrees_of_freedom: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

pub fn welch(a: &SeriesStats, b: &SeriesStats) -> WelchResult {
    let se_a = a.variance / a.effective_n;
    let se_b = b.variance / b.effective_n;
    let se = se_a + se_b;
    if se <= 0.0 {
        let same = (a.mean - b.mean).abs() <= f64::EPSILON * a.mean.abs().max(1.0);
        return WelchResult {
            t: if same { 0.0 } else { f64::INFINITY },
            degrees_of_freedom: (a.effective_n + b.effective_n - 2.0).max(1.0),
            p_value: if same { 1.0 } else { 0.0 },
        };
    }
    let t = (a.mean - b.mean) / se.sqrt();
    let df = se * se
        / (se_a * se_a / (a.effective_n - 1.0).max(1.0)
            + se_b * se_b / (b.effective_n - 1.0).max(1.0));
    let p_value = incomplete_beta(df / 2.0, 0.5, df / (df + t * t)).clamp(0.0, 1.0);
    WelchResult {
        t,
        degrees_of_freedom: df,
        p_value,
    }
}

fn ln_gamma(x: f64) -> f64 {
    // Lanczos approximation (g = 7, n = 9).
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Regularized incomplete beta `I_x(a, b)` by Lentz's continued fraction.
pub fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(b, a, 1.0 - x);
    }
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..300 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            if d.abs() < tiny {
                d = tiny;
            }
            c = 1.0 + numerator / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-12 {
            break;
        }
    }
    front * f / a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_tail_matches_tables() {
        // Two-sided p for t = 2.228 with 10 df is 0.05.
        let p = incomplete_beta(5.0, 0.5, 10.0 / (10.0 + 2.228 * 2.228));
        assert!((p - 0.05).abs() < 1e-3, "{p}");
    }

    #[test]
    fn identical_noise_is_not_significant_but_a_shift_is() {
        let mut rng = crate::generate::SplitMix64::new(1);
        let a: Vec<f64> = (0..60).map(|_| 100.0 + rng.next_f64()).collect();
        let b: Vec<f64> = (0..60).map(|_| 100.0 + rng.next_f64()).collect();
        let c: Vec<f64> = b.iter().map(|v| v + 1.0).collect();
        let (a, b, c) = (
            SeriesStats::of(&a).unwrap(),
            SeriesStats::of(&b).unwrap(),
            SeriesStats::of(&c).unwrap(),
        );
        assert!(welch(&a, &b).p_value > 0.001);
        assert!(welch(&a, &c).p_value < 1e-6);
    }

    #[test]
    fn autocorrelation_shrinks_the_sample() {
        let trend: Vec<f64> = (0..100).map(|i| (i / 10) as f64).collect();
        let s = SeriesStats::of(&trend).unwrap();
        assert!(s.lag1_autocorrelation > 0.8);
        assert!(s.effective_n < 10.0);
    }
}
