/** The scale function's environment. */
import * as z from 'zod/mini';
import { environmentOf, jsonSection, Name, WholeNumber } from '../platform/config/environment.js';
import { ScalingConfig } from './config.js';

const SCALING_CONFIG = jsonSection(ScalingConfig);

export const scaleEnvironment = environmentOf(
  z.object({ STATE_TABLE: Name, SCALING_CONFIG, RETENTION_HISTORY_DAYS: WholeNumber }),
);
