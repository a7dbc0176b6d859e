/** The message frame the delivery tests compose with: edition 2026-W47; messages dated TEST_DATE. */
import { createMessageFrame } from '../../src/mail/message-frame.ts';

/** The hand-off time test messages carry in their Date header. */
export const TEST_DATE = new Date('2026-11-23T07:00:00Z');

type FramePublication = Parameters<typeof createMessageFrame>[0]['publication'];

/** The smallest publication a frame needs. */
export const framePublication: FramePublication = {
  id: 'orbit-weekly',
  name: 'Orbit Weekly',
  from: { name: 'Orbit Weekly', address: 'digest@orbit-weekly.example' },
};

export function testFrame(
  htmlTemplate: string,
  textTemplate: string,
  options: { subject?: string; publication?: FramePublication } = {},
) {
  return createMessageFrame({
    editionId: '2026-W47',
    publication: options.publication ?? framePublication,
    subject: options.subject ?? 'Week 47',
    htmlTemplate,
    textTemplate,
  });
}
