//! A request served on its own shard vs one forwarded to another shard over
//! the mesh, measured on two pinned shards (cores 0 and 1).
//!
//! `cargo bench -p sibyl-server --bench forwarding`
//!
//! - `local`: `mesh.call(self)`; the job runs inline, the baseline.
//! - `forwarded, one at a time`: each call waits for its reply before the next
//!   is sent, so the target is often parked and pays a wake-up: the latency.
//! - `forwarded, 64 in flight`: 64 tasks call concurrently, the target's
//!   poller drains batches without parking: the throughput cost.

use std::rc::Rc;
use std::time::Instant;

use sibyl_server::shard::runtime::spawn_shard;
use sibyl_server::shard::{Mesh, ShardMesh, ShardSpec};

const ROUNDS: usize = 7;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

async fn time_calls(mesh: &Rc<ShardMesh>, target: usize, calls: usize, concurrency: usize) -> f64 {
    let started = Instant::now();
    let per_task = calls / concurrency;
    let tasks: Vec<_> = (0..concurrency)
        .map(|t| {
            let mesh = mesh.clone();
            glommio::spawn_local(async move {
                let mut sum = 0u64;
                for i in 0..per_task {
                    let x = (t * per_task + i) as u64;
                    sum = sum.wrapping_add(
                        mesh.call(target, move |_| async move { x * 2 })
                            .await
                            .expect("call"),
                    );
                }
                sum
            })
        })
        .collect();
    for task in tasks {
        std::hint::black_box(task.await);
    }
    started.elapsed().as_nanos() as f64 / (per_task * concurrency) as f64
}

fn main() {
    for idle_poll_us in [0u64, 200] {
        println!("\n== idle poll {idle_poll_us} µs (sibyl --idle-poll-time-us)");
        run(std::time::Duration::from_micros(idle_poll_us));
    }
}

fn run(idle_poll: std::time::Duration) {
    let cpus = sibyl_server::shard::runtime::allowed_cpus();
    let mut endpoints = Mesh::build(2, 4096).into_iter();
    let (e0, e1) = (
        endpoints.next().expect("shard 0"),
        endpoints.next().expect("shard 1"),
    );
    let (done_tx, done_rx) = flume::bounded::<()>(1);
    let spec = |id: usize| ShardSpec {
        id,
        cpu: cpus.get(id % cpus.len()).copied(),
        idle_poll,
    };
    let peer = spawn_shard(spec(1), move || async move {
        let mesh = ShardMesh::new(e1);
        let poller = glommio::spawn_local(mesh.clone().run_poller());
        let _ = done_rx.recv_async().await;
        mesh.stop();
        poller.await;
    })
    .expect("shard 1");
    let driver = spawn_shard(spec(0), move || async move {
        let mesh = ShardMesh::new(e0);
        let poller = glommio::spawn_local(mesh.clone().run_poller());
        let cases: [(&str, usize, usize, usize); 3] = [
            ("local", 0, 1_000_000, 1),
            ("forwarded, one at a time", 1, 50_000, 1),
            ("forwarded, 64 in flight", 1, 500_000, 64),
        ];
        println!("{:<28} {:>12} {:>12}", "case", "median ns/op", "min ns/op");
        for (name, target, calls, concurrency) in cases {
            time_calls(&mesh, target, calls / 10, concurrency).await; // warm-up
            let mut samples = Vec::new();
            for _ in 0..ROUNDS {
                samples.push(time_calls(&mesh, target, calls, concurrency).await);
            }
            let min = samples.iter().copied().fold(f64::MAX, f64::min);
            println!("{name:<28} {:>12.0} {:>12.0}", median(samples), min);
        }
        println!(
            "shard 0 mesh: calls_sent={} parks={} polls_with_messages={}",
            mesh.stats.calls_sent.get(),
            mesh.stats.parks.get(),
            mesh.stats.polls_with_messages.get()
        );
        let _ = done_tx.send_async(()).await;
        mesh.stop();
        poller.await;
    })
    .expect("shard 0");
    driver.join().expect("driver");
    peer.join().expect("peer");
}
