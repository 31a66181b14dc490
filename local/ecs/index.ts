/** The simulated ECS cluster: an in-memory, deterministic ECS that emits the events ECS would emit. */
export { DEFAULT_HOOK, type LifecycleHook, SimulatedAutoScaling } from '../auto-scaling/auto-scaling.js';
export type { SimSnapshot, SimulatedEcsOptions } from './engine.js';
export { DEFAULT_TIMINGS, type LifecycleTimings, type TaskStatus } from './lifecycle.js';
export type { ContainerBehaviour, ContainerSpec, PortMapping, TaskDefinitionSpec } from './model.js';
export { SimulatedEcs } from './simulated-ecs.js';
