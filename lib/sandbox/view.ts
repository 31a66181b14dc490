/**
 * The sandbox's live view: one line per thing worth knowing, stamped with simulated time — what the script did,
 * what the cluster did about it, and what each function reported from its own logs — then a summary that says
 * where to look next. Plain lines (no cursor tricks), so it reads the same in a terminal, a pipe or CI.
 */
import { join } from 'node:path';
import type { EventEnvelope } from '../events/envelope.js';
import type { Deployment } from '../local-bus/routes.js';
import { narrate } from './narration.js';
import type { SandboxOptions, SandboxReport } from './sandbox.js';

const OUTCOMES = ['accepted', 'duplicate', 'stale', 'invalid', 'failed'] as const;

export class SandboxView {
  private readonly lastLine = new Map<string, string>();
  private readonly outcomes: Record<string, number> = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  private clock = 0;

  constructor(
    private readonly out: (line: string) => void,
    private readonly startedAt: number,
  ) {}

  headline(deployment: Deployment, options: Pick<SandboxOptions, 'speed' | 'chaos' | 'seed' | 'clusters'>) {
    const routes = deployment.routes.map((route) => `${route.rule} → ${route.function.name}`).join(', ');
    this.out('ecs-ops sandbox: a simulated ECS account, the deployed functions, no AWS account needed');
    this.out(`  routes from serverless.yml: ${routes}`);
    this.out(
      `  clusters ${options.clusters.join(', ')}; time ×${options.speed}; ` +
        (options.chaos > 0
          ? `chaos on: ${Math.round(options.chaos * 100)}% of events delivered twice, all out of order`
          : 'chaos off: every event delivered once, in order'),
    );
    this.out(`  seed ${options.seed}: --seed ${options.seed} with a fresh --dir replays this run`);
    this.out('');
  }

  step(at: number, say: string) {
    this.line(at, `▶ ${say}`);
  }

  problem(at: number, text: string) {
    this.line(at, `✗ ${text}`);
  }

  event(at: number, envelope: EventEnvelope) {
    const text = narrate(envelope);
    if (text === undefined) return;
    const resource = envelope.resources[0] ?? envelope.id;
    if (this.lastLine.get(resource) === text) return;
    this.lastLine.set(resource, text);
    this.line(at, `  ${text}`);
  }

  /** Function logs are Powertools JSON lines; the reconcile function's batch summary is what the view shows. */
  functionLog(name: string, line: string) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (entry.message === 'batch reconciled') {
      for (const outcome of OUTCOMES)
        this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + Number(entry[outcome] ?? 0);
      const counts = OUTCOMES.filter((o) => Number(entry[o] ?? 0) > 0).map((o) => `${entry[o]} ${o}`);
      this.line(this.clock, `    ${name} ← ${entry.records} records: ${counts.join(', ')}`);
    } else if (entry.level === 'ERROR' || entry.level === 'WARN') {
      this.line(this.clock, `    ${name} ${String(entry.level).toLowerCase()}: ${entry.message}`);
    }
  }

  reconciled(): Record<string, number> {
    return { ...this.outcomes };
  }

  summary(report: SandboxReport) {
    const { bus, groundTruth } = report;
    this.out('');
    this.out(
      `${report.interrupted ? 'Stopped early' : 'Done'} after ${report.simulatedSeconds} simulated seconds: ` +
        `${bus.published} events, ${bus.duplicatesInjected} delivered twice, ${bus.invocations} invocations, ` +
        `${bus.deadLettered} dead-lettered`,
    );
    this.out(`  reconcile: ${OUTCOMES.map((o) => `${report.reconciled[o] ?? 0} ${o}`).join(', ')}`);
    if (groundTruth.mismatches.length === 0) {
      this.out(
        `  ✓ the store holds exactly the simulator's last word on all ${groundTruth.tasks} tasks and ${groundTruth.instances} container instances`,
      );
    } else {
      this.out(`  ✗ ${groundTruth.mismatches.length} resources differ from the simulator:`);
      for (const mismatch of groundTruth.mismatches.slice(0, 10)) this.out(`    ${mismatch}`);
    }
    this.out('');
    this.out(`Look closer (the store stays in ${report.store}):`);
    const hints = [
      ['npx ecs-ops tasks', 'every task, newest first in its status'],
      ['npx ecs-ops tasks --status STOPPED', 'why each stopped: stop code, reason, exit codes'],
      ['npx ecs-ops task <task id> --history', 'one task, version by version'],
      ['npx ecs-ops instances', 'container instances, DRAINING and INACTIVE too'],
      [`${join(report.store, 'logs')}/`, "each function's logs, JSON lines as in CloudWatch Logs"],
    ];
    for (const [what, why] of hints) this.out(`  ${what?.padEnd(38)} ${why}`);
  }

  private line(at: number, text: string) {
    this.clock = Math.max(this.clock, at);
    const seconds = ((at - this.startedAt) / 1000).toFixed(1).padStart(5);
    this.out(`+${seconds}s ${text}`);
  }
}
