import { describe, expect, it } from 'vitest';
import { FeedError } from '../../src/feeds/feed-error.ts';
import { createFeedFetcher } from '../../src/feeds/fetch-feed.ts';
import { isPrivateAddress, nonPublicRange } from '../../src/feeds/host-guard.ts';

describe('SSRF guard: addresses are judged by range, not by spelling', () => {
  it.each([
    ['::7f00:1', 'IPv4-compatible loopback (deprecated form)'],
    ['::127.0.0.1', 'IPv4-compatible loopback, dotted'],
    ['::a00:1', 'IPv4-compatible 10.0.0.1'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the cloud metadata address'],
    ['64:ff9b:1::a00:1', 'local-use NAT64 (RFC 8215)'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['fec0::1', 'deprecated site-local'],
    ['::ffff:0:7f00:1', 'IPv4-translated (RFC 6145)'],
    ['2001::1', 'Teredo'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['100::1', 'discard prefix'],
    ['5f00::1', 'segment routing'],
    ['4000::1', 'outside 2000::/3'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.5', 'TEST-NET-3'],
    ['198.18.0.1', 'benchmarking'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped link-local'],
    ['fd00::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['', 'not an address'],
    ['example.com', 'a name, not an address'],
  ])('%s is not public (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
    expect(nonPublicRange(address)).toEqual(expect.any(String));
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '2606:4700::1111',
    '2a00:1450:4001:82b::200e',
    '::ffff:93.184.216.34',
    '64:ff9b::808:808', // NAT64 of 8.8.8.8
    '2002:808:808::1', // 6to4 of 8.8.8.8
  ])('%s is public', (address) => {
    expect(nonPublicRange(address)).toBeUndefined();
  });

  it('names the range in the refusal, and http://[::127.0.0.1]/ is refused before any connection', async () => {
    const fetcher = createFeedFetcher({ timeoutMs: 3000 });
    for (const url of [
      'http://[::127.0.0.1]/feed',
      'http://[::7f00:1]/feed',
      'http://[64:ff9b::7f00:1]/feed',
      'http://[2002:7f00:1::1]/feed',
      'http://[fec0::1]/feed',
      'http://192.0.2.1/feed',
    ]) {
      const err = await fetcher(url).then(
        () => undefined,
        (e: unknown) => e,
      );
      // An address literal never goes through the connection's lookup, so the connect stage would
      // answer ENETWORK (unreachable, refused) or fetch the feed: EPRIVATEHOST here means the check
      // before the request refused it.
      expect(err, url).toBeInstanceOf(FeedError);
      expect((err as FeedError).code, url).toBe('EPRIVATEHOST');
    }
    const err = (await fetcher('http://[::127.0.0.1]/feed').catch((e: unknown) => e)) as FeedError;
    expect(err.message).toBe(
      '::7f00:1 is not a public address (deprecated IPv4-compatible; set ALLOW_PRIVATE_FEED_HOSTS=true to allow)',
    );
  });
});
