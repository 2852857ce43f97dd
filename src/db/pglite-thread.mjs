// PGlite on a thread of its own (see pglite-remote.ts): the database's WebAssembly runs beside the main
// thread, which keeps the API, the Temporal worker and the SMTP capture. Plain JavaScript so that it loads
// the same way under tsx, vitest and node.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const identity = (value) => value;
const db = new PGlite(workerData.dataDir);
const { scopeStatement } = workerData;
/** Open transactions by id: each holds PGlite's transaction until the main thread ends it. */
const transactions = new Map();

function serializeError(err) {
  const plain = { message: err?.message ?? String(err), name: err?.name ?? 'Error' };
  for (const [k, v] of Object.entries(err ?? {})) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) plain[k] = v;
  return plain;
}

function options(msg) {
  if (!msg.rowMode && !msg.rawTypes) return undefined;
  return {
    ...(msg.rowMode ? { rowMode: msg.rowMode } : {}),
    ...(msg.rawTypes ? { parsers: Object.fromEntries(msg.rawTypes.map((oid) => [oid, identity])) } : {}),
  };
}

/**
 * A statement of a transaction runs in it; one outside runs alone, or — scoped to a workspace — in a
 * transaction of its own that sets the workspace and the application's role first (src/db/workspace.ts).
 */
function within(msg, run) {
  if (msg.tx !== undefined) {
    const open = transactions.get(msg.tx);
    if (!open) throw new Error(`transaction ${msg.tx} is not open`);
    return run(open.tx);
  }
  if (typeof msg.scope !== 'string') return run(db);
  return db.transaction(async (tx) => {
    await tx.query(scopeStatement, [msg.scope]);
    return run(tx);
  });
}

async function handle(msg) {
  switch (msg.op) {
    case 'query': {
      const { rows, fields, affectedRows } = await within(msg, (target) => target.query(msg.sql, msg.params, options(msg)));
      return { rows, fields, affectedRows };
    }
    case 'exec': {
      const results = await within(msg, (target) => target.exec(msg.sql));
      return results.map(({ rows, fields, affectedRows }) => ({ rows, fields, affectedRows }));
    }
    case 'begin':
      return new Promise((opened, failed) => {
        let entered = false;
        const done = db.transaction(
          (tx) =>
            new Promise((commit, rollback) => {
              entered = true;
              transactions.set(msg.tx, { tx, commit, rollback, done });
              if (typeof msg.scope !== 'string') return opened(null);
              tx.query(scopeStatement, [msg.scope]).then(
                () => opened(null),
                (err) => {
                  transactions.delete(msg.tx);
                  failed(err);
                  rollback(err);
                },
              );
            }),
        );
        // Rejections are reported by 'end' (or here, when the transaction could not even begin).
        done.catch((err) => {
          if (!entered) failed(err);
        });
      });
    case 'end': {
      const open = transactions.get(msg.tx);
      if (!open) throw new Error(`transaction ${msg.tx} is not open`);
      transactions.delete(msg.tx);
      if (msg.commit) {
        open.commit(null);
        await open.done;
      } else {
        open.rollback(new Error('rolled back'));
        await open.done.catch(() => {});
      }
      return null;
    }
    case 'close':
      await db.close();
      return null;
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
}

await db.waitReady;
parentPort.on('message', (msg) => {
  handle(msg).then(
    (result) => parentPort.postMessage({ id: msg.id, result }),
    (err) => parentPort.postMessage({ id: msg.id, error: serializeError(err) }),
  );
});
parentPort.postMessage({ ready: true });
