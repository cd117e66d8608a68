//! Scheduler tests: dispatch order by shares, foreground priority over a
//! backlog of background work, the in-flight bound, no starvation of
//! compaction under constant foreground load, and classes reaching the
//! scheduler through scopes, spawned writer tasks and classed disks, on the
//! simulated disk.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use super::{IoClass, IoKind, IoProperties, IoScheduler, SchedDisk, SchedulerConfig, classed};
use crate::io::Disk;
use crate::io::sim::{FaultConfig, SimDisk};
use crate::io::writer::AlignedWriter;
use crate::testing::run;

/// A disk where a 4 KiB request costs ~100 µs + 4 µs, a 128 KiB one ~230 µs.
fn config(latency_goal_us: u64) -> SchedulerConfig {
    SchedulerConfig {
        properties: IoProperties {
            read_iops: 10_000,
            read_bandwidth_bytes_per_s: 1_000_000_000,
            write_iops: 10_000,
            write_bandwidth_bytes_per_s: 1_000_000_000,
        },
        latency_goal: Duration::from_micros(latency_goal_us),
        // Most tests check the fully queued mode; see
        // `foreground_goes_at_once_unless_queued`.
        queue_foreground: true,
        ..SchedulerConfig::default()
    }
}

/// A 1 MiB scheduled file on a simulated disk whose requests take up to
/// `latency_us_max`, under a scheduler with `latency_goal_us`.
async fn slow_file(
    latency_goal_us: u64,
    seed: u64,
    latency_us_max: u64,
) -> (Rc<IoScheduler>, Rc<dyn crate::io::File>) {
    let scheduler = Rc::new(IoScheduler::new(config(latency_goal_us)));
    let disk = Rc::new(SimDisk::new(seed));
    let path = Path::new("/sim/data");
    let raw = disk.create(path).await.unwrap();
    raw.write_at(&vec![seed as u8; 1 << 20], 0).await.unwrap();
    disk.set_faults(FaultConfig {
        latency_us_max,
        ..FaultConfig::default()
    });
    let sched_disk = SchedDisk::new(disk, Rc::clone(&scheduler));
    let file = sched_disk.open(path, false).await.unwrap();
    (scheduler, file)
}

/// Queues `per_class` requests of each class behind a held permit per
/// group, then lets them go one by one; returns the dispatch order.
async fn dispatch_order(
    scheduler: Rc<IoScheduler>,
    classes: &[IoClass],
    per_class: usize,
) -> Vec<IoClass> {
    let order = Rc::new(RefCell::new(Vec::new()));
    let fg = scheduler.acquire(IoClass::Read, IoKind::Read, 4096).await;
    let bg = scheduler.acquire(IoClass::Flush, IoKind::Read, 4096).await;
    let mut tasks = Vec::new();
    for _ in 0..per_class {
        for &class in classes {
            let (scheduler, order) = (Rc::clone(&scheduler), Rc::clone(&order));
            tasks.push(glommio::spawn_local(async move {
                let _permit = scheduler.acquire(class, IoKind::Read, 4096).await;
                order.borrow_mut().push(class);
            }));
        }
    }
    futures_lite::future::yield_now().await;
    let queued: u64 = scheduler.stats().iter().map(|s| s.queued).sum();
    assert_eq!(queued as usize, per_class * classes.len());
    drop((fg, bg));
    for task in tasks {
        task.await;
    }
    order.take()
}

#[test]
fn shares_divide_dispatches_between_queued_classes() {
    run(|| async {
        // A goal below one request's cost: one request per group at a time.
        let scheduler = Rc::new(IoScheduler::new(config(1)));
        let order = dispatch_order(scheduler, &[IoClass::Flush, IoClass::Compaction], 40).await;
        // Flush has 400 shares, compaction 100: 4 flushes per compaction
        // while both are queued.
        let count = |order: &[IoClass], n: usize, class: IoClass| {
            order.iter().take(n).filter(|&&c| c == class).count()
        };
        let compactions = count(&order, 25, IoClass::Compaction);
        assert!((4..=6).contains(&compactions), "order: {order:?}");
        assert_eq!(order.len(), 80);
        // Once flush has drained, compaction takes the rest.
        assert!(order.iter().skip(60).all(|&c| c == IoClass::Compaction));

        let scheduler = Rc::new(IoScheduler::new(config(1)));
        let order = dispatch_order(scheduler, &[IoClass::Read, IoClass::Commitlog], 10).await;
        // Equal shares take turns.
        let reads = count(&order, 10, IoClass::Read);
        assert!((4..=6).contains(&reads), "order: {order:?}");
    });
}

