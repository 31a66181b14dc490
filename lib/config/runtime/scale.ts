/** The scale function's environment. */
import * as z from 'zod/mini';
import { ScalingConfig } from '../scaling-config.js';
import { environmentOf, jsonSection, Name, WholeNumber } from './environment.js';

const SCALING_CONFIG = jsonSection(ScalingConfig);

export const scaleEnvironment = environmentOf(
  z.object({ STATE_TABLE: Name, SCALING_CONFIG, RETENTION_HISTORY_DAYS: WholeNumber }),
);
