import type { RunningApp } from '../../service/app';
import type { EmulatedPinterest } from '../../demo/emulated-pinterest';

/** Every event with `eventId` the emulator's Conversions API has received, in arrival order. */
export function capiEventsWithId(app: RunningApp<EmulatedPinterest>, eventId: string): Array<Record<string, unknown>> {
  return app.pinterest.emulator.capiRequests.flatMap((r) => r.body.data).filter((event) => event.event_id === eventId);
}
