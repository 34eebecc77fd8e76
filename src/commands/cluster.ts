/**
 * Cluster commands on a standalone server. Cinnabar has no cluster mode, so,
 * as Redis 7.0 does with cluster-enabled no, every CLUSTER subcommand and
 * READONLY / READWRITE / ASKING answer that cluster support is disabled. They
 * are registered (rather than left unknown) so that arity errors, unknown
 * subcommands, MULTI queueing, COMMAND and the error text operators and
 * cluster-aware clients see are Redis's.
 */
import type { Client } from '../server/client';
import type { CommandDef } from './registry';

function clusterDisabled(c: Client): void {
  c.error('ERR This instance has cluster support disabled');
}

const SUBCOMMANDS = [
  'addslots', 'addslotsrange', 'bumpepoch', 'count-failure-reports', 'countkeysinslot', 'delslots', 'delslotsrange',
  'failover', 'flushslots', 'forget', 'getkeysinslot', 'help', 'info', 'keyslot', 'links', 'meet', 'myid', 'nodes',
  'replicas', 'replicate', 'reset', 'saveconfig', 'set-config-epoch', 'setslot', 'shards', 'slaves', 'slots',
];

export const clusterCommands: CommandDef[] = [
  ...SUBCOMMANDS.map((sub) => ({ name: `cluster|${sub}`, handler: clusterDisabled })),
  { name: 'readonly', handler: clusterDisabled },
  { name: 'readwrite', handler: clusterDisabled },
  { name: 'asking', handler: clusterDisabled },
];
