import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyExit, EXIT_RULES, matchExitRule } from '../../../../lib/alerts/classify.js';
import { EXIT_CLASSES, type ExitClass } from '../../../../lib/alerts/config.js';

const OOM = 'OutOfMemoryError: Container killed due to memory usage';
const PULL =
  'CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref 111122223333.dkr.ecr.us-east-1.amazonaws.com/etl:2024.05.01: not found';
const ESSENTIAL = {
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
};
const FAILED_TO_START = (stoppedReason: string) => ({ stopCode: 'TaskFailedToStart', stoppedReason });

interface Case {
  says: string;
  container: { exitCode?: number | null; reason?: string };
  task: { stopCode?: string; stoppedReason?: string };
  rule: string;
  exitClass: ExitClass;
}

const cases: Case[] = [
  // Out of memory
  {
    says: 'exit 137 with the ECS OOM reason',
    container: { exitCode: 137, reason: OOM },
    task: ESSENTIAL,
    rule: 'out-of-memory-reason',
    exitClass: 'oom',
  },
  {
    says: 'an OutOfMemory reason without an exit code',
    container: { reason: OOM },
    task: ESSENTIAL,
    rule: 'out-of-memory-reason',
    exitClass: 'oom',
  },
  {
    says: 'an OutOfMemory reason with another exit code',
    container: { exitCode: 1, reason: 'OutOfMemory' },
    task: ESSENTIAL,
    rule: 'out-of-memory-reason',
    exitClass: 'oom',
  },
  {
    says: 'exit 137 with "OOMKilled"',
    container: { exitCode: 137, reason: 'OOMKilled' },
    task: ESSENTIAL,
    rule: 'exit-137-memory-reason',
    exitClass: 'oom',
  },
  {
    says: 'exit 137 with "out of memory"',
    container: { exitCode: 137, reason: 'process ran out of memory' },
    task: ESSENTIAL,
    rule: 'exit-137-memory-reason',
    exitClass: 'oom',
  },
  // Could not start
  {
    says: 'CannotPullContainerError without an exit code',
    container: { reason: PULL },
    task: FAILED_TO_START(PULL),
    rule: 'image-pull',
    exitClass: 'image-pull',
  },
  {
    says: 'CannotPullContainerError only in the stopped reason',
    container: {},
    task: FAILED_TO_START(PULL),
    rule: 'image-pull',
    exitClass: 'image-pull',
  },
  {
    says: 'ResourceInitializationError (secrets, registry auth)',
    container: { exitCode: null },
    task: FAILED_TO_START(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed',
    ),
    rule: 'image-pull',
    exitClass: 'image-pull',
  },
  {
    says: 'CannotStartContainerError',
    container: { reason: 'CannotStartContainerError: Error response from daemon: OCI runtime create failed' },
    task: FAILED_TO_START('CannotStartContainerError: Error response from daemon'),
    rule: 'container-start-error',
    exitClass: 'failed-to-start',
  },
  {
    says: 'CannotCreateContainerError',
    container: { reason: 'CannotCreateContainerError: Error response from daemon: no space left on device' },
    task: ESSENTIAL,
    rule: 'container-start-error',
    exitClass: 'failed-to-start',
  },
  {
    says: 'TaskFailedToStart for another reason',
    container: {},
    task: FAILED_TO_START('Task failed to start'),
    rule: 'task-failed-to-start',
    exitClass: 'failed-to-start',
  },
  // Signals
  {
    says: 'exit 139 (SIGSEGV)',
    container: { exitCode: 139 },
    task: ESSENTIAL,
    rule: 'segfault',
    exitClass: 'segfault',
  },
  {
    says: 'exit 137 without a memory reason (SIGKILL, e.g. after the stop timeout)',
    container: { exitCode: 137 },
    task: ESSENTIAL,
    rule: 'signal',
    exitClass: 'signal',
  },
  {
    says: 'exit 137 with an unrelated reason',
    container: { exitCode: 137, reason: 'DockerTimeoutError: could not transition to stopped' },
    task: ESSENTIAL,
    rule: 'signal',
    exitClass: 'signal',
  },
  {
    says: 'exit 143 (SIGTERM)',
    container: { exitCode: 143 },
    task: ESSENTIAL,
    rule: 'signal',
    exitClass: 'signal',
  },
  {
    says: 'exit 134 (SIGABRT)',
    container: { exitCode: 134 },
    task: ESSENTIAL,
    rule: 'signal',
    exitClass: 'signal',
  },
  {
    says: 'exit 129 (SIGHUP), the first signal',
    container: { exitCode: 129 },
    task: ESSENTIAL,
    rule: 'signal',
    exitClass: 'signal',
  },
  {
    says: 'exit 159, the last signal',
    container: { exitCode: 159 },
    task: ESSENTIAL,
    rule: 'signal',
    exitClass: 'signal',
  },
  // Application errors
  {
    says: 'exit 1',
    container: { exitCode: 1 },
    task: ESSENTIAL,
    rule: 'non-zero-exit',
    exitClass: 'app-error',
  },
  {
    says: 'exit 128 (not a signal)',
    container: { exitCode: 128 },
    task: ESSENTIAL,
    rule: 'non-zero-exit',
    exitClass: 'app-error',
  },
  {
    says: 'exit 160 (beyond the signals)',
    container: { exitCode: 160 },
    task: ESSENTIAL,
    rule: 'non-zero-exit',
    exitClass: 'app-error',
  },
  {
    says: 'exit 255',
    container: { exitCode: 255 },
    task: ESSENTIAL,
    rule: 'non-zero-exit',
    exitClass: 'app-error',
  },
  {
    says: 'a Windows exit code (0xC0000005)',
    container: { exitCode: 3221225477 },
    task: ESSENTIAL,
    rule: 'non-zero-exit',
    exitClass: 'app-error',
  },
  // Clean exit and no exit code
  { says: 'exit 0', container: { exitCode: 0 }, task: ESSENTIAL, rule: 'exit-0', exitClass: 'clean-exit' },
  {
    says: 'exit 0 without any stop code (older events)',
    container: { exitCode: 0 },
    task: {},
    rule: 'exit-0',
    exitClass: 'clean-exit',
  },
  {
    says: 'no exit code and no reason',
    container: {},
    task: ESSENTIAL,
    rule: 'no-exit-code',
    exitClass: 'failed-to-start',
  },
  {
    says: 'a null exit code (as some events carry it)',
    container: { exitCode: null },
    task: {},
    rule: 'no-exit-code',
    exitClass: 'failed-to-start',
  },
];

