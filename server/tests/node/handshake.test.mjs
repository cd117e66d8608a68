// The Node.js cassandra-driver against the real `sibyl` binary. The driver
// sends STARTUP first at protocol 0x42 (DSE), is refused with ERROR 0x000A
// in a v4 header, retries with v4, and must then reach its first
// `system.local` query and get the server's clean error (not a hang).
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
    '--native-shard-aware-transport-port', '0'], { env: { ...process.env, SIBYL_LOG: 'debug' } });
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

test('node driver negotiates v4 and gets a clean error for its first query', async () => {
  const node = await startNode();
  const client = new cassandra.Client({
    contactPoints: [`127.0.0.1:${node.port}`],
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 5000, readTimeout: 5000 },
  });
  const logs = [];
  client.on('log', (level, className, message) => logs.push(`${level} ${className} ${message}`));
  const started = Date.now();
  try {
    await assert.rejects(client.connect(), (err) => {
      const text = `${err.message} ${JSON.stringify(err.innerErrors ?? {})}`;
      assert.match(text, /not implemented yet/, text);
      return true;
    });
    assert.ok(Date.now() - started < 15000, 'the driver took too long: a hang, not an answer');
    assert.ok(logs.some((l) => /protocol version 4|v4|protocolVersion.?4|version 4/i.test(l)),
      `no sign of v4 in the driver log:\n${logs.join('\n')}`);
    assert.match(node.log(), /unsupported protocol version \(66\)/i);
  } finally {
    await client.shutdown().catch(() => {});
    node.stop();
  }
});
