import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryUsage, filesystemStats, parseKeyValues, parseNetDev, parseProcStatCpu, readNodeCpuNanos, readNodeMemory, workingSetBytes } from './host-stats.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-host-stats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MEMINFO = 'MemTotal:       1000 kB\nMemFree:         200 kB\nInactive(file):  100 kB\nAnonPages:        50 kB\n';

test('working set is usage minus inactive file pages, never negative', () => {
  assert.equal(workingSetBytes(1000, 300), 700);
  assert.equal(workingSetBytes(1000, 1000), 0);
  assert.equal(workingSetBytes(1000, 5000), 0);
});

test('/proc/stat busy time counts user, nice, system, irq, softirq and steal ticks', () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  assert.equal(parseProcStatCpu('cpu  100 1 50 9999 77 2 3 4 10 0\ncpu0 1 1 1 1\n'), (100 + 1 + 50 + 2 + 3 + 4) * 1e7);
  assert.equal(parseProcStatCpu('intr 1\n'), undefined);
});

test('key/value files: cgroup memory.stat in bytes, /proc/meminfo in kB', () => {
  assert.equal(parseKeyValues('total_inactive_file 4096\nrss 12\n').get('total_inactive_file'), 4096);
  const meminfo = parseKeyValues(MEMINFO);
  assert.equal(meminfo.get('MemTotal'), 1000 * 1024);
  assert.equal(meminfo.get('Inactive(file)'), 100 * 1024);
});

test('/proc/net/dev gives receive and transmit bytes and errors per interface', () => {
  const text = 'Inter-|   Receive  |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n' +
    '    lo:  500 5 0 0 0 0 0 0  500 5 0 0 0 0 0 0\n  eth0: 1234 10 2 0 0 0 0 0 5678 20 3 0 0 0 0 0\n';
  assert.deepEqual(parseNetDev(text), [
    { name: 'lo', rxBytes: 500, rxErrors: 0, txBytes: 500, txErrors: 0 },
    { name: 'eth0', rxBytes: 1234, rxErrors: 2, txBytes: 5678, txErrors: 3 },
  ]);
});

test('node CPU and memory come from the root cgroup when present, from /proc otherwise', async () => {
  const withCgroup = { procRoot: join(dir, 'proc'), cgroupRoot: join(dir, 'cgroup') };
  mkdirSync(join(dir, 'proc'), { recursive: true });
  mkdirSync(join(dir, 'cgroup', 'cpuacct'), { recursive: true });
  mkdirSync(join(dir, 'cgroup', 'memory'), { recursive: true });
  writeFileSync(join(dir, 'proc', 'stat'), 'cpu  100 0 100 0 0 0 0 0 0 0\nbtime 1700000000\n');
  writeFileSync(join(dir, 'proc', 'meminfo'), MEMINFO);
  assert.equal(await readNodeCpuNanos(withCgroup), 200 * 1e7, 'no cpuacct.usage: /proc/stat');
  writeFileSync(join(dir, 'cgroup', 'cpuacct', 'cpuacct.usage'), '987654321\n');
  assert.equal(await readNodeCpuNanos(withCgroup), 987654321);

  const fromMeminfo = await readNodeMemory(withCgroup);
  assert.deepEqual(fromMeminfo, { capacityBytes: 1024000, usageBytes: 800 * 1024, workingSetBytes: 700 * 1024, rssBytes: 50 * 1024 });
  writeFileSync(join(dir, 'cgroup', 'memory', 'memory.usage_in_bytes'), '500000\n');
  writeFileSync(join(dir, 'cgroup', 'memory', 'memory.stat'), 'inactive_file 1\ntotal_inactive_file 100000\ntotal_rss 300000\npgfault 7\ntotal_pgfault 70\ntotal_pgmajfault 2\n');
  assert.deepEqual(await readNodeMemory(withCgroup), { capacityBytes: 1024000, usageBytes: 500000, workingSetBytes: 400000, rssBytes: 300000, pageFaults: 70, majorPageFaults: 2 });
});

test('filesystem capacity through statfs and directory usage like du', async () => {
  const fs = await filesystemStats(dir, '2024-01-01T00:00:00Z');
  assert.ok(fs && fs.capacityBytes! > 0 && fs.availableBytes! <= fs.capacityBytes! && fs.inodes! > 0);
  assert.equal(await filesystemStats(join(dir, 'absent'), 'x'), undefined);
  mkdirSync(join(dir, 'logs', 'c'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'c', '0.log'), Buffer.alloc(64 * 1024, 1));
  const usage = await directoryUsage(join(dir, 'logs'));
  assert.equal(usage?.inodes, 3);
  assert.ok(usage!.bytes >= 64 * 1024);
  assert.equal(await directoryUsage(join(dir, 'absent')), undefined);
});