describe('classifyExit', () => {
  it.each(cases)('$says → $exitClass (rule $rule)', ({ container, task, rule, exitClass }) => {
    expect(classifyExit(container, task)).toBe(exitClass);
    expect(matchExitRule(container, task).name).toBe(rule);
  });

  it('has a spec case for every rule, and rules for every exit class', () => {
    const specified = new Set(cases.map((c) => c.rule));
    expect(EXIT_RULES.map((rule) => rule.name).filter((name) => !specified.has(name))).toEqual([]);
    expect(new Set(EXIT_RULES.map((rule) => rule.exitClass))).toEqual(new Set(EXIT_CLASSES));
  });

  it('names every rule once and describes it', () => {
    const names = EXIT_RULES.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of EXIT_RULES) expect(rule.description.length).toBeGreaterThan(10);
  });

  it('classifies every exit code and reason, and by the first matching rule (property)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.oneof(fc.integer({ min: -5, max: 300 }), fc.constantFrom(0, 1, 137, 139, 143)), {
          nil: undefined,
        }),
        fc.option(fc.oneof(fc.string(), fc.constantFrom(OOM, PULL, 'OOMKilled')), { nil: undefined }),
        fc.option(fc.constantFrom('EssentialContainerExited', 'TaskFailedToStart', 'UserInitiated'), {
          nil: undefined,
        }),
        (exitCode, reason, stopCode) => {
          const container = { exitCode, reason };
          const exitClass = classifyExit(container, { stopCode });
          expect(EXIT_CLASSES).toContain(exitClass);
          // A reason that says OutOfMemory always wins; exit 0 without any reason or start failure is clean.
          if (reason?.includes('OutOfMemory')) expect(exitClass).toBe('oom');
          if (exitCode === 0 && reason === undefined && stopCode !== 'TaskFailedToStart')
            expect(exitClass).toBe('clean-exit');
        },
      ),
    );
  });
});
