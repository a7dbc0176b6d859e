/**
 * Bytes → text with the right charset: the HTTP header's charset, else a byte-order mark, else the
 * XML declaration's encoding, else detection (chardet), else UTF-8. ISO-8859-1 feeds without any
 * declaration exist (uolNoticias.rss), which is why detection is the last resort, not UTF-8.
 */
import chardet from 'chardet';

/** What TextDecoder calls the charsets feeds declare (it knows most labels itself). */
function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label.trim().toLowerCase());
  } catch {
    return undefined;
  }
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m?.[1];
}

function charsetFromBom(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}

function charsetFromXmlDeclaration(bytes: Uint8Array): string | undefined {
  // The declaration is ASCII by definition, so reading the first bytes as latin1 is safe.
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const m = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  return m?.[1];
}

function detectedCharset(bytes: Uint8Array): string | undefined {
  // A valid UTF-8 document stays UTF-8 even when chardet guesses otherwise on short ASCII text.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return chardet.detect(bytes) ?? undefined;
  }
}

export function decodeFeed(bytes: Uint8Array, contentType?: string): { text: string; charset: string } {
  const candidates = [
    charsetFromContentType(contentType),
    charsetFromBom(bytes),
    charsetFromXmlDeclaration(bytes),
    detectedCharset(bytes),
    'utf-8',
  ];
  for (const label of candidates) {
    const decoder = decoderFor(label);
    if (decoder) return { text: decoder.decode(bytes), charset: decoder.encoding };
  }
  return { text: new TextDecoder().decode(bytes), charset: 'utf-8' };
}