#[test]
fn foreground_requests_pass_a_background_backlog() {
    run(|| async {
        let scheduler = Rc::new(IoScheduler::new(config(1000)));
        let done = Rc::new(Cell::new(0u32));
        // 64 compaction writes of 128 KiB (~230 µs each) want ~15 ms of device.
        let hold = scheduler
            .acquire(IoClass::Compaction, IoKind::Write, 128 << 10)
            .await;
        let mut background = Vec::new();
        for _ in 0..64 {
            let (scheduler, done) = (Rc::clone(&scheduler), Rc::clone(&done));
            background.push(glommio::spawn_local(async move {
                let _permit = scheduler
                    .acquire(IoClass::Compaction, IoKind::Write, 128 << 10)
                    .await;
                glommio::timer::sleep(Duration::from_millis(1)).await;
                done.set(done.get() + 1);
            }));
        }
        futures_lite::future::yield_now().await;
        // One more fits the background budget beside the held one.
        assert_eq!(scheduler.stats()[IoClass::Compaction as usize].queued, 63);
        // A read goes at once, ahead of all of them, and so do reads that
        // fit the half of the budget background work may not use.
        let reads: Vec<_> = (0..4)
            .map(|_| scheduler.acquire(IoClass::Read, IoKind::Read, 4096))
            .collect();
        let mut permits = Vec::new();
        for read in reads {
            permits.push(read.await);
        }
        let read_stats = scheduler.stats()[IoClass::Read as usize];
        assert_eq!(read_stats.dispatched, 4);
        assert_eq!(done.get(), 0, "no compaction had to finish first");
        drop((permits, hold));
        for task in background {
            task.await;
        }
        let compaction = scheduler.stats()[IoClass::Compaction as usize];
        assert_eq!(compaction.dispatched, 65);
        assert_eq!(compaction.in_flight, 0);
        assert_eq!(scheduler.in_flight_cost_ns(), 0);
    });
}

#[test]
fn device_time_in_flight_stays_within_the_goal() {
    run(|| async {
        let (scheduler, file) = slow_file(1000, 7, 300).await;
        let max_seen = Rc::new(Cell::new(0u64));
        let mut tasks = Vec::new();
        for i in 0..48u64 {
            let class = IoClass::ALL[(i % 4) as usize];
            let (file, scheduler, max_seen) = (
                Rc::clone(&file),
                Rc::clone(&scheduler),
                Rc::clone(&max_seen),
            );
            tasks.push(glommio::spawn_local(class.scope(async move {
                for round in 0..10u64 {
                    let len = if class.is_background() {
                        128 << 10
                    } else {
                        4096
                    };
                    let pos = ((i * 7 + round) % 8) * (128 << 10);
                    assert_eq!(file.read_at(pos, len).await.unwrap().len(), len);
                    max_seen.set(max_seen.get().max(scheduler.in_flight_cost_ns()));
                }
            })));
        }
        for task in tasks {
            task.await;
        }
        let stats = scheduler.stats();
        for class in IoClass::ALL {
            assert_eq!(stats[class as usize].dispatched, 120, "{class:?}");
        }
        // The goal, plus the one request a group may always have in flight.
        let one_big = scheduler.cost_ns(IoKind::Read, 128 << 10);
        assert!(
            max_seen.get() <= 1_000_000 + one_big,
            "in flight {} ns",
            max_seen.get()
        );
        assert!(stats[IoClass::Compaction as usize].delayed > 0);
    });
}

#[test]
fn compaction_progresses_under_constant_foreground_load() {
    run(|| async {
        let (scheduler, file) = slow_file(500, 11, 200).await;
        let stop = Rc::new(Cell::new(false));
        let mut readers = Vec::new();
        // Far more foreground demand than the budget holds.
        for _ in 0..64 {
            let (file, stop) = (Rc::clone(&file), Rc::clone(&stop));
            readers.push(glommio::spawn_local(async move {
                while !stop.get() {
                    file.read_at(8192, 4096).await.unwrap();
                }
            }));
        }
        let compacted = IoClass::Compaction
            .scope(async {
                for i in 0..20u64 {
                    file.read_at((i % 8) * (128 << 10), 128 << 10)
                        .await
                        .unwrap();
                }
                20
            })
            .await;
        stop.set(true);
        for task in readers {
            task.await;
        }
        assert_eq!(compacted, 20);
        let stats = scheduler.stats();
        assert_eq!(stats[IoClass::Compaction as usize].dispatched, 20);
        assert!(stats[IoClass::Read as usize].delayed > 0, "reads queued");
    });
}

