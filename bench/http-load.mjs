// The bench's HTTP producer, on a thread of its own: product backends send events from their own
// processes, so the requests' client-side cost (undici, JSON) must not be charged to the API's thread.
// Runs one pool at a time: { requests: [{ method, path, body }], concurrency } → per-request latency,
// status and body. Plain JavaScript so that it loads the same way under tsx and node.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

const { base, timeoutMs } = workerData;

async function request({ method, path, body }) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, text: await res.text() };
}

parentPort.on('message', async ({ requests, concurrency }) => {
  const responses = new Array(requests.length);
  const latencies = new Array(requests.length);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const t0 = performance.now();
      try {
        responses[i] = await request(requests[i]);
      } catch (err) {
        responses[i] = { error: err?.message ?? String(err) };
      }
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  parentPort.postMessage({ elapsedMs: performance.now() - started, latencies, responses });
});
