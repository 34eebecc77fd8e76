#!/usr/bin/env node
// Captures the command table of a running Redis 7.0 (COMMAND INFO + COMMAND DOCS
// over RESP3) into src/commands/meta/redis-commands.json. The JSON is data about
// Redis's interface; Cinnabar's registry reads it and binds handlers by name.
// usage: node scripts/capture-command-meta.js [port]
'use strict';
const net = require('net');
const fs = require('fs');
const path = require('path');

const port = Number(process.argv[2] || 6379);

// Minimal RESP3 reader that keeps the type of every node.
function parse(buf, pos) {
  const t = String.fromCharCode(buf[pos]);
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const line = buf.toString('latin1', pos + 1, eol);
  let p = eol + 2;
  switch (t) {
    case '+': return [{ t: 'simple', v: line }, p];
    case '-': return [{ t: 'error', v: line }, p];
    case ':': return [{ t: 'int', v: Number(line) }, p];
    case '_': return [{ t: 'null' }, p];
    case '$': case '=': {
      const n = Number(line);
      if (n < 0) return [{ t: 'null' }, p];
      if (buf.length < p + n + 2) return null;
      const v = buf.toString('latin1', t === '=' ? p + 4 : p, p + n);
      return [{ t: 'bulk', v }, p + n + 2];
    }
    case '*': case '~': case '%': {
      let n = Number(line);
      if (t === '%') n *= 2;
      const items = [];
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return null;
        items.push(r[0]); p = r[1];
      }
      return [{ t: t === '*' ? 'array' : t === '~' ? 'set' : 'map', v: items }, p];
    }
    default: throw new Error('unexpected type ' + t);
  }
}

function request(sock, args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  sock.write(s);
}

function readReplies(sock, count) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out = [];
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parse(buf, 0);
        if (!r) break;
        out.push(r[0]);
        buf = buf.subarray(r[1]);
        if (out.length === count) { resolve(out); sock.end(); return; }
      }
    });
    sock.on('error', reject);
  });
}

const plain = (n) => (n.t === 'array' || n.t === 'set') ? n.v.map(plain) : n.t === 'map' ? mapOf(n) : n.v;
function mapOf(n) {
  const o = {};
  for (let i = 0; i < n.v.length; i += 2) o[n.v[i].v] = plain(n.v[i + 1]);
  return o;
}

function keySpec(n) {
  const m = mapOf(n);
  const ks = {};
  if (m.notes !== undefined) ks.notes = m.notes;
  ks.flags = m.flags;
  ks.beginSearch = { type: m.begin_search.type, spec: m.begin_search.spec };
  ks.findKeys = { type: m.find_keys.type, spec: m.find_keys.spec };
  return ks;
}

function info(n) {
  const [name, arity, flags, first, last, step, acl, tips, specs, subs] = n.v;
  const c = {
    arity: arity.v, flags: flags.v.map((x) => x.v), firstKey: first.v, lastKey: last.v, step: step.v,
    aclCategories: acl.v.map((x) => x.v), tips: tips.v.map((x) => x.v), keySpecs: specs.v.map(keySpec),
  };
  if (subs.v.length) {
    c.subcommands = {};
    for (const s of [...subs.v].sort((a, b) => (a.v[0].v < b.v[0].v ? -1 : 1))) c.subcommands[s.v[0].v] = info(s)[1];
  }
  return [name.v, c];
}

function docs(n) {
  const m = {};
  for (let i = 0; i < n.v.length; i += 2) {
    const k = n.v[i].v, v = n.v[i + 1];
    if (k === 'subcommands') {
      m.subcommands = {};
      for (let j = 0; j < v.v.length; j += 2) m.subcommands[v.v[j].v] = docs(v.v[j + 1]);
    } else m[k] = plain(v);
  }
  return m;
}

(async () => {
  const sock = net.createConnection(port, '127.0.0.1');
  const done = readReplies(sock, 4);
  request(sock, ['HELLO', '3']);
  request(sock, ['COMMAND', 'INFO']);
  request(sock, ['COMMAND', 'DOCS']);
  request(sock, ['INFO', 'server']);
  const [, infoReply, docsReply, server] = await done;
  const version = /redis_version:(\S+)/.exec(server.v)[1];
  const table = {};
  for (const n of infoReply.v) { const [name, c] = info(n); table[name] = c; }
  for (let i = 0; i < docsReply.v.length; i += 2) {
    const name = docsReply.v[i].v;
    const d = docs(docsReply.v[i + 1]);
    const attach = (c, d) => {
      const { subcommands, ...rest } = d;
      c.docs = rest;
      if (subcommands) for (const s of Object.keys(subcommands)) attach(c.subcommands[s], subcommands[s]);
    };
    attach(table[name], d);
  }
  const sorted = {};
  for (const k of Object.keys(table).sort()) sorted[k] = table[k];
  const file = path.join(__dirname, '..', 'src', 'commands', 'meta', 'redis-commands.json');
  // One command a line keeps diffs readable.
  const lines = Object.keys(sorted).map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(sorted[k])}`);
  fs.writeFileSync(file, `{\n "redisVersion": ${JSON.stringify(version)},\n "commands": {\n${lines.join(',\n')}\n }\n}\n`);
  console.log(`wrote ${Object.keys(sorted).length} commands from Redis ${version} to ${file}`);
})();
