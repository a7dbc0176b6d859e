#!/usr/bin/env -S node --heap-growing-percent=50
// The `digest` command. Sources are TypeScript run through tsx's loader, so there is no build step
// that could drift from src/.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/bin.ts');
