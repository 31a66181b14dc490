/**
 * What kind of exit stopped a container: out of memory, a failed image pull, a crash on a signal, an
 * application error… Pure: the rules are data, tried in order, and the first that matches names the class.
 *
 * ECS reports an out-of-memory kill as exit 137 with the container reason `OutOfMemoryError: Container killed
 * due to memory usage`; a plain exit 137 is SIGKILL (for example after the stop timeout). A task that could not
 * start (image pull, secrets, a container that could not be created) has stopCode `TaskFailedToStart`, a reason
 * such as `CannotPullContainerError: …` and usually no exit code at all.
 */
import { StopCode } from '../platform/events/stop-codes.js';
import type { ExitClass } from './config.js';

/** The container whose exit is classified, as ECS reported it. */
export interface ExitContainer {
  exitCode?: number | null;
  reason?: string;
}

/** The task it belonged to: its stop code and stopped reason, as ECS reported them. */
export interface ExitTask {
  stopCode?: string;
  stoppedReason?: string;
}

/** What the rules look at: the exit code (absent when ECS gave none) and the reasons. */
export interface ExitFacts {
  exitCode: number | undefined;
  /** The container's own reason, or "". */
  reason: string;
  stopCode: string;
  /** The task's stopped reason, or "". */
  stoppedReason: string;
}

export interface ExitRule {
  /** A stable name, for tests and explanations. */
  name: string;
  exitClass: ExitClass;
  /** One line, in words, of what the rule matches. */
  description: string;
  matches: (facts: ExitFacts) => boolean;
}

const OUT_OF_MEMORY = /OutOfMemory/i;
/** Words that say "memory" in the reasons runtimes give with a 137: OOMKilled, "out of memory", "memory usage". */
const MEMORY_REASON = /OOM|out of memory|memory (usage|limit)/i;
const IMAGE_PULL = /CannotPullContainerError|ResourceInitializationError/;
const START_ERROR = /CannotStartContainerError|CannotCreateContainerError/;

const anyReason = (facts: ExitFacts, pattern: RegExp): boolean =>
  pattern.test(facts.reason) || pattern.test(facts.stoppedReason);

/** The rules, in the order they are tried; the first match decides. */
export const EXIT_RULES: readonly ExitRule[] = [
  {
    name: 'out-of-memory-reason',
    exitClass: 'oom',
    description:
      'a reason that says OutOfMemory (OutOfMemoryError: Container killed due to memory usage), any exit code',
    matches: (facts) => anyReason(facts, OUT_OF_MEMORY),
  },
  {
    name: 'exit-137-memory-reason',
    exitClass: 'oom',
    description: 'exit 137 with a reason about memory (OOMKilled, out of memory)',
    matches: (facts) => facts.exitCode === 137 && anyReason(facts, MEMORY_REASON),
  },
  {
    name: 'image-pull',
    exitClass: 'image-pull',
    description:
      'CannotPullContainerError or ResourceInitializationError: the image (or its secrets) could not be fetched',
    matches: (facts) => anyReason(facts, IMAGE_PULL),
  },
  {
    name: 'container-start-error',
    exitClass: 'failed-to-start',
    description:
      'CannotStartContainerError or CannotCreateContainerError: the runtime could not start the container',
    matches: (facts) => anyReason(facts, START_ERROR),
  },
  {
    name: 'task-failed-to-start',
    exitClass: 'failed-to-start',
    description: 'stop code TaskFailedToStart, for any other reason',
    matches: (facts) => facts.stopCode === StopCode.TaskFailedToStart,
  },
  {
    name: 'segfault',
    exitClass: 'segfault',
    description: 'exit 139 (128 + SIGSEGV)',
    matches: (facts) => facts.exitCode === 139,
  },
  {
    name: 'signal',
    exitClass: 'signal',
    description: 'exit 129-159 (128 + signal number), including 137 (SIGKILL) without a memory reason',
    matches: (facts) => facts.exitCode !== undefined && facts.exitCode >= 129 && facts.exitCode <= 159,
  },
  {
    name: 'non-zero-exit',
    exitClass: 'app-error',
    description: 'any other non-zero exit code: the application failed',
    matches: (facts) => facts.exitCode !== undefined && facts.exitCode !== 0,
  },
  {
    name: 'exit-0',
    exitClass: 'clean-exit',
    description: 'exit 0: the process ended on its own, successfully',
    matches: (facts) => facts.exitCode === 0,
  },
  {
    name: 'no-exit-code',
    exitClass: 'failed-to-start',
    description: 'no exit code and no recognised reason: the container never ran to an exit ECS could record',
    matches: () => true,
  },
];

/** The facts the rules see: a null or non-finite exit code counts as none; missing reasons as "". */
export function exitFacts(c: ExitContainer, task: ExitTask): ExitFacts {
  const code = c.exitCode;
  return {
    exitCode: typeof code === 'number' && Number.isFinite(code) ? code : undefined,
    reason: c.reason ?? '',
    stopCode: task.stopCode ?? '',
    stoppedReason: task.stoppedReason ?? '',
  };
}

/** The first rule that matches; always one, since the last rule matches everything. */
export function matchExitRule(c: ExitContainer, task: ExitTask): ExitRule {
  const facts = exitFacts(c, task);
  const rule = EXIT_RULES.find((candidate) => candidate.matches(facts));
  if (rule === undefined) throw new Error('EXIT_RULES must end with a rule that matches everything');
  return rule;
}

/** The class of a container's exit, by the first matching rule of EXIT_RULES. */
export function classifyExit(
  c: { exitCode?: number | null; reason?: string },
  task: { stopCode?: string; stoppedReason?: string },
): ExitClass {
  return matchExitRule(c, task).exitClass;
}
