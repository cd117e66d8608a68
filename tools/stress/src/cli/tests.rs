//! Parsing tests: one per option form of the issue, plus the error texts.

use super::*;
use crate::generate::DistKind;

fn parse(line: &str) -> Settings {
    let words: Vec<&str> = line.split_whitespace().collect();
    Settings::parse(&words).unwrap_or_else(|e| panic!("{line}: {e}"))
}

fn error(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    Settings::parse(&words).expect_err(line).to_string()
}

#[test]
fn commands_and_their_arguments() {
    let s = parse("write n=1M cl=QUORUM no-warmup");
    assert_eq!(s.command, CommandKind::Write);
    assert_eq!(s.op_count, Some(1_000_000));
    assert_eq!(s.consistency, ConsistencyName::Quorum);
    assert!(!s.warmup);
    assert_eq!(
        s.population,
        Population::Sequence {
            first: 1,
            last: 1_000_000
        }
    );
    assert_eq!(
        parse("read duration=30s").duration,
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse("read duration=5m").duration,
        Some(Duration::from_secs(300))
    );
    assert_eq!(
        parse("counter_write n=10").command,
        CommandKind::CounterWrite
    );
    assert_eq!(parse("counter_read n=10").command, CommandKind::CounterRead);
    let mixed = parse("mixed n=100 ratio(write=1,read=3)");
    assert_eq!(
        mixed.ratio,
        vec![("write".into(), 1.0), ("read".into(), 3.0)]
    );
    let user = parse("user profile=p.yaml ops(insert=1,q1=3) n=10");
    assert_eq!(user.profile, Some(PathBuf::from("p.yaml")));
    assert_eq!(user.ratio, vec![("insert".into(), 1.0), ("q1".into(), 3.0)]);
    assert!(parse("read n=5 verify").verify);
    assert_eq!(
        parse("write n=5 cl=local_quorum").consistency,
        ConsistencyName::LocalQuorum
    );
}

#[test]
fn read_defaults_to_a_gaussian_population_over_n() {
    let s = parse("read n=1000");
    let Population::Distribution(dist) = s.population else {
        panic!()
    };
    assert!(matches!(
        dist.kind,
        DistKind::Gaussian {
            min: 1,
            max: 1000,
            ..
        }
    ));
}

#[test]
fn rate_forms() {
    let s = parse("write n=10 -rate threads=16");
    assert_eq!(
        (s.rate.threads, s.rate.auto_ramp, s.rate.mode),
        (16, false, RateMode::Unlimited)
    );
    let s = parse("write n=10 -rate threads=8 fixed=1000/s");
    assert_eq!(s.rate.mode, RateMode::Fixed { ops_per_s: 1000.0 });
    assert_eq!(s.rate.threads, 8);
    let s = parse("write n=10 -rate throttle=5k/s");
    assert_eq!(s.rate.mode, RateMode::Throttle { ops_per_s: 5000.0 });
    assert_eq!(s.rate.threads, 256);
    let s = parse("write n=10 -rate threads>=4 threads<=64");
    assert!(s.rate.auto_ramp);
    assert_eq!((s.rate.threads, s.rate.threads_max), (4, 64));
    assert!(parse("write n=10").rate.auto_ramp);
    assert!(error("write n=10 -rate threads=x").starts_with("Invalid -rate options provided"));
    assert!(error("write n=10 -rate fixed=0/s").starts_with("Invalid -rate options provided"));
    assert!(error("write n=10 -rate threads>=4 fixed=10/s").contains("auto thread ramp"));
}

