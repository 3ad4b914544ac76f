import type { AlarmTagSource } from '../app/ports';
import { adapterKey } from '../../../kernel/runtime/adapter-overrides';

/**
 * The adapters of this practice's functions that a runtime without AWS may supply in their place
 * (src/kernel/runtime/adapter-overrides.ts). No SDK here: the local runtime's preload imports it.
 */
/** Where a runtime without CloudWatch (the local one) puts the alarm tag source it supplies. */
export const ALARM_TAG_SOURCE = adapterKey<AlarmTagSource>('monitoring/alarm-tag-source');
