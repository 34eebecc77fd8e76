/**
 * Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
 * SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB's introspection
 * subcommands, as a standalone (non-cluster) Redis 7.0 answers them.
 *
 * Every (un)subscription is confirmed with its own reply carrying the
 * client's subscription count: channels plus patterns for the classic
 * commands, shard channels for the S* ones.
 */
import type { Client } from '../server/client';
import type { SubKind } from '../server/pubsub';
import type { CommandDef } from './registry';
import { replyHelp } from './args';

/** A client that must get one reply per command (inside EXEC or a script). */
function denyBlocking(c: Client): boolean {
  return c.server.execDepth > 0;
}

function countOf(c: Client, kind: SubKind): number {
  return kind === 'shard' ? c.server.pubsub.shardCount(c) : c.server.pubsub.count(c);
}

function subscribeGeneric(c: Client, argv: string[], kind: SubKind, event: string): void {
  const ps = c.server.pubsub;
  for (let i = 1; i < argv.length; i++) {
    ps.add(c, kind, argv[i]);
    ps.confirm(c, event, argv[i], countOf(c, kind));
  }
}

function unsubscribeGeneric(c: Client, argv: string[], kind: SubKind, event: string): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) {
    const mine = kind === 'channel' ? c.channels : kind === 'pattern' ? c.patterns : c.shardChannels;
    if (mine.size === 0) {
      ps.confirm(c, event, null, countOf(c, kind));
      return;
    }
    for (const name of [...mine]) {
      ps.remove(c, kind, name);
      ps.confirm(c, event, name, countOf(c, kind));
    }
    return;
  }
  for (let i = 1; i < argv.length; i++) {
    ps.remove(c, kind, argv[i]);
    ps.confirm(c, event, argv[i], countOf(c, kind));
  }
}

function subscribe(c: Client, argv: string[]): void {
  // MULTI keeps its old right to subscribe.
  if (denyBlocking(c) && c.multi === null) {
    c.error("ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  subscribeGeneric(c, argv, 'channel', 'subscribe');
}

function psubscribe(c: Client, argv: string[]): void {
  if (denyBlocking(c) && c.multi === null) {
    c.error("ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  subscribeGeneric(c, argv, 'pattern', 'psubscribe');
}

function ssubscribe(c: Client, argv: string[]): void {
  if (denyBlocking(c)) {
    c.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  subscribeGeneric(c, argv, 'shard', 'ssubscribe');
}

function unsubscribe(c: Client, argv: string[]): void {
  unsubscribeGeneric(c, argv, 'channel', 'unsubscribe');
}

function punsubscribe(c: Client, argv: string[]): void {
  unsubscribeGeneric(c, argv, 'pattern', 'punsubscribe');
}

function sunsubscribe(c: Client, argv: string[]): void {
  unsubscribeGeneric(c, argv, 'shard', 'sunsubscribe');
}

function publish(c: Client, argv: string[]): void {
  c.w.int(c.server.pubsub.publish(argv[1], argv[2]));
}

function spublish(c: Client, argv: string[]): void {
  c.w.int(c.server.pubsub.publish(argv[1], argv[2], true));
}

/** addReplySubcommandSyntaxError */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

function channelsGeneric(c: Client, argv: string[], shard: boolean): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  c.w.bulks(c.server.pubsub.activeChannels(argv.length === 3 ? argv[2] : null, shard));
}

function numsubGeneric(c: Client, argv: string[], shard: boolean): void {
  const ps = c.server.pubsub;
  c.w.arr((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.w.bulk(argv[i]);
    c.w.int(ps.numSub(argv[i], shard));
  }
}

function pubsubChannels(c: Client, argv: string[]): void {
  channelsGeneric(c, argv, false);
}

function pubsubShardChannels(c: Client, argv: string[]): void {
  channelsGeneric(c, argv, true);
}

function pubsubNumsub(c: Client, argv: string[]): void {
  numsubGeneric(c, argv, false);
}

function pubsubShardNumsub(c: Client, argv: string[]): void {
  numsubGeneric(c, argv, true);
}

function pubsubNumpat(c: Client): void {
  c.w.int(c.server.pubsub.patterns.size);
}

function pubsubHelp(c: Client): void {
  replyHelp(c, 'PUBSUB', [
    'CHANNELS [<pattern>]',
    "    Return the currently active channels matching a <pattern> (default: '*').",
    'NUMPAT',
    '    Return number of subscriptions to patterns.',
    'NUMSUB [<channel> ...]',
    '    Return the number of subscribers for the specified channels, excluding',
    '    pattern subscriptions(default: no channels).',
    'SHARDCHANNELS [<pattern>]',
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    'SHARDNUMSUB [<shardchannel> ...]',
    '    Return the number of subscribers for the specified shard level channel(s)',
  ]);
}

export const pubsubCommands: CommandDef[] = [
  { name: 'subscribe', handler: subscribe },
  { name: 'unsubscribe', handler: unsubscribe },
  { name: 'psubscribe', handler: psubscribe },
  { name: 'punsubscribe', handler: punsubscribe },
  { name: 'ssubscribe', handler: ssubscribe },
  { name: 'sunsubscribe', handler: sunsubscribe },
  { name: 'publish', handler: publish },
  { name: 'spublish', handler: spublish },
  { name: 'pubsub|channels', handler: pubsubChannels },
  { name: 'pubsub|numsub', handler: pubsubNumsub },
  { name: 'pubsub|numpat', handler: pubsubNumpat },
  { name: 'pubsub|shardchannels', handler: pubsubShardChannels },
  { name: 'pubsub|shardnumsub', handler: pubsubShardNumsub },
  { name: 'pubsub|help', handler: pubsubHelp },
];
