// dev only: time the fill
import { editionWindow } from '../../src/core/edition-window.ts';
import { prepareVariant } from '../../src/delivery/prepared-edition.ts';
import { messageMemory } from '../../src/delivery/message-template.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { benchArticles, benchName, benchAddress } from './bench-digest.ts';
const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const editionId = '2026-W47';
const window = editionWindow(editionId, publication.timezone, publication.weekStartsOn);
const compiled = (await buildVariant({ publication, edition: { id: editionId, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() }, articles: benchArticles(editionId, publication), topics: ['lunar', 'launch'], locale: 'en-GB', webUrl: 'https://d/e' }))!;
const v = prepareVariant(editionId, publication, compiled, new Date());
const r = (i: number) => ({ subscriberId: `s${i}`, email: benchAddress(i), name: benchName(i), format: 'html' as const, unsubscribeUrl: `https://digest.example/u/abcdefghijklmnopqrstuvwxyz0123456789.${i}`, preferencesUrl: `https://digest.example/p/abcdefghijklmnopqrstuvwxyz0123456789.${i}` });
let scratch: Buffer | undefined;
const mode = process.argv[2] ?? 'scratch';
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  for (let i = 0; i < 20000; i++) {
    const m = v.compose(r(i), { dotStuffed: true, scratch: mode === 'scratch' ? scratch : undefined });
    scratch = messageMemory(m.raw as Buffer);
  }
  console.log(mode, ((performance.now() - t0) / 20000 * 1000).toFixed(1), 'µs/msg');
}