#[test]
fn classes_follow_scopes_writer_tasks_and_classed_disks() {
    run(|| async {
        let scheduler = Rc::new(IoScheduler::new(SchedulerConfig::default()));
        let data: Rc<dyn Disk> = Rc::new(SchedDisk::new(
            Rc::new(SimDisk::new(3)),
            Rc::clone(&scheduler),
        ));
        let log_disk = classed(&data, IoClass::Commitlog);
        let log = log_disk.create(Path::new("/sim/log")).await.unwrap();
        log.write_at(&[0u8; 4096], 0).await.unwrap();
        log.sync().await.unwrap();
        // A 1 MiB flush through the write-behind writer: its block writes
        // run in spawned tasks and must still count as flush.
        IoClass::Flush
            .scope(async {
                let file = data.create(Path::new("/sim/sst")).await.unwrap();
                let mut writer = AlignedWriter::new(file, 256 << 10);
                writer.write(&vec![3u8; 1 << 20]).await.unwrap();
                writer.finish().await.unwrap();
            })
            .await;
        let file = data.open(Path::new("/sim/sst"), false).await.unwrap();
        // A foreground read of 300 KiB is split at 128 KiB boundaries.
        let bytes = file.read_at(100, 300 << 10).await.unwrap();
        assert_eq!(bytes.len(), 300 << 10);
        assert!(bytes.iter().all(|&b| b == 3));
        IoClass::Compaction
            .scope(file.read_at(0, 4096))
            .await
            .unwrap();
        assert_eq!(IoClass::current(), None, "a scope ends with its future");
        let stats = scheduler.stats();
        let of = |c: IoClass| stats[c as usize];
        assert_eq!(of(IoClass::Commitlog).dispatched, 2);
        // 1 MiB in 128 KiB pieces, plus the final sync.
        assert_eq!(of(IoClass::Flush).dispatched, 9);
        assert_eq!(of(IoClass::Flush).bytes, 1 << 20);
        assert_eq!(of(IoClass::Read).dispatched, 3);
        assert_eq!(of(IoClass::Read).bytes, 300 << 10);
        assert_eq!(of(IoClass::Compaction).dispatched, 1);
    });
}

#[test]
fn a_cancelled_wait_leaves_the_queue() {
    run(|| async {
        let scheduler = IoScheduler::new(config(1));
        let held = scheduler.acquire(IoClass::Flush, IoKind::Write, 4096).await;
        {
            let mut waiting = Box::pin(scheduler.acquire(IoClass::Flush, IoKind::Write, 4096));
            let polled = futures_lite::future::poll_once(waiting.as_mut()).await;
            assert!(polled.is_none());
            assert_eq!(scheduler.stats()[IoClass::Flush as usize].queued, 1);
        }
        assert_eq!(scheduler.stats()[IoClass::Flush as usize].queued, 0);
        drop(held);
        assert_eq!(scheduler.in_flight_cost_ns(), 0);
        // The freed slot is reused and the next request goes at once.
        let again = scheduler.acquire(IoClass::Flush, IoKind::Write, 4096).await;
        assert_eq!(scheduler.stats()[IoClass::Flush as usize].dispatched, 2);
        drop(again);
    });
}

#[test]
fn foreground_goes_at_once_unless_queued() {
    run(|| async {
        // The production default: foreground never waits in our queue, and
        // background gets only what foreground leaves of the goal.
        let scheduler = Rc::new(IoScheduler::new(SchedulerConfig {
            queue_foreground: false,
            ..config(1000)
        }));
        // Foreground far beyond the 1 ms goal: 40 reads of 128 KiB (~230 µs each).
        let mut reads = Vec::new();
        for _ in 0..40 {
            reads.push(
                scheduler
                    .acquire(IoClass::Read, IoKind::Read, 128 << 10)
                    .await,
            );
        }
        let stats = scheduler.stats();
        assert_eq!(stats[IoClass::Read as usize].dispatched, 40);
        assert_eq!(stats[IoClass::Read as usize].delayed, 0);
        assert!(scheduler.in_flight_cost_ns() > 1_000_000);
        // A compaction request still gets its one always-allowed slot...
        let first = scheduler
            .acquire(IoClass::Compaction, IoKind::Read, 128 << 10)
            .await;
        // ...but a second one waits while foreground fills the goal.
        let (scheduler2, done) = (Rc::clone(&scheduler), Rc::new(Cell::new(false)));
        let done2 = Rc::clone(&done);
        let second = glommio::spawn_local(async move {
            let _permit = scheduler2
                .acquire(IoClass::Compaction, IoKind::Read, 128 << 10)
                .await;
            done2.set(true);
        });
        futures_lite::future::yield_now().await;
        assert!(
            !done.get(),
            "background waits while foreground fills the goal"
        );
        drop(reads);
        drop(first);
        second.await;
        assert!(done.get());
    });
}
