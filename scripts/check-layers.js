#!/usr/bin/env node
// Enforces the layering of ARCHITECTURE.md: each folder under src/ may import only from the layers
// below it; only src/cli wires across layers (src/grpc sits between api and its users, storage and
// kubelet). Exits non-zero listing every violating import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const ALLOWED = {
  api: ['api'],
  // The shared gRPC client and protobuf writer: below storage (etcd writes) and kubelet (CRI, probes).
  grpc: ['api', 'grpc'],
  storage: ['api', 'grpc', 'storage'],
  apiserver: ['api', 'storage', 'apiserver'],
  client: ['api', 'client'],
  machinery: ['api', 'client', 'machinery'],
  controllers: ['api', 'client', 'machinery', 'controllers'],
  scheduler: ['api', 'client', 'machinery', 'scheduler'],
  kubelet: ['api', 'grpc', 'client', 'machinery', 'kubelet'],
  proxy: ['api', 'client', 'machinery', 'proxy'],
  dns: ['api', 'client', 'machinery', 'dns'],
  ingress: ['api', 'client', 'machinery', 'ingress'],
  cli: null,
};

const root = resolve(import.meta.dirname, '..', 'src');
const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) check(path);
  }
}
function check(file) {
  const layer = relative(root, file).split('/')[0];
  const allowed = ALLOWED[layer];
  if (allowed === null) return;
  if (allowed === undefined) return problems.push(`${relative(root, file)}: folder src/${layer} is not in the layer table`);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/from\s+'(\.[^']+)'/g)) {
    const target = relative(root, resolve(dirname(file), match[1])).split('/')[0];
    if (!allowed.includes(target)) problems.push(`${relative(root, file)} imports ${match[1]} (src/${layer} may use ${allowed.join(', ')})`);
  }
}
walk(root);
if (problems.length) {
  console.error(`layering violations:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layers ok');
