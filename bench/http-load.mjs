// The bench's HTTP producer, on a thread of its own: product backends send events from their own
// processes, so the requests' client-side cost (undici, JSON) must not be charged to the API's thread.
// Runs one pool at a time: { requests: [{ method, path, body }], concurrency } → per-request latency,
// status and body. Plain JavaScript so that it loads the same way under tsx and node.
import { parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const { base, timeoutMs, headers: extraHeaders = {} } = workerData;
// node:http with keep-alive sockets: a lighter client than fetch (undici), so the producer takes less of
// the machine the API runs on.
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request({ method, path, body }) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        timeout: timeoutMs,
        headers: { ...extraHeaders, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
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
