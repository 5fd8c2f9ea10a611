import { CountWindow } from './count-window.js';
import type { OutcomeWindow } from './outcome-window.js';
import { TimeWindow } from './time-window.js';
import type { WindowConfig } from './types.js';

/** Builds the window a config asks for. */
export function createWindow(config: WindowConfig): OutcomeWindow {
  return config.type === 'time'
    ? new TimeWindow(config.windowMs, config.buckets)
    : new CountWindow(config.size);
}
