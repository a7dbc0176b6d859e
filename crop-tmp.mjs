import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [, , file, y = '0', h = '1400', out = '/tmp/x/crop.png'] = process.argv;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1300, height: 800 } });
await p.setContent(
  `<body style="margin:0"><img src="data:image/png;base64,${readFileSync(file).toString('base64')}"></body>`,
);
const w = await p.evaluate(() => document.images[0].naturalWidth);
const H = await p.evaluate(() => document.images[0].naturalHeight);
await p.screenshot({
  path: out,
  clip: { x: 0, y: Number(y), width: Math.min(w, 1300), height: Math.min(Number(h), H - Number(y)) },
  fullPage: true,
});
console.log(w, H);
await b.close();