#[test]
fn node_port_pop_col() {
    let s = parse("write n=10 -node a,b,c -port native=9999");
    assert_eq!(s.nodes, vec!["a", "b", "c"]);
    assert_eq!(s.port, 9999);
    let s = parse("read n=10 -pop seq=1..500");
    assert_eq!(
        s.population,
        Population::Sequence {
            first: 1,
            last: 500
        }
    );
    for dist in [
        "uniform(1..100)",
        "gauss(1..100,5)",
        "exp(1..100)",
        "extreme(1..100,2)",
    ] {
        let s = parse(&format!("read n=10 -pop dist={dist}"));
        assert!(
            matches!(s.population, Population::Distribution(_)),
            "{dist}"
        );
    }
    let s = parse("write n=10 -col n=FIXED(3) size=FIXED(100)");
    assert_eq!(s.columns.count, 3);
    assert_eq!(s.columns.names, vec!["C0", "C1", "C2"]);
    assert_eq!(s.columns.size, DistSpec::fixed(100));
    assert_eq!(s.columns.per_row, DistSpec::fixed(3));
    // Variable counts: the table gets the maximum, rows a drawn count.
    for (spec, max) in [
        ("UNIFORM(1..10)", 10),
        ("gaussian(1..20)", 20),
        ("exp(2..7)", 7),
        ("extreme(1..9,1.5)", 9),
        ("seq(1..4)", 4),
        ("qextreme(1..8,2,2)", 8),
        ("~exp(1..6)", 6),
    ] {
        let s = parse(&format!("write n=10 -col n={spec}"));
        assert_eq!(s.columns.count, max, "{spec}");
        assert_eq!(s.columns.names.len(), max, "{spec}");
        assert_eq!(s.columns.per_row, DistSpec::parse(spec).unwrap(), "{spec}");
    }
    assert!(error("write n=10 -col n=uniform(-1..3)").starts_with("Invalid -col options"));
    assert!(error("write n=10 -col n=fixed(0)").starts_with("Invalid -col options"));
    assert_eq!(
        parse("write n=10 -col n=uniform(1..9) names=a,b")
            .columns
            .per_row,
        DistSpec::fixed(2)
    );
    assert_eq!(
        parse("write n=10 -col size=uniform(1..64)").columns.size,
        DistSpec::uniform(1, 64)
    );
    assert!(error("read n=10 -pop dist=zipf(1..3)").contains("Illegal distribution type"));
    assert!(error("read n=10 -pop seq=9..1").starts_with("Invalid -pop options"));
}

#[test]
fn schema_mode_log_graph_errors() {
    let s = parse(
        "write n=10 -schema replication(factor=3) keyspace=ks2 compaction(strategy=LeveledCompactionStrategy,sstable_size_in_mb=10)",
    );
    assert_eq!(s.schema.keyspace, "ks2");
    assert_eq!(
        s.schema.replication_options,
        vec![("replication_factor".into(), "3".into())]
    );
    assert_eq!(
        s.schema.compaction_strategy.as_deref(),
        Some("LeveledCompactionStrategy")
    );
    assert_eq!(
        s.schema.compaction_options,
        vec![("sstable_size_in_mb".into(), "10".into())]
    );
    let s =
        parse("write n=10 -mode native cql3 user=cassandra password=secret connectionsPerHost=4");
    assert_eq!(s.mode.user.as_deref(), Some("cassandra"));
    assert_eq!(s.mode.password.as_deref(), Some("secret"));
    assert_eq!(s.mode.connections_per_host, Some(4));
    let s = parse("write n=10 -log hdrfile=out.hdr interval=2s json=out.json");
    assert_eq!(s.log.hdr_file, Some(PathBuf::from("out.hdr")));
    assert_eq!(s.log.json_file, Some(PathBuf::from("out.json")));
    assert_eq!(s.log.interval, Duration::from_secs(2));
    let s = parse("write n=10 -graph file=report.html title=nightly revision=abc123");
    let graph = s.graph.expect("graph");
    assert_eq!(graph.file, PathBuf::from("report.html"));
    assert_eq!(graph.title.as_deref(), Some("nightly"));
    assert_eq!(graph.revision.as_deref(), Some("abc123"));
    let s = parse("write n=10 -errors ignore retries=2");
    assert!(s.errors.ignore);
    assert_eq!(s.errors.retries, 2);
    assert!(error("write n=10 -mode thrift").contains("not supported"));
    assert!(error("write n=10 -graph title=x").contains("file= is required"));
}

#[test]
fn errors_read_like_cassandra_stress() {
    assert_eq!(error("fly n=1"), "Unknown command: fly");
    assert_eq!(error("write"), "One of n= or duration= must be specified");
    assert_eq!(
        error("write n=1 duration=1s"),
        "Cannot specify both n= and duration="
    );
    assert_eq!(error("write n=1 -bogus x"), "Unrecognised option -bogus");
    assert_eq!(
        error("write n=1 -rate threads=1 -rate threads=2"),
        "-rate is defined multiple times"
    );
    assert_eq!(
        error("write n=1 cl=MOST"),
        "Invalid consistency level: MOST"
    );
    assert!(error("mixed n=1 ratio(write=1,delete=1)").contains("unknown operation delete"));
    assert!(
        error("user profile=x.yaml n=1 ops(insert=1) -schema keyspace=a")
            .contains("-schema can only be provided")
    );
    assert!(error("user n=1 ops(insert=1)").contains("profile="));
}
