// Entry of the `digest` command (bin/digest.js loads this through tsx).
import { main } from './main.ts';

process.exitCode = await main(process.argv);
