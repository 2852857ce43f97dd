import { readFile } from 'node:fs/promises';
import { Client, type ClientPlugin, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../env.js';
import { searchAttributeKeys } from './search-attributes.js';

type TemporalConfig = Config['temporal'];

async function tlsOptions(cfg: TemporalConfig): Promise<ConnectionOptions['tls']> {
  if (!cfg.tls) return undefined;
  const { certPath, keyPath, serverName } = cfg.tls;
  return {
    serverNameOverride: serverName,
    clientCertPair: certPath && keyPath ? { crt: await readFile(certPath), key: await readFile(keyPath) } : undefined,
  };
}

/** Options shared by the client and the worker: address, TLS and Temporal Cloud API key. */
async function connectionOptions(cfg: TemporalConfig, address: string) {
  return { address, tls: await tlsOptions(cfg), apiKey: cfg.apiKey };
}

/** `plugins`: tracing's, when it is on (src/observability/tracing.ts). */
export async function connectClient(cfg: TemporalConfig, address: string, plugins: ClientPlugin[] = []): Promise<Client> {
  const connection = await Connection.connect(await connectionOptions(cfg, address));
  return new Client({ connection, namespace: cfg.namespace, plugins });
}

export async function connectWorker(cfg: TemporalConfig, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(await connectionOptions(cfg, address));
}

/**
 * Registers the custom search attributes when the namespace lacks them. The embedded dev server is
 * started with them already; on Temporal Cloud the API key may not be allowed to, which is reported.
 */
export async function ensureSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeKeys.filter((k) => !customAttributes?.[k.name]);
  if (missing.length)
    await addSearchAttributes(
      connection,
      namespace,
      missing.map((k) => k.name),
    );
}

/** Adds Keyword search attributes outright (the time-skipping test server cannot list them). */
export async function addSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
  names: string[] = searchAttributeKeys.map((k) => k.name),
): Promise<void> {
  const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(names.map((name) => [name, KEYWORD])),
  });
}
