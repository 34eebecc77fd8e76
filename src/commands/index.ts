/**
 * Every command family, gathered for the registry. Each family module exports
 * its CommandDef list; the registry binds them to Redis's metadata by name.
 */
import type { CommandDef } from './registry';
import { connectionCommands } from './connection';
import { clientCommands } from './client';
import { stringCommands } from './strings';
import { bitmapCommands } from './bitmaps';
import { hyperloglogCommands } from './hyperloglog';
import { keyCommands } from './keys';
import { serverCommands } from './server';
import { introspectionCommands } from './introspection';
import { pubsubCommands } from './pubsub';
import { transactionCommands } from './transactions';
import { listCommands } from './lists';
import { hashCommands } from './hashes';
import { setCommands } from './sets';
import { zsetCommands } from './zsets';
import { geoCommands } from './geo';
import { streamCommands } from './streams';
import { persistenceCommands } from './persistence';
import { aofCommands } from './aof';
import { clusterCommands } from './cluster';
import { replicationCommands } from './replication';

export function allCommands(): CommandDef[] {
  return [
    ...connectionCommands,
    ...clientCommands,
    ...stringCommands,
    ...bitmapCommands,
    ...hyperloglogCommands,
    ...keyCommands,
    ...serverCommands,
    ...introspectionCommands,
    ...pubsubCommands,
    ...transactionCommands,
    ...listCommands,
    ...hashCommands,
    ...setCommands,
    ...zsetCommands,
    ...geoCommands,
    ...streamCommands,
    ...persistenceCommands,
    ...aofCommands,
    ...clusterCommands,
    ...replicationCommands,
  ];
}
