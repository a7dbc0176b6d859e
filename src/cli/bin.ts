// Entry of the `digest` command (bin/digest.js loads this through tsx).
import { main } from './main.ts';

// `digest articles list | head`: a closed pipe ends the command quietly, like any Unix tool.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv);
