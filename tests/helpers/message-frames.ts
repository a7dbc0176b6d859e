/** The message frame the delivery tests compose with: edition 2026-W47, dated 23 Nov 2026 07:00 UTC. */
import { createMessageFrame } from '../../src/mail/message-frame.ts';

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
    date: new Date('2026-11-23T07:00:00Z'),
  });
}
