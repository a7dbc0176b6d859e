// Whether the compiled CLI may run: dist/cli/bin.js exists and is newer than every file and folder of
// src/ and workers/ (a folder's time changes when a file is added or removed). Stat-ing ~200 files
// takes a few milliseconds, far less than transpiling them.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SOURCE_DIRS = ['src', 'workers'];

/** The file URL of the compiled entry, or undefined when it is missing or older than a source. */
export function compiledEntry(root, fs) {
  const entry = join(root, 'dist/cli/bin.js');
  let built;
  try {
    built = fs.statSync(entry).mtimeMs;
  } catch {
    return undefined;
  }
  for (const dir of SOURCE_DIRS) {
    if (newestUnder(join(root, dir), fs) >= built) return undefined;
  }
  return pathToFileURL(entry).href;
}

function newestUnder(dir, fs) {
  let newest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path, fs) : fs.statSync(path).mtimeMs);
  }
  return newest;
}
