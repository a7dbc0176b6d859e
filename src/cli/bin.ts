// Entry of the `digest` command (bin/digest.js loads this through tsx).
import { main } from './main.ts';

// `digest articles list | head`: a closed pipe ends the command quietly, like any Unix tool.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// Exit as soon as the command is done: a library's leftover timer (a connect timeout of a Redis
// that never answered) must not keep a failed command alive. Our own output is already written:
// stdout and stderr are synchronous for files, pipes and terminals on Linux.
process.exit(await main(process.argv));
