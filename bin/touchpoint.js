#!/usr/bin/env node
// The `touchpoint` command (src/cli/main.ts), run through tsx so it needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
