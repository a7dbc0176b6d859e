/** Global teardown of the chaos run: render the scenarios' figures into RELIABILITY.md. */
import { renderReliability } from '../../../scripts/chaos/render-reliability.ts';

export default function setup() {
  return () => renderReliability();
}
