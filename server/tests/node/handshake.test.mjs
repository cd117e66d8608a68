// The Node.js cassandra-driver against the real `sibyl` binary. The driver
// sends STARTUP first at protocol 0x42 (DSE), is refused with ERROR 0x000A
// in a v4 header, retries with v4, reads the system tables, and then runs
// DDL, prepared writes and reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';

const bin = process.env.SIBYL_BIN ?? new URL('../../../target/debug/sibyl', import.meta.url).pathname;

function startNode() {
  const workdir = mkdtempSync(join(tmpdir(), 'sibyl-node-'));
  const child = spawn(bin, ['--workdir', workdir, '--smp', '2', '--native-transport-port', '0',
    '--native-shard-aware-transport-port', '0', '--api-port', '0'], { env: { ...process.env, SIBYL_LOG: 'debug' } });
  const lines = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('sibyl did not start')); }, 20000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      lines.push(...chunk.split('\n'));
      const line = lines.find((l) => l.includes(' started in '));
      if (line) {
        clearTimeout(timer);
        const port = Number(/CQL on 127\.0\.0\.1:(\d+)/.exec(line)[1]);
        resolve({
          port,
          log: () => lines.join('\n'),
          stop: () => { child.kill('SIGKILL'); rmSync(workdir, { recursive: true, force: true }); },
        });
      }
    });
  });
}

test('node driver negotiates v4, connects and runs statements', async () => {
  const node = await startNode();
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${node.port}`],
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 5000, readTimeout: 10000 },
  });
  try {
    await client.connect();
    assert.equal(client.controlConnection.protocolVersion, 4);
    const local = await client.execute('SELECT release_version, data_center FROM system.local');
    assert.equal(local.first().release_version, '5.0.0');
    assert.equal(local.first().data_center, 'datacenter1');
    await client.execute("CREATE KEYSPACE nk WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('CREATE TABLE nk.t (k text PRIMARY KEY, n int)');
    for (let i = 0; i < 20; i++) {
      await client.execute('INSERT INTO nk.t (k, n) VALUES (?, ?)', [`k${i}`, i], { prepare: true });
    }
    const row = await client.execute('SELECT n FROM nk.t WHERE k = ?', ['k7'], { prepare: true });
    assert.equal(row.first().n, 7);
    const all = await client.execute('SELECT k FROM nk.t', [], { fetchSize: 6 });
    let count = all.rowLength;
    let page = all;
    while (page.pageState) {
      page = await client.execute('SELECT k FROM nk.t', [], { fetchSize: 6, pageState: page.pageState });
      count += page.rowLength;
    }
    assert.equal(count, 20);
    assert.match(node.log(), /unsupported protocol version \(66\)/i);
  } finally {
    await client.shutdown().catch(() => {});
    node.stop();
  }
});
