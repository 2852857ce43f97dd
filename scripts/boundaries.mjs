// Part of `npm run lint`: the folder rules of .dependency-cruiser.cjs, and no import cycle between folders
// (src/<folder>/; a top-level file of src/ counts as a folder of its own). Exits 1 on any finding.
// Type-only imports are erased at run time and are left out of the folder graph: a feature names the
// shape its composition root hands it (AppEnv in api/router.ts, ActivityDeps in worker/activities.ts,
// Config in env.ts), which the root in turn builds from the features.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const depcruise = join(import.meta.dirname, '..', 'node_modules', '.bin', 'depcruise');
const out = execFileSync(depcruise, ['src', 'worker.ts', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
  maxBuffer: 64 * 1024 * 1024,
}).toString();
const { modules, summary } = JSON.parse(out);

let failed = 0;
for (const v of summary.violations) {
  failed++;
  const via = v.cycle ? ` (cycle: ${v.cycle.map((c) => c.name ?? c).join(' → ')})` : '';
  console.error(`${v.rule.name}: ${v.from} → ${v.to}${via}`);
}

const folderOf = (path) => {
  const m = /^src\/([^/]+)\//.exec(path);
  return m ? `src/${m[1]}` : path;
};
/** folder → folder → one import that makes the edge (for the message). */
const edges = new Map();
for (const mod of modules) {
  if (!/^(src\/|worker\.ts$)/.test(mod.source)) continue;
  const from = folderOf(mod.source);
  for (const dep of mod.dependencies) {
    if (!/^src\//.test(dep.resolved) || dep.dependencyTypes.includes('type-only')) continue;
    const to = folderOf(dep.resolved);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${mod.source} → ${dep.resolved}`);
  }
}

// Tarjan's strongly connected components: a component of more than one folder is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const components = [];
function visit(v) {
  state.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!state.has(w)) {
      visit(w);
      state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
    } else if (state.get(w).onStack) state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
  }
  if (state.get(v).low === state.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      state.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) components.push(component);
  }
}
for (const v of edges.keys()) if (!state.has(v)) visit(v);

for (const component of components) {
  failed++;
  console.error(`folder cycle: ${component.sort().join(', ')}`);
  for (const from of component) {
    for (const [to, example] of edges.get(from) ?? []) if (component.includes(to)) console.error(`  ${from} → ${to}: ${example}`);
  }
}

if (failed) {
  console.error(`\n${failed} boundary problem(s)`);
  process.exit(1);
}
console.log(`boundaries: ${modules.length} modules, no violation, no folder cycle`);
